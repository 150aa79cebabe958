package org.vlmdistill.core.device;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * DJL's and libtorch's process-wide switches as this project wants them in every entry point and
 * test, set before the engine loads:
 * <ul>
 *   <li>{@code ai.djl.offline=true}: the engine never reaches for the network (the CPU libtorch
 *       ships in the pytorch-native-cpu jar);</li>
 *   <li>{@code THP_MEM_ALLOC_ENABLE=1}: libtorch's CPU allocator asks for transparent huge pages
 *       for large tensors, so filling fresh memory (loading weights) takes one fault per 2 MiB
 *       instead of per 4 KiB page; loading a 1 GiB checkpoint ran 2.5x faster with it
 *       (BENCHMARKS.md).</li>
 * </ul>
 * A value the user set explicitly is kept.
 */
public final class DjlRuntime {
    private DjlRuntime() {}

    /** Turns DJL's offline mode on unless the user set {@code ai.djl.offline} explicitly. */
    public static void ensureOffline() {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        ensureEnv("THP_MEM_ALLOC_ENABLE", "1");
    }

    public static boolean isOffline() {
        return Boolean.parseBoolean(System.getProperty("ai.djl.offline"))
                || Boolean.parseBoolean(System.getenv("DJL_OFFLINE"));
    }

    /**
     * Sets a variable in the process environment (libc {@code setenv}, not overwriting), where
     * native libraries read it; Java's own {@code System.getenv} keeps its startup copy.
     */
    static void ensureEnv(String name, String value) {
        Linker linker = Linker.nativeLinker();
        var setenv = linker.defaultLookup().find("setenv");
        if (setenv.isEmpty()) {
            return;
        }
        MethodHandle h = linker.downcallHandle(setenv.get(), FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment n = arena.allocateFrom(name);
            MemorySegment v = arena.allocateFrom(value);
            int ignored = (int) h.invokeExact(n, v, 0);
        } catch (Throwable t) {
            // the variable is a performance hint; without it everything still works
        }
    }
}
