package org.vlmdistill.decoder.llama;

import java.util.Objects;

/**
 * The tensor names of a Llama-shaped decoder (pre-norm blocks of RoPE attention and a SwiGLU MLP) and
 * how its attention projects q, k and v. Names are relative to the decoder's body ({@code model.}),
 * the layer ({@code layers.N.}) or the attention/MLP prefix; {@code lmHead} is the head's module under
 * the head's prefix.
 *
 * @param embedTokens       the token embedding module ({@code embed_tokens})
 * @param attention         a layer's attention prefix ({@code self_attn.})
 * @param qkv               the attention's q/k/v projection
 * @param oProj             the attention's output projection ({@code o_proj})
 * @param mlp               a layer's MLP prefix ({@code mlp.})
 * @param gateProj          the MLP's gate, {@code act(gate(x)) * up(x)} ({@code gate_proj})
 * @param upProj            the MLP's up projection ({@code up_proj})
 * @param downProj          the MLP's down projection ({@code down_proj})
 * @param inputNorm         the norm before attention ({@code input_layernorm})
 * @param postAttentionNorm the norm before the MLP ({@code post_attention_layernorm})
 * @param lmHead            the output projection to the vocabulary ({@code lm_head})
 */
public record DecoderLayout(String embedTokens, String attention, QkvProjection.Factory qkv, String oProj,
                            String mlp, String gateProj, String upProj, String downProj, String inputNorm,
                            String postAttentionNorm, String lmHead) {

    /** transformers' LlamaForCausalLM and Qwen2ForCausalLM. */
    public static final DecoderLayout LLAMA = new DecoderLayout("embed_tokens", "self_attn.", SplitQkv::take,
            "o_proj", "mlp.", "gate_proj", "up_proj", "down_proj", "input_layernorm", "post_attention_layernorm",
            "lm_head");

    public DecoderLayout {
        Objects.requireNonNull(embedTokens, "embedTokens");
        Objects.requireNonNull(attention, "attention");
        Objects.requireNonNull(qkv, "qkv");
        Objects.requireNonNull(oProj, "oProj");
        Objects.requireNonNull(mlp, "mlp");
        Objects.requireNonNull(gateProj, "gateProj");
        Objects.requireNonNull(upProj, "upProj");
        Objects.requireNonNull(downProj, "downProj");
        Objects.requireNonNull(inputNorm, "inputNorm");
        Objects.requireNonNull(postAttentionNorm, "postAttentionNorm");
        Objects.requireNonNull(lmHead, "lmHead");
    }
}
