package org.vlmdistill.core.device;

import ai.djl.Device;
import org.junit.jupiter.api.Test;
import org.vlmdistill.core.bridge.BridgeOps;
import org.vlmdistill.core.bridge.ComposedOps;
import org.vlmdistill.core.tensor.DType;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ComputePolicyTest {

    @Test
    void defaultsOnThisCpuMachineAreCpuFp32AndTheBridge() {
        ComputePolicy p = ComputePolicy.of(Map.of());
        assertEquals(Device.cpu(), p.device());
        assertEquals(DType.F32, p.computeDType());
        assertInstanceOf(BridgeOps.class, p.ops(), "libtorch 2.7.1 exports the stable dispatcher");
        assertTrue(p.describe().contains("device cpu"), p.describe());
    }

    @Test
    void switchesForceEachChoice() {
        ComputePolicy composed = ComputePolicy.of(Map.of("ops", "composed"));
        assertInstanceOf(ComposedOps.class, composed.ops());
        ComputePolicy bf16 = ComputePolicy.of(Map.of("dtype", "bf16", "ops", "bridge"));
        assertEquals(DType.BF16, bf16.computeDType());
        ComputePolicy gpu = ComputePolicy.of(Map.of("device", "gpu:1", "ops", "composed"));
        assertEquals(Device.gpu(1), gpu.device());
        assertEquals(DType.F32, gpu.computeDType(), "no bridge, so no bf16 even on a GPU");
    }

    @Test
    void offlineModeAndHugePagesAreOnOnceAPolicyIsMade() throws Throwable {
        ComputePolicy.of(Map.of("ops", "composed"));
        assertTrue(DjlRuntime.isOffline());
        // libtorch reads the process environment, not Java's copy of it
        var linker = java.lang.foreign.Linker.nativeLinker();
        var getenv = linker.downcallHandle(linker.defaultLookup().find("getenv").orElseThrow(),
                java.lang.foreign.FunctionDescriptor.of(java.lang.foreign.ValueLayout.ADDRESS, java.lang.foreign.ValueLayout.ADDRESS));
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            var value = (java.lang.foreign.MemorySegment) getenv.invokeExact(arena.allocateFrom("THP_MEM_ALLOC_ENABLE"));
            assertTrue(value.address() != 0, "THP_MEM_ALLOC_ENABLE is set for libtorch");
            assertEquals("1", value.reinterpret(16).getString(0));
        }
    }

    @Test
    void badSwitchesNameTheSwitch() {
        var e = assertThrows(org.vlmdistill.core.config.ConfigException.class, () -> ComputePolicy.of(Map.of("device", "tpu")));
        assertTrue(e.getMessage().contains("vlmd.device"), e.getMessage());
        e = assertThrows(org.vlmdistill.core.config.ConfigException.class, () -> ComputePolicy.of(Map.of("dtype", "int8")));
        assertTrue(e.getMessage().contains("vlmd.dtype"), e.getMessage());
        e = assertThrows(org.vlmdistill.core.config.ConfigException.class, () -> ComputePolicy.of(Map.of("ops", "fast")));
        assertTrue(e.getMessage().contains("vlmd.ops"), e.getMessage());
        e = assertThrows(org.vlmdistill.core.config.ConfigException.class,
                () -> ComputePolicy.of(Map.of("dtype", "bf16", "ops", "composed")));
        assertTrue(e.getMessage().contains("bridge"), e.getMessage());
    }
}
