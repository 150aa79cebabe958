package org.vlmdistill.datasets.batch;

/**
 * Which end of a row gets the pad tokens (HF's {@code padding_side}). Training pads on the right;
 * batched generation pads on the left so every row's last real token sits in the last column.
 */
public enum PaddingSide {
    RIGHT,
    LEFT
}
