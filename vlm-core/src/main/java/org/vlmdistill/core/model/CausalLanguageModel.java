package org.vlmdistill.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.vlmdistill.core.config.TextConfig;
import org.vlmdistill.core.device.ComputePolicy;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/** A text-only model ({@code llama}, {@code qwen2} at the top level): a decoder and its head. */
public final class CausalLanguageModel implements Model {
    private final ModelDirectory source;
    private final ComputePolicy policy;
    private final NDManager manager;
    private final Parameters parameters;
    private final Map<String, Parameters> components;
    private final TextDecoder textDecoder;

    public CausalLanguageModel(ModelDirectory source, ComputePolicy policy, NDManager manager,
                               Parameters parameters, Map<String, Parameters> components, TextDecoder textDecoder) {
        this.source = Objects.requireNonNull(source, "source");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.manager = Objects.requireNonNull(manager, "manager");
        this.parameters = Objects.requireNonNull(parameters, "parameters");
        this.components = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(components));
        this.textDecoder = Objects.requireNonNull(textDecoder, "textDecoder");
    }

    @Override
    public ModelDirectory source() {
        return source;
    }

    @Override
    public TextConfig config() {
        return textDecoder.config();
    }

    @Override
    public Parameters parameters() {
        return parameters;
    }

    @Override
    public ComputePolicy policy() {
        return policy;
    }

    @Override
    public Map<String, Parameters> components() {
        return components;
    }

    public TextDecoder textDecoder() {
        return textDecoder;
    }

    public ModelOutput forward(NDArray inputIds, NDArray attentionMask, KvCache cache) {
        NDArray hidden = textDecoder.forward(textDecoder.embedTokens(inputIds), attentionMask, cache);
        return new ModelOutput(hidden, textDecoder.lmHead(hidden));
    }

    @Override
    public void close() {
        manager.close();
    }
}
