package org.vlmdistill.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import org.vlmdistill.core.model.Init;
import org.vlmdistill.core.model.Weights;

/** A lookup table {@code [num_embeddings, dim]} at {@code NAME.weight}: torch's {@code nn.Embedding}. */
public record Embedding(NDArray weight) {

    public static Embedding take(Weights w, String name, long numEmbeddings, long dim, double std) {
        return new Embedding(w.take(name + ".weight", Init.normal(std), numEmbeddings, dim));
    }

    /** int64 ids of any shape [...] to [..., dim]; gradients flow to the rows used. */
    public NDArray forward(NDArray ids) {
        return weight.get(new NDIndex("{}", ids));
    }
}
