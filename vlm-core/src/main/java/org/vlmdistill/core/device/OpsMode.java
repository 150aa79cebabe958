package org.vlmdistill.core.device;

/** Which implementation of {@code TorchOps} runs the ops DJL lacks. */
public enum OpsMode {
    /** The libtorch bridge when its symbols are there, else the composed DJL ops. */
    AUTO,
    /** The libtorch bridge, or an error naming the missing symbol. */
    BRIDGE,
    /** Only DJL's own ops. */
    COMPOSED
}
