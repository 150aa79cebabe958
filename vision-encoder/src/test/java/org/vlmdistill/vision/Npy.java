package org.vlmdistill.vision;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.io.IOException;
import java.nio.file.Path;

/** The reader moved to {@link org.vlmdistill.core.tensor.Npy} (the decoder tests read fixtures too); kept for callers here. */
public final class Npy {
    private Npy() {
    }

    public static NDArray read(NDManager manager, Path file) throws IOException {
        return org.vlmdistill.core.tensor.Npy.read(manager, file);
    }
}
