package org.vlmdistill.datasets.tokenizer;

import java.util.List;

/**
 * Teacher and student cannot be compared token for token: their tokenizers disagree on shared ids, or a
 * batch row's text differs between the two streams. The message says what and where; {@link #problems()}
 * lists each problem found (for a tokenizer check, the first few disagreeing ids).
 */
public final class AlignmentException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    public AlignmentException(String message, List<String> problems) {
        super(message);
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
