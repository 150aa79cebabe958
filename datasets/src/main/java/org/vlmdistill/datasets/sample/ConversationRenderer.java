package org.vlmdistill.datasets.sample;

import java.util.List;
import java.util.Map;

/** A chat template bound to a model's special tokens: messages to the text the model sees. */
@FunctionalInterface
public interface ConversationRenderer {
    /**
     * @param messages HF-style messages: {@code role}, and {@code content} as a string or a list of
     *                 parts ({@code {"type": "image"}}, {@code {"type": "text", "text": ...}})
     */
    String render(List<Map<String, Object>> messages, boolean addGenerationPrompt);
}
