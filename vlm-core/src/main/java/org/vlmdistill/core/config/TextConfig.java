package org.vlmdistill.core.config;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/** A decoder-only language model config: the shape of a Llama-style pre-norm transformer with RoPE. */
public sealed interface TextConfig extends ModelConfig permits InternLM2Config, LlamaConfig, Qwen2Config {

    int vocabSize();

    int hiddenSize();

    int intermediateSize();

    int numHiddenLayers();

    int numAttentionHeads();

    int numKeyValueHeads();

    /** {@code head_dim}, or {@code hidden_size / num_attention_heads} where the file has none. */
    int headDim();

    String hiddenAct();

    int maxPositionEmbeddings();

    double initializerRange();

    double rmsNormEps();

    double ropeTheta();

    /** Empty for plain RoPE ({@code rope_type} "default" with nothing else set). */
    Optional<RopeScaling> ropeScaling();

    boolean tieWordEmbeddings();

    double attentionDropout();

    OptionalInt bosTokenId();

    /** {@code eos_token_id}: an int or a list in real files; empty where the file has null. */
    List<Integer> eosTokenId();

    OptionalInt padTokenId();

    /** Whether q_proj, k_proj and v_proj have a bias. */
    boolean qkvBias();

    /** Whether o_proj has a bias. */
    boolean oProjBias();

    /** Whether gate_proj, up_proj and down_proj have a bias. */
    boolean mlpBias();
}
