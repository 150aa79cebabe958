package org.vlmdistill.vision.vit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import org.vlmdistill.core.config.ClipVisionConfig;
import org.vlmdistill.core.config.SiglipVisionConfig;
import org.vlmdistill.core.config.VisionConfig;
import org.vlmdistill.core.model.VisionEncoder;
import org.vlmdistill.core.model.Weights;
import org.vlmdistill.core.nn.ActivationCheckpoints;
import org.vlmdistill.core.nn.LayerNorm;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * {@code SiglipVisionTransformer} / {@code CLIPVisionTransformer} (and Idefics3's tower, a SigLIP):
 * embeddings, CLIP's {@code pre_layrnorm}, pre-LN encoder layers, {@code post_layernorm}, and SigLIP's
 * pooling head where the config has one. Tensors under the {@code vision_model.} prefix the family gives.
 */
public final class VisionTransformer implements VisionEncoder {
    private final VisionConfig config;
    private final VisionEmbeddings embeddings;
    private final Optional<LayerNorm> preLayrnorm;
    private final List<VisionEncoderLayer> layers;
    private final LayerNorm postLayernorm;
    private final Optional<SiglipPoolingHead> head;
    private final FeatureSelection selection;
    private final ActivationCheckpoints checkpoints;

    private VisionTransformer(VisionConfig config, VisionEmbeddings embeddings, Optional<LayerNorm> preLayrnorm,
                              List<VisionEncoderLayer> layers, LayerNorm postLayernorm,
                              Optional<SiglipPoolingHead> head, FeatureSelection selection,
                              ActivationCheckpoints checkpoints) {
        this.config = config;
        this.embeddings = embeddings;
        this.preLayrnorm = preLayrnorm;
        this.layers = List.copyOf(layers);
        this.postLayernorm = postLayernorm;
        this.head = head;
        this.selection = selection;
        this.checkpoints = checkpoints;
    }

    /**
     * The tower of {@code c}: CLIP or SigLIP. SigLIP takes {@code head.*} when {@code useHead}.
     *
     * @param w a view at the tower's {@code vision_model.} prefix
     */
    public static VisionTransformer take(VisionConfig c, Weights w, FeatureSelection selection, boolean useHead) {
        if (c.numChannels() != 3) {
            throw new IllegalArgumentException("vision_config.num_channels: only RGB (3) images are supported, got "
                    + c.numChannels());
        }
        boolean clip = c instanceof ClipVisionConfig;
        VisionEmbeddings embeddings = clip ? VisionEmbeddings.clip(c, w) : VisionEmbeddings.siglip(c, w);
        Optional<LayerNorm> pre = clip
                ? Optional.of(LayerNorm.take(w, "pre_layrnorm", c.hiddenSize(), c.layerNormEps()))
                : Optional.empty();
        List<VisionEncoderLayer> layers = new ArrayList<>();
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            layers.add(VisionEncoderLayer.take(c, w.at("encoder.layers." + i + ".")));
        }
        LayerNorm post = LayerNorm.take(w, "post_layernorm", c.hiddenSize(), c.layerNormEps());
        Optional<SiglipPoolingHead> head = !clip && useHead
                ? Optional.of(SiglipPoolingHead.take(c, w.at("head.")))
                : Optional.empty();
        return new VisionTransformer(c, embeddings, pre, layers, post, head, selection, w.checkpoints());
    }

    /**
     * Whether a SigLIP config has the pooling head: {@code SiglipVisionTransformer} uses it unless
     * {@code vision_use_head} is false; Idefics3's tower never has one; CLIP has none.
     */
    public static boolean usesHead(VisionConfig c) {
        return c instanceof SiglipVisionConfig s && SiglipVisionConfig.MODEL_TYPE.equals(s.modelType())
                && s.extra().get("vision_use_head").map(n -> n.asBoolean(true)).orElse(true);
    }

    @Override
    public VisionConfig config() {
        return config;
    }

    public FeatureSelection selection() {
        return selection;
    }

    public Optional<SiglipPoolingHead> head() {
        return head;
    }

    /** Hidden size times the number of hidden states the selection concatenates. */
    public int featureSize() {
        return config.hiddenSize() * selection.width();
    }

    @Override
    public NDArray forward(NDArray pixelValues) {
        return switch (selection) {
            case FeatureSelection.LastHiddenState l -> lastHiddenState(pixelValues);
            case FeatureSelection.HiddenStates h -> {
                List<Integer> indices = h.layers().stream().map(this::stateIndex).toList();
                List<NDArray> states = hiddenStates(pixelValues, Collections.max(indices));
                NDList picked = new NDList();
                indices.forEach(i -> picked.add(states.get(i)));
                NDArray features = picked.size() == 1 ? picked.get(0) : NDArrays.concat(picked, -1);
                yield h.dropFirst() ? features.get(new NDIndex(":, 1:")) : features;
            }
        };
    }

    /**
     * {@code post_layernorm(encoder(embeddings))}, {@code [images, seq, hidden]}. Only the output stays
     * open: each state is closed once the next layer has read it ({@link ActivationCheckpoints#release}).
     */
    public NDArray lastHiddenState(NDArray pixelValues) {
        NDArray x = embeddings.forward(pixelValues);
        if (preLayrnorm.isPresent()) {
            x = next(x, preLayrnorm.get().forward(x));
        }
        for (VisionEncoderLayer layer : layers) {
            x = next(x, layer.forward(x));
        }
        return next(x, postLayernorm.forward(x));
    }

    /** {@code next}, after releasing the state it was computed from. */
    private NDArray next(NDArray state, NDArray next) {
        checkpoints.release(state);
        return next;
    }

    /**
     * HF's {@code hidden_states} up to index {@code upTo}: the encoder's input (after CLIP's
     * {@code pre_layrnorm}) then the output of each layer; later layers are not run.
     */
    public List<NDArray> hiddenStates(NDArray pixelValues, int upTo) {
        if (upTo < 0 || upTo > layers.size()) {
            throw new IllegalArgumentException("hidden state " + upTo + " is outside 0.." + layers.size());
        }
        NDArray x = embeddings.forward(pixelValues);
        if (preLayrnorm.isPresent()) {
            x = preLayrnorm.get().forward(x);
        }
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
            throw new IllegalArgumentException("vision_feature_layer " + layer + " is outside the " + n
                    + " hidden states");
        }
        return i;
    }
}
