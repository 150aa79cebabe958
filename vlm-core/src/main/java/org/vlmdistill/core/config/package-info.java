/**
 * Typed, immutable views of Hugging Face {@code config.json} and {@code generation_config.json}.
 *
 * <p>{@link org.vlmdistill.core.config.HfConfigs#read} returns a sealed
 * {@link org.vlmdistill.core.config.ModelConfig}: a {@link org.vlmdistill.core.config.TextConfig}
 * (llama, qwen2, internlm2), a {@link org.vlmdistill.core.config.VisionConfig} (siglip_vision_model,
 * clip_vision_model; InternViT as the vision_config of internvl_chat) or a
 * {@link org.vlmdistill.core.config.VisionLanguageConfig} (idefics3, llava, internvl_chat).
 * Components carry HF's key names in camelCase; a key the file leaves out gets the default of the
 * transformers config class named on each reader; keys no component models are kept in
 * {@link org.vlmdistill.core.config.Extras}. Anything unreadable or impossible is a
 * {@link org.vlmdistill.core.config.ConfigException} naming the file and the JSON path of the field.
 *
 * <p>An image_size that patch_size does not divide is accepted, as in transformers (the patch conv
 * drops the remainder; siglip-so400m-patch14-384 relies on it); an image smaller than one patch is not.
 */
package org.vlmdistill.core.config;
