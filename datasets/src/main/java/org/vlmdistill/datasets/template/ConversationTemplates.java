package org.vlmdistill.datasets.template;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * InternVL's conversation templates (internvl/conversation.py), as chat templates for the one renderer:
 * an InternVL checkpoint without a {@code chat_template} names its template in config.json's
 * {@code template}. Each is SeparatorStyle.MPT ChatML:
 *
 * <pre>
 * [BOS] &lt;|im_start|&gt;system\n{system}SEP ( &lt;|im_start|&gt;user\n{question}SEP &lt;|im_start|&gt;assistant\n{answer}SEP )* [&lt;|im_start|&gt;assistant\n]
 * </pre>
 *
 * with each message stripped as the training preprocessors strip them; the system message is the
 * conversation's own when its first message is a system one, else the template's. BOS is the
 * tokenizer's: preprocess_internlm tokenizes with it (InternLM2Tokenizer adds {@code <s>}),
 * preprocess_mpt (Hermes-2) and preprocess_internvl2_5 without.
 */
final class ConversationTemplates {
    private ConversationTemplates() {
    }

    /** The system message of internlm2-chat and Hermes-2 (the one InternVL2 was trained with). */
    static final String INTERNVL2_SYSTEM = "你是由上海人工智能实验室联合商汤科技开发的书生多模态大模型，英文名叫InternVL, 是一个有用无害的人工智能助手。";
    /** The system message of internvl2_5 (InternVL2.5 and 3). */
    static final String INTERNVL2_5_SYSTEM = "你是书生·万象，英文名是InternVL，是由上海人工智能实验室、清华大学及多家合作单位联合开发的多模态大语言模型。";

    private record Style(boolean bos, String system, String sep) {
    }

    private static final Map<String, Style> STYLES = new TreeMap<>(Map.of(
            "internlm2-chat", new Style(true, INTERNVL2_SYSTEM, "<|im_end|>"),
            "Hermes-2", new Style(false, INTERNVL2_SYSTEM, "<|im_end|>"),
            "internvl2_5", new Style(false, INTERNVL2_5_SYSTEM, "<|im_end|>\n")));

    /** The names this class knows, for error messages. */
    static java.util.Set<String> names() {
        return STYLES.keySet();
    }

    /** The Jinja source of the template named {@code name} in conversation.py, if this class knows it. */
    static Optional<String> source(String name) {
        Style s = STYLES.get(name);
        if (s == null) {
            return Optional.empty();
        }
        String sep = jinjaString(s.sep());
        return Optional.of((s.bos() ? "{{- bos_token -}}" : "")
                + "{%- set has_system = messages | length > 0 and messages[0]['role'] == 'system' -%}"
                + "{{- '<|im_start|>system\\n' + ((messages[0]['content'] | trim) if has_system else "
                + jinjaString(s.system()) + ") + " + sep + " -}}"
                + "{%- for message in (messages[1:] if has_system else messages) -%}"
                + "{%- if message['role'] == 'user' or message['role'] == 'assistant' -%}"
                + "{{- '<|im_start|>' + message['role'] + '\\n' + (message['content'] | trim) + " + sep + " -}}"
                + "{%- else -%}"
                + "{{- raise_exception('" + name + " has no role ' + message['role'] + ' after the first message') -}}"
                + "{%- endif -%}"
                + "{%- endfor -%}"
                + "{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\\n' -}}{%- endif -%}");
    }

    private static String jinjaString(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n") + "'";
    }
}
