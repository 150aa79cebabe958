package org.vlmdistill.datasets.template;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Rendering conversations the way transformers' {@code apply_chat_template(..., tokenize=False)} does,
 * and finding a model directory's template.
 */
public final class ChatTemplates {
    private ChatTemplates() {
    }

    /** The special-token fields of tokenizer_config.json that transformers passes to templates. */
    private static final List<String> SPECIAL_TOKEN_FIELDS =
            List.of("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token");

    /**
     * Renders {@code messages} with the variables transformers passes: {@code messages},
     * {@code add_generation_prompt}, {@code tools} and {@code documents} (None unless {@code extra} has
     * them), then {@code extra} (special tokens, {@code enable_thinking}, {@code date_string}, ...).
     *
     * @param messages maps with {@code role} and {@code content}; content is a string or, as VLM
     *                 processors pass it, a list of parts such as {@code {"type": "image"}} and
     *                 {@code {"type": "text", "text": "..."}}; other keys ({@code tool_calls},
     *                 {@code reasoning_content}) are passed through
     */
    public static String render(ChatTemplate template, List<? extends Map<String, ?>> messages,
                                boolean addGenerationPrompt, Map<String, ?> extra) {
        Map<String, Object> context = new LinkedHashMap<>();
        context.put("tools", null);
        context.put("documents", null);
        context.putAll(extra);
        context.put("messages", messages);
        context.put("add_generation_prompt", addGenerationPrompt);
        return template.render(context);
    }

    /**
     * The chat template of a Hugging Face model or processor directory, looked for where transformers
     * looks: {@code chat_template.jinja}, then {@code chat_template.json} (field {@code chat_template}),
     * then {@code tokenizer_config.json} (field {@code chat_template}: a string, or a list of
     * {@code {"name", "template"}} of which "default" is taken), then the InternVL conversation template
     * config.json's {@code template} names ({@code internlm2-chat}, {@code Hermes-2}, {@code internvl2_5}:
     * {@link ConversationTemplates}; the source is then config.json). Special tokens come from
     * tokenizer_config.json where there is one; each is a string or an {@code {"content": ...}} object.
     *
     * @throws IOException              when a file cannot be read
     * @throws IllegalArgumentException naming the file and field when there is no template, a field
     *                                  has the wrong shape, or the template does not parse
     */
    public static ModelChatTemplate load(Path modelDir) throws IOException {
        ObjectMapper json = new ObjectMapper();
        Path config = modelDir.resolve("tokenizer_config.json");
        JsonNode configJson = Files.isRegularFile(config) ? readJson(json, config) : null;

        Path source;
        String text;
        Path jinja = modelDir.resolve("chat_template.jinja");
        Path templateJson = modelDir.resolve("chat_template.json");
        if (Files.isRegularFile(jinja)) {
            source = jinja;
            text = Files.readString(jinja);
        } else if (Files.isRegularFile(templateJson)) {
            source = templateJson;
            JsonNode field = readJson(json, templateJson).get("chat_template");
            if (field == null || !field.isTextual()) {
                throw new IllegalArgumentException(templateJson + ": field 'chat_template' " + describe(field) + ", expected a string");
            }
            text = field.asText();
        } else if (configJson != null && configJson.hasNonNull("chat_template")) {
            source = config;
            text = templateFromConfig(config, configJson.get("chat_template"));
        } else if (conversationTemplate(json, modelDir).isPresent()) {
            source = modelDir.resolve("config.json");
            text = conversationTemplate(json, modelDir).get();
        } else if (configJson != null) {
            throw new IllegalArgumentException(config + ": no field 'chat_template' (and no chat_template.jinja or "
                    + "chat_template.json beside it, nor a 'template' in config.json naming one of InternVL's "
                    + ConversationTemplates.names() + ")");
        } else {
            throw new IllegalArgumentException(modelDir + ": no chat template (looked for chat_template.jinja, "
                    + "chat_template.json and tokenizer_config.json)");
        }

        ChatTemplate template;
        try {
            template = ChatTemplate.parse(text, source.toString());
        } catch (TemplateSyntaxException e) {
            throw new IllegalArgumentException(source + ": field 'chat_template' does not parse: " + e.getMessage(), e);
        }
        Map<String, Object> tokens = configJson == null ? Map.of() : specialTokens(config, configJson);
        return new ModelChatTemplate(template, tokens, source);
    }

    /**
     * The built-in template config.json's {@code template} names (InternVL's {@code internlm2-chat}, ...);
     * empty when config.json or the field is absent.
     *
     * @throws IllegalArgumentException naming config.json when the field names a template this class lacks
     */
    private static java.util.Optional<String> conversationTemplate(ObjectMapper json, Path modelDir) throws IOException {
        Path configJson = modelDir.resolve("config.json");
        if (!Files.isRegularFile(configJson)) {
            return java.util.Optional.empty();
        }
        JsonNode name = readJson(json, configJson).get("template");
        if (name == null || name.isNull()) {
            return java.util.Optional.empty();
        }
        if (!name.isTextual()) {
            throw new IllegalArgumentException(configJson + ": field 'template' " + describe(name) + ", expected a string");
        }
        return java.util.Optional.of(ConversationTemplates.source(name.asText()).orElseThrow(() -> new IllegalArgumentException(
                configJson + ": field 'template' is '" + name.asText() + "', and there is no chat_template; the built-in "
                        + "templates are " + ConversationTemplates.names())));
    }

    private static JsonNode readJson(ObjectMapper json, Path file) throws IOException {
        try {
            return json.readTree(file.toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static String templateFromConfig(Path config, JsonNode field) {
        if (field == null || field.isNull()) {
            throw new IllegalArgumentException(config + ": no field 'chat_template' (and no chat_template.jinja or "
                    + "chat_template.json beside it)");
        }
        if (field.isTextual()) {
            return field.asText();
        }
        if (field.isArray()) {
            List<String> names = new ArrayList<>();
            for (JsonNode entry : field) {
                JsonNode name = entry.get("name");
                JsonNode template = entry.get("template");
                if (name == null || !name.isTextual() || template == null || !template.isTextual()) {
                    throw new IllegalArgumentException(config + ": field 'chat_template' lists an entry without string "
                            + "'name' and 'template': " + entry);
                }
                if (name.asText().equals("default")) {
                    return template.asText();
                }
                names.add(name.asText());
            }
            throw new IllegalArgumentException(config + ": field 'chat_template' has no template named 'default' (has "
                    + names + ")");
        }
        throw new IllegalArgumentException(config + ": field 'chat_template' " + describe(field)
                + ", expected a string or a list of {\"name\", \"template\"}");
    }

    private static Map<String, Object> specialTokens(Path config, JsonNode json) {
        Map<String, Object> tokens = new LinkedHashMap<>();
        for (String field : SPECIAL_TOKEN_FIELDS) {
            JsonNode value = json.get(field);
            if (value != null && !value.isNull()) {
                tokens.put(field, tokenContent(config, field, value));
            }
        }
        JsonNode additional = json.get("additional_special_tokens");
        if (additional != null && !additional.isNull()) {
            if (!additional.isArray()) {
                throw new IllegalArgumentException(config + ": field 'additional_special_tokens' " + describe(additional)
                        + ", expected a list");
            }
            List<String> list = new ArrayList<>();
            for (JsonNode token : additional) {
                list.add(tokenContent(config, "additional_special_tokens", token));
            }
            if (!list.isEmpty()) {
                tokens.put("additional_special_tokens", list);
            }
        }
        return tokens;
    }

    /** A token is a string or a serialized AddedToken, {@code {"content": "<s>", "lstrip": false, ...}}. */
    private static String tokenContent(Path config, String field, JsonNode value) {
        if (value.isTextual()) {
            return value.asText();
        }
        if (value.isObject() && value.has("content") && value.get("content").isTextual()) {
            return value.get("content").asText();
        }
        throw new IllegalArgumentException(config + ": field '" + field + "' " + describe(value)
                + ", expected a string or an object with a string 'content'");
    }

    private static String describe(JsonNode node) {
        if (node == null) {
            return "is missing";
        }
        return "is " + switch (node.getNodeType()) {
            case ARRAY -> "a list";
            case OBJECT -> "an object";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            case STRING -> "a string";
            default -> node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
