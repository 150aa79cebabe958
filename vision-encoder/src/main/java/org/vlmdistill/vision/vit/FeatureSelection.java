package org.vlmdistill.vision.vit;

import org.vlmdistill.core.config.LlavaConfig;

import java.util.List;

/** Which of a tower's outputs a model feeds its connector. */
public sealed interface FeatureSelection {

    /** Idefics3: {@code last_hidden_state}, after {@code post_layernorm}. */
    record LastHiddenState() implements FeatureSelection {}

    /**
     * LLaVA: {@code hidden_states[i]} (index 0 the embeddings, then one per layer, negative from the end),
     * concatenated on the last axis over {@code layers}; no {@code post_layernorm}.
     *
     * @param dropFirst strategy "default": drop the first (CLS) token; "full" keeps it
     */
    record HiddenStates(List<Integer> layers, boolean dropFirst) implements FeatureSelection {
        public HiddenStates {
            layers = List.copyOf(layers);
            if (layers.isEmpty()) {
                throw new IllegalArgumentException("select at least one hidden state");
            }
        }
    }

    static FeatureSelection lastHiddenState() {
        return new LastHiddenState();
    }

    static FeatureSelection llava(LlavaConfig c) {
        return new HiddenStates(c.visionFeatureLayer(), "default".equals(c.visionFeatureSelectStrategy()));
    }

    /** How many hidden states are concatenated (the feature width is this times hidden_size). */
    default int width() {
        return this instanceof HiddenStates h ? h.layers().size() : 1;
    }
}
