package org.vlmdistill.vlmd.bench;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The per-op benchmark runs every case through every path it names (the bridge's calls and floors
 * reach libtorch without error, the reflective JNI floor finds DJL's native methods) and reports a
 * figure for each. It asserts which paths exist and that each figure is a positive, finite time, not
 * how large it is.
 */
class OpsBenchTest {

    @Test
    void everyCaseRunsThroughItsPaths() throws Throwable {
        var out = new ByteArrayOutputStream();
        List<OpsBench.Row> rows = new OpsBench(1, 0, 0.2, false).run(new PrintStream(out));
        Map<String, Set<String>> paths = rows.stream().collect(Collectors.groupingBy(r -> r.op() + " " + r.size(),
                Collectors.mapping(OpsBench.Row::path, Collectors.toSet())));
        assertEquals(12, paths.size(), paths.toString());
        for (String size : new String[] {"16", "64x64"}) {
            assertEquals(Set.of("djl", "jni floor"), paths.get("add " + size)); // no Scalar alpha through 2.7.1's dispatcher
            for (String op : new String[] {"mul", "matmul", "linear"}) {
                assertEquals(Set.of("bridge", "djl", "bridge floor", "jni floor"), paths.get(op + " " + size), op);
            }
            for (String op : new String[] {"silu", "sdpa"}) {
                assertEquals(Set.of("bridge", "djl", "bridge floor"), paths.get(op + " " + size), op);
            }
        }
        for (OpsBench.Row r : rows) {
            assertTrue(r.wallNs() > 0 && Double.isFinite(r.wallNs()), r.toString());
            assertTrue(r.cpuNs() >= 0 && Double.isFinite(r.cpuNs()), r.toString());
            assertTrue(r.calls() >= 200, r.toString());
        }
    }
}
