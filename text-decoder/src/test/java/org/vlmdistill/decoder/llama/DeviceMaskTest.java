package org.vlmdistill.decoder.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.vlmdistill.core.bridge.AttentionMask;
import org.vlmdistill.core.model.PaddingMask;
import org.vlmdistill.core.tensor.HostReads;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The decoder's positions and attention mask, built as tensors on the device, against the host loops
 * they replaced (kept here as the reference): equal element for element over random right-, left- and
 * unpadded masks, with and without a cache, including rows that see nothing.
 */
class DeviceMaskTest {

    @Test
    void positionsAndMaskEqualTheHostReference() {
        SplittableRandom random = new SplittableRandom(19);
        try (NDManager m = NDManager.newBaseManager()) {
            for (int c = 0; c < 300; c++) {
                int batch = 1 + random.nextInt(4);
                int past = random.nextInt(3) == 0 ? random.nextInt(1, 6) : 0;
                int seq = 1 + random.nextInt(8);
                int total = past + seq;
                long[] flat = new long[batch * total];
                int kind = random.nextInt(4); // none, right, left, random holes
                for (int b = 0; b < batch; b++) {
                    int len = kind == 0 ? total : random.nextInt(total + 1);
                    for (int j = 0; j < total; j++) {
                        boolean on = switch (kind) {
                            case 0 -> true;
                            case 1 -> j < len;
                            case 2 -> j >= total - len;
                            default -> random.nextBoolean();
                        };
                        flat[b * total + j] = on ? 1 : 0;
                    }
                }
                long[][] rows = new long[batch][];
                for (int b = 0; b < batch; b++) {
                    rows[b] = Arrays.copyOfRange(flat, b * total, (b + 1) * total);
                }
                PaddingMask padding = PaddingMask.of(m, flat, batch, total);
                NDArray keyMask = padding.padded() ? padding.mask().neq(0) : null;
                String at = "case " + c + " kind " + kind + " batch " + batch + " past " + past + " seq " + seq;

                long[][] want = hostPositions(rows, batch, seq, past);
                NDArray got = LlamaTextDecoder.positionIds(m, keyMask, batch, seq, past);
                assertEquals(new Shape(batch, seq), got.getShape(), at);
                assertArrayEquals(Arrays.stream(want).flatMapToLong(Arrays::stream).toArray(),
                        got.toType(DataType.INT64, false).toLongArray(), at);

                boolean[] wantKeep = hostKeep(rows, batch, seq, past);
                AttentionMask mask = LlamaTextDecoder.attentionMask(m, keyMask, batch, seq, past);
                if (wantKeep == null) {
                    assertInstanceOf(AttentionMask.Causal.class, mask, at);
                } else {
                    NDArray keep = assertInstanceOf(AttentionMask.Bool.class, mask, at).keep();
                    assertEquals(new Shape(batch, 1, seq, total), keep.getShape(), at);
                    assertArrayEquals(wantKeep, keep.toBooleanArray(), at);
                }
            }
        }
    }

    @Test
    void aMaskOnTheDeviceCostsOneReadAndAHostMaskNone() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray raw = m.create(new long[]{1, 1, 0, 1, 1, 1}, new Shape(2, 3));
            HostReads.Tally tally = new HostReads.Tally();
            PaddingMask read = HostReads.counting(tally, () -> PaddingMask.read(raw));
            assertTrue(read.padded());
            assertEquals(1, tally.count());
            assertFalse(PaddingMask.read(m.create(new long[]{1, 1}, new Shape(1, 2))).padded());
            HostReads.Tally none = new HostReads.Tally();
            PaddingMask host = HostReads.counting(none, () -> PaddingMask.of(m, new int[]{1, 1, 0, 1, 1, 1}, 2, 3));
            assertTrue(host.padded());
            assertEquals(0, none.count());
        }
    }

    /** The host loop the decoder used before: {@code cumsum(mask) - 1}, 1 where masked. */
    private static long[][] hostPositions(long[][] mask, int batch, int seq, int past) {
        long[][] positions = new long[batch][seq];
        for (int b = 0; b < batch; b++) {
            long count = 0;
            for (int j = 0; j < past + seq; j++) {
                count += mask[b][j] != 0 ? 1 : 0;
                long position = mask[b][j] != 0 ? count - 1 : 1;
                if (j >= past) {
                    positions[b][j - past] = position;
                }
            }
        }
        return positions;
    }

    /** The host loop the decoder used before; null for plain causal attention. */
    private static boolean[] hostKeep(long[][] mask, int batch, int seq, int past) {
        boolean padded = false;
        for (long[] row : mask) {
            for (long v : row) {
                padded |= v == 0;
            }
        }
        if (!padded && past == 0) {
            return null;
        }
        int total = past + seq;
        boolean[] keep = new boolean[batch * seq * total];
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < seq; i++) {
                int row = (b * seq + i) * total;
                boolean any = false;
                for (int j = 0; j <= past + i; j++) {
                    boolean k = mask[b][j] != 0;
                    keep[row + j] = k;
                    any |= k;
                }
                if (!any) {
                    Arrays.fill(keep, row, row + total, true);
                }
            }
        }
        return keep;
    }
}
