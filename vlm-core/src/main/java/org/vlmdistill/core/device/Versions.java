package org.vlmdistill.core.device;

import ai.djl.engine.Engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * What produced a result, the one source for {@code vlmd --version}, eval reports and a run's
 * {@code provenance.json}: vlmd's version (the Maven project version, written into
 * {@code vlmd-version.properties} when the build filters it), the DJL and libtorch versions as DJL
 * reports them for the engine this process loaded (so a {@code PYTORCH_LIBRARY_PATH} pointing at
 * another libtorch shows), and the running Java.
 */
public record Versions(String vlmd, String djl, String libtorch, String java) {

    /** This process's versions; loads the PyTorch engine if nothing has yet. */
    public static Versions current() {
        return new Versions(vlmdVersion(), Engine.getDjlVersion(), libtorchVersion(), Runtime.version().toString());
    }

    /** {@code vlmd}, {@code djl}, {@code libtorch}, {@code java}, in that order. */
    public Map<String, String> asMap() {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("vlmd", vlmd);
        v.put("djl", djl);
        v.put("libtorch", libtorch);
        v.put("java", java);
        return v;
    }

    private static String vlmdVersion() {
        Properties p = new Properties();
        try (InputStream in = Versions.class.getResourceAsStream("vlmd-version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p.getProperty("version", "unknown");
    }

    /**
     * The loaded libtorch's version; where it cannot load, why (a version query should not fail), down to the
     * root cause: DJL wraps the linker's message (say, an undefined symbol of its JNI against another libtorch)
     * in a generic "Failed to load PyTorch native library".
     */
    private static String libtorchVersion() {
        try {
            return Engine.getEngine("PyTorch").getVersion();
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            StringBuilder why = new StringBuilder(String.valueOf(e.getMessage()));
            for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
                why.append(": ").append(c.getMessage());
            }
            return "unavailable (" + why + ")";
        }
    }
}
