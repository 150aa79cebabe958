package org.vlmdistill.vision.internvl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import org.vlmdistill.core.config.InternVisionConfig;
import org.vlmdistill.core.model.VisionEncoder;
import org.vlmdistill.core.model.Weights;
import org.vlmdistill.core.nn.ActivationCheckpoints;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code InternVisionModel} (InternViT-300M and -6B): embeddings, then the encoder layers; there is no
 * final norm. What it hands the connector is InternVL's {@code extract_feature} choice: the last hidden
 * state ({@code select_layer} -1) or {@code hidden_states[select_layer]} (index 0 the embeddings, negative
 * from the end), with the class token dropped. Layers after the selected one are built (their tensors are
 * in every checkpoint and are saved back) but not run.
 */
public final class InternVisionModel implements VisionEncoder {
    private final InternVisionConfig config;
    private final InternVisionEmbeddings embeddings;
    private final List<InternVisionEncoderLayer> layers;
    private final int selectLayer;
    private final ActivationCheckpoints checkpoints;

    private InternVisionModel(InternVisionConfig config, InternVisionEmbeddings embeddings,
                              List<InternVisionEncoderLayer> layers, int selectLayer, ActivationCheckpoints checkpoints) {
        this.config = config;
        this.embeddings = embeddings;
        this.layers = List.copyOf(layers);
        this.selectLayer = selectLayer;
        this.checkpoints = checkpoints;
    }

    /**
     * @param w a view at the tower's prefix ({@code vision_model.} or {@code model.vision_tower.})
     * @param selectLayer InternVLChatConfig's {@code select_layer}
     */
    public static InternVisionModel take(InternVisionConfig c, Weights w, int selectLayer, InternVLLayout names) {
        InternVisionEmbeddings embeddings = InternVisionEmbeddings.take(c, w, names);
        List<InternVisionEncoderLayer> layers = new ArrayList<>();
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            layers.add(InternVisionEncoderLayer.take(c, w.at(names.layers + i + "."), names));
        }
        InternVisionModel model = new InternVisionModel(c, embeddings, layers, selectLayer, w.checkpoints());
        model.stateIndex(selectLayer);
        return model;
    }

    @Override
    public InternVisionConfig config() {
        return config;
    }

    /** {@code [tiles, 3, H, W]} to the selected hidden state without the class token, {@code [tiles, (H/p)(W/p), hidden]}. */
    @Override
    public NDArray forward(NDArray pixelValues) {
        return state(pixelValues, stateIndex(selectLayer)).get(new NDIndex(":, 1:"));
    }

    /** The output of the last layer, class token first: {@code [tiles, 1 + patches, hidden]}. */
    public NDArray lastHiddenState(NDArray pixelValues) {
        return state(pixelValues, layers.size());
    }

    /**
     * {@code hidden_states[index]} alone: each state before it is closed once the next layer has read it
     * ({@link ActivationCheckpoints#release}), so only the result stays open.
     */
    private NDArray state(NDArray pixelValues, int index) {
        NDArray x = embeddings.forward(pixelValues);
        for (int i = 0; i < index; i++) {
            NDArray next = layers.get(i).forward(x);
            checkpoints.release(x);
            x = next;
        }
        return x;
    }

    /** {@code hidden_states} up to index {@code upTo}: the embeddings, then each layer's output. */
    public List<NDArray> hiddenStates(NDArray pixelValues, int upTo) {
        if (upTo < 0 || upTo > layers.size()) {
            throw new IllegalArgumentException("hidden state " + upTo + " is outside 0.." + layers.size());
        }
        NDArray x = embeddings.forward(pixelValues);
        List<NDArray> states = new ArrayList<>();
        states.add(x);
        for (int i = 0; i < upTo; i++) {
            x = layers.get(i).forward(x);
            states.add(x);
        }
        return states;
    }

    /** Python indexing into the {@code layers + 1} hidden states. */
    private int stateIndex(int layer) {
        int n = layers.size() + 1;
        int i = layer < 0 ? n + layer : layer;
        if (i < 0 || i >= n) {
            throw new IllegalArgumentException("select_layer " + layer + " is outside the " + n + " hidden states");
        }
        return i;
    }
}
