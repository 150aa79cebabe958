package org.vlmdistill.core.config;

import java.util.Optional;

/**
 * A config file that cannot be read, or that names a model no code could build. The message holds
 * the file (or source name) and the JSON path of the offending field, e.g.
 * {@code models/smolvlm/config.json: text_config.num_attention_heads: 7 does not divide hidden_size 576}.
 *
 * <p>A record constructor called directly (not through {@link HfConfigs}) has no file to name; its
 * errors carry only the field, relative to that record.
 */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String source;
    private final String field;
    private final String problem;

    public ConfigException(String source, String field, String problem) {
        this(source, field, problem, null);
    }

    public ConfigException(String source, String field, String problem, Throwable cause) {
        super(message(source, field, problem), cause);
        this.source = source;
        this.field = field;
        this.problem = problem;
    }

    /** The file path, or the source name given to {@link HfConfigs#parse}. */
    public Optional<String> source() {
        return Optional.ofNullable(source);
    }

    /** JSON path of the field, e.g. {@code text_config.num_attention_heads} or {@code eos_token_id[1]}. */
    public Optional<String> field() {
        return Optional.ofNullable(field);
    }

    /** The message without the file and field. */
    public String problem() {
        return problem;
    }

    private static String message(String source, String field, String problem) {
        StringBuilder b = new StringBuilder();
        if (source != null) {
            b.append(source).append(": ");
        }
        if (field != null) {
            b.append(field).append(": ");
        }
        return b.append(problem).toString();
    }
}
