package org.vlmdistill.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import org.vlmdistill.core.config.ConfigException;
import org.vlmdistill.core.config.HfConfigs;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The id a model directory's tokenizer files give an added token, for a config that names a token
 * but not its id (InternVL's {@code <IMG_CONTEXT>}, which the reference looks up with
 * {@code tokenizer.convert_tokens_to_ids} at run time). Three files may declare added tokens, and each
 * present one is read: {@code added_tokens.json} ({@code {"content": id}}), {@code tokenizer_config.json}'s
 * {@code added_tokens_decoder} ({@code {"id": {"content": ...}}}) and {@code tokenizer.json}'s
 * {@code added_tokens} ({@code [{"id": ..., "content": ...}]}). Files that disagree are refused naming
 * both. Only JSON is read here: a token that lives only in a {@code tokenizer.model}'s pieces is not found.
 */
final class AddedTokens {
    static final String ADDED_TOKENS_FILE = "added_tokens.json";
    static final String TOKENIZER_CONFIG_FILE = "tokenizer_config.json";
    static final String TOKENIZER_FILE = "tokenizer.json";
    static final List<String> FILES = List.of(ADDED_TOKENS_FILE, TOKENIZER_CONFIG_FILE, TOKENIZER_FILE);

    private AddedTokens() {
    }

    /** Whether {@code dir} holds any of the {@link #FILES}. */
    static boolean present(Path dir) {
        return FILES.stream().anyMatch(f -> Files.isRegularFile(dir.resolve(f), LinkOption.NOFOLLOW_LINKS));
    }

    /**
     * The id of {@code token} in {@code dir}'s tokenizer files.
     *
     * @throws ConfigException naming the files looked at when none defines it, or both files when two disagree
     */
    static int require(Path dir, String token) {
        OptionalInt found = OptionalInt.empty();
        Path foundIn = null;
        List<String> looked = new ArrayList<>();
        for (String name : FILES) {
            Path file = dir.resolve(name);
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                looked.add(name + " (absent)");
                continue;
            }
            OptionalInt id = find(HfConfigs.readJson(file), name, token, file);
            looked.add(name + (name.equals(TOKENIZER_CONFIG_FILE) ? " added_tokens_decoder"
                    : name.equals(TOKENIZER_FILE) ? " added_tokens" : ""));
            if (id.isEmpty()) {
                continue;
            }
            if (found.isPresent() && found.getAsInt() != id.getAsInt()) {
                throw new ConfigException(file.toString(), null, token + " has id " + id.getAsInt() + " here but "
                        + found.getAsInt() + " in " + foundIn);
            }
            found = id;
            foundIn = file;
        }
        return found.orElseThrow(() -> new ConfigException(dir.toString(), null, "no tokenizer file defines "
                + token + ", whose id the model's config.json leaves to the tokenizer; looked at "
                + String.join(", ", looked)));
    }

    private static OptionalInt find(JsonNode root, String name, String token, Path file) {
        if (!root.isObject()) {
            throw new ConfigException(file.toString(), null, "expected a JSON object");
        }
        return switch (name) {
            case ADDED_TOKENS_FILE -> Optional.ofNullable(root.get(token))
                    .map(v -> OptionalInt.of(id(v, file, token))).orElse(OptionalInt.empty());
            case TOKENIZER_CONFIG_FILE -> fromDecoder(root.get("added_tokens_decoder"), token, file);
            default -> fromList(root.get("added_tokens"), token, file);
        };
    }

    /** {@code {"92546": {"content": "<IMG_CONTEXT>", ...}, ...}}. */
    private static OptionalInt fromDecoder(JsonNode decoder, String token, Path file) {
        if (decoder == null || decoder.isNull()) {
            return OptionalInt.empty();
        }
        for (Map.Entry<String, JsonNode> e : decoder.properties()) {
            JsonNode content = e.getValue().get("content");
            if (content != null && token.equals(content.asText())) {
                try {
                    return OptionalInt.of(Integer.parseInt(e.getKey()));
                } catch (NumberFormatException bad) {
                    throw new ConfigException(file.toString(), "added_tokens_decoder." + e.getKey(),
                            "expected an integer token id as the key");
                }
            }
        }
        return OptionalInt.empty();
    }

    /** {@code [{"id": 92546, "content": "<IMG_CONTEXT>", ...}, ...]}. */
    private static OptionalInt fromList(JsonNode list, String token, Path file) {
        if (list == null || !list.isArray()) {
            return OptionalInt.empty();
        }
        for (JsonNode t : list) {
            JsonNode content = t.get("content");
            if (content != null && token.equals(content.asText())) {
                return OptionalInt.of(id(t.get("id"), file, token));
            }
        }
        return OptionalInt.empty();
    }

    private static int id(JsonNode v, Path file, String token) {
        if (v == null || !v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0) {
            throw new ConfigException(file.toString(), null, "the id of " + token + " is not a non-negative integer: "
                    + v);
        }
        return v.intValue();
    }
}
