package org.vlmdistill.distill.plan;

/**
 * One part of a memory estimate.
 *
 * @param bytes   its size
 * @param formula how the size is computed, in the config's names ({@code P_train x 4}, {@code B x S x ...})
 */
public record MemoryItem(String name, long bytes, String formula) {
    public MemoryItem {
        if (bytes < 0) {
            throw new IllegalArgumentException(name + ": negative size " + bytes);
        }
    }
}
