package org.vlmdistill.datasets.template;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A model directory's chat template with the special tokens its tokenizer passes to it, as
 * {@link ChatTemplates#load(Path)} found them.
 *
 * @param specialTokens {@code bos_token}, {@code eos_token}, ... (set ones only) and
 *                      {@code additional_special_tokens}, as transformers' special_tokens_map has them
 * @param source        the file the template came from
 */
public record ModelChatTemplate(ChatTemplate template, Map<String, Object> specialTokens, Path source) {

    public ModelChatTemplate {
        Objects.requireNonNull(template, "template");
        specialTokens = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(specialTokens));
        Objects.requireNonNull(source, "source");
    }

    /**
     * Renders a conversation; {@code extra} (tools, enable_thinking, date_string, ...) overrides the
     * special tokens. See {@link ChatTemplates#render(ChatTemplate, List, boolean, Map)}.
     */
    public String render(List<? extends Map<String, ?>> messages, boolean addGenerationPrompt, Map<String, ?> extra) {
        Map<String, Object> variables = new LinkedHashMap<>(specialTokens);
        variables.putAll(extra);
        return ChatTemplates.render(template, messages, addGenerationPrompt, variables);
    }
}
