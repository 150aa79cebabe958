package org.vlmdistill.core.tensor;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * What a long training run does by chance between a forward and its backward, done on purpose: the
 * garbage collector frees the direct buffers nothing references any more (DJL's scalar temporaries
 * among them), and malloc hands their memory out again, here filled with {@code 0x7f} bytes (3.4e38
 * as fp32, 2139062143 as int32). A gradient that still reads such memory turns into inf or NaN.
 */
public final class FreedMemory {
    private FreedMemory() {
    }

    /** Collects garbage, then reuses small freed blocks; hold the result until the backward has run. */
    public static List<ByteBuffer> collectAndReuse() {
        for (int i = 0; i < 3; i++) {
            System.gc();
            try {
                Thread.sleep(30); // the Cleaner thread frees the buffers' memory after the collection
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        List<ByteBuffer> held = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            for (int size : new int[] {1, 2, 4, 8, 16}) {
                ByteBuffer b = ByteBuffer.allocateDirect(size);
                while (b.hasRemaining()) {
                    b.put((byte) 0x7f);
                }
                held.add(b);
            }
        }
        return held;
    }
}
