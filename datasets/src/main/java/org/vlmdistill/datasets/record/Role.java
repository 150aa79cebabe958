package org.vlmdistill.datasets.record;

import java.util.Locale;

/** Who speaks a turn, with the names chat templates use ({@code messages[i].role}). */
public enum Role {
    SYSTEM("system"),
    USER("user"),
    ASSISTANT("assistant");

    private final String templateName;

    Role(String templateName) {
        this.templateName = templateName;
    }

    /** {@code "user"}, {@code "assistant"}, {@code "system"}: the value a chat template sees. */
    public String templateName() {
        return templateName;
    }

    /**
     * LLaVA's {@code from} values ({@code human}, {@code gpt}) and the template names.
     *
     * @throws IllegalArgumentException naming the value
     */
    public static Role parse(String from) {
        return switch (from.trim().toLowerCase(Locale.ROOT)) {
            case "human", "user" -> USER;
            case "gpt", "assistant", "model" -> ASSISTANT;
            case "system" -> SYSTEM;
            default -> throw new IllegalArgumentException("unknown speaker '" + from
                    + "' (expected human, gpt, user, assistant or system)");
        };
    }
}
