package org.vlmdistill.vision.internvl;

import org.vlmdistill.core.config.InternVLChatConfig;

/**
 * Where each tensor of an InternVL model lives: OpenGVLab's {@code internvl_chat} checkpoints ({@link #CHAT})
 * or transformers' {@code internvl} ones ({@link #HF}, written by its convert_internvl_weights_to_hf.py):
 * the same parameters, renamed, with the tower's packed {@code attn.qkv} split into
 * {@code attention.q_proj/k_proj/v_proj}. The model takes (and so saves) them under the layout's names.
 */
public enum InternVLLayout {
    CHAT("vision_model.", "mlp1.", "language_model.model.", "language_model.",
            "embeddings.class_embedding", "embeddings.patch_embedding", "embeddings.position_embedding",
            "encoder.layers.", "attn.", true, "proj", "ls1", "ls2", "norm1", "norm2", "0", "1", "3"),
    HF("model.vision_tower.", "model.multi_modal_projector.", "model.language_model.", "",
            "embeddings.cls_token", "embeddings.patch_embeddings.projection", "embeddings.position_embeddings",
            "encoder.layer.", "attention.", false, "projection_layer", "lambda_1", "lambda_2", "layernorm_before",
            "layernorm_after", "layer_norm", "linear_1", "linear_2");

    /** The tower's prefix. */
    public final String vision;
    /** The connector's prefix. */
    public final String connector;
    /** The decoder body's prefix. */
    public final String text;
    /** Where the decoder's output projection lives. */
    public final String head;
    final String classEmbedding;
    final String patchEmbedding;
    final String positionEmbedding;
    /** Encoder layer i is at {@code layers + i + "."}. */
    final String layers;
    final String attention;
    /** One {@code qkv} projection, or {@code q_proj}, {@code k_proj}, {@code v_proj}. */
    final boolean packedQkv;
    final String attentionOut;
    final String layerScale1;
    final String layerScale2;
    final String norm1;
    final String norm2;
    final String connectorNorm;
    final String connectorLinear1;
    final String connectorLinear2;

    InternVLLayout(String vision, String connector, String text, String head, String classEmbedding,
                   String patchEmbedding, String positionEmbedding, String layers, String attention, boolean packedQkv,
                   String attentionOut, String layerScale1, String layerScale2, String norm1, String norm2,
                   String connectorNorm, String connectorLinear1, String connectorLinear2) {
        this.vision = vision;
        this.connector = connector;
        this.text = text;
        this.head = head;
        this.classEmbedding = classEmbedding;
        this.patchEmbedding = patchEmbedding;
        this.positionEmbedding = positionEmbedding;
        this.layers = layers;
        this.attention = attention;
        this.packedQkv = packedQkv;
        this.attentionOut = attentionOut;
        this.layerScale1 = layerScale1;
        this.layerScale2 = layerScale2;
        this.norm1 = norm1;
        this.norm2 = norm2;
        this.connectorNorm = connectorNorm;
        this.connectorLinear1 = connectorLinear1;
        this.connectorLinear2 = connectorLinear2;
    }

    /** The layout a config's model type names. */
    public static InternVLLayout of(InternVLChatConfig config) {
        return config.hfLayout() ? HF : CHAT;
    }
}
