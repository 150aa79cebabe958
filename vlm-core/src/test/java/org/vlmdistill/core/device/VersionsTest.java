package org.vlmdistill.core.device;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VersionsTest {

    @Test
    void theBuildsAndTheRuntimesVersions() {
        DjlRuntime.ensureOffline();
        Versions v = Versions.current();
        assertTrue(v.vlmd().matches("\\d+\\.\\d+\\.\\d+.*"), "filtered from the pom: " + v.vlmd());
        // the versions the parent pom pins (djl.version, djl.pytorch.native.version), as DJL reports them
        assertEquals("0.35.1", v.djl());
        assertEquals("2.7.1", v.libtorch());
        assertEquals(Runtime.version().toString(), v.java());
        assertEquals(List.of("vlmd", "djl", "libtorch", "java"), List.copyOf(v.asMap().keySet()));
    }
}
