package org.vlmdistill.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.vlmdistill.core.tensor.HostReads;

import java.util.Objects;

/**
 * HF's {@code attention_mask}, {@code [batch, past + seq]}, 1 for a token and 0 for padding, on the
 * model's device, with whether any 0 is in it. A decoder attends causally to an unpadded batch (the
 * faster kernel) and needs an explicit mask otherwise; knowing which where the mask is made (the
 * collator's or generate's host arrays) spares the step a read of the mask from the device.
 *
 * @param mask   {@code [batch, past + seq]}, any integer dtype
 * @param padded whether any element of {@code mask} is 0
 */
public record PaddingMask(NDArray mask, boolean padded) {
    public PaddingMask {
        Objects.requireNonNull(mask, "mask");
    }

    /** Uploads host values (row-major {@code [batch, length]}) as int64; padding is seen on the host. */
    public static PaddingMask of(NDManager manager, long[] values, int batch, int length) {
        boolean padded = false;
        for (long v : values) {
            padded |= v == 0;
        }
        return new PaddingMask(manager.create(values, new Shape(batch, length)), padded);
    }

    /** As {@link #of(NDManager, long[], int, int)} for the collator's int masks. */
    public static PaddingMask of(NDManager manager, int[] values, int batch, int length) {
        long[] wide = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            wide[i] = values[i];
        }
        return of(manager, wide, batch, length);
    }

    /**
     * A mask already on the device whose padding the caller does not know: one read of the device
     * (a single value) tells.
     */
    public static PaddingMask read(NDArray mask) {
        try (NDArray zero = mask.eq(0); NDArray any = zero.any(); NDArray asLong = any.toType(DataType.INT64, false)) {
            return new PaddingMask(mask, HostReads.scalarLong(asLong, "whether an attention mask pads") != 0);
        }
    }
}
