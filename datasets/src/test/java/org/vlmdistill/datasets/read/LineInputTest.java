package org.vlmdistill.datasets.read;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LineInputTest {
    private static List<String> lines(byte[] data, int max) throws IOException {
        // one byte per read, so lines straddle every chunk boundary
        InputStream slow = new ByteArrayInputStream(data) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, 1));
            }
        };
        List<String> out = new ArrayList<>();
        try (LineInput in = new LineInput(slow, max)) {
            while (in.next()) {
                out.add(in.lineNumber() + ":" + (in.tooLong() ? "TOO_LONG " + in.length() : in.text()));
            }
        }
        return out;
    }

    @Test
    void linesEndAtNewlineWithCrDroppedAndTheLastNeedsNone() throws IOException {
        byte[] data = "\uFEFFfirst\r\nsecond\n\nthird".getBytes(StandardCharsets.UTF_8);
        assertEquals(List.of("1:first", "2:second", "3:", "4:third"), lines(data, 100));
    }

    @Test
    void aLongLineIsMeasuredNotKept() throws IOException {
        byte[] data = ("ok\n" + "x".repeat(100_000) + "\nafter\n").getBytes(StandardCharsets.UTF_8);
        assertEquals(List.of("1:ok", "2:TOO_LONG 100000", "3:after"), lines(data, 1000));
    }

    @Test
    void aLineOfExactlyTheLimitIsKept() throws IOException {
        byte[] data = ("y".repeat(10) + "\n").getBytes(StandardCharsets.UTF_8);
        assertEquals(List.of("1:" + "y".repeat(10)), lines(data, 10));
        assertEquals(List.of("1:TOO_LONG 10"), lines(data, 9));
    }
}
