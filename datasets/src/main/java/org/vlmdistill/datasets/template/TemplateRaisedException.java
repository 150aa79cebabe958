package org.vlmdistill.datasets.template;

/**
 * The template called {@code raise_exception(message)}, as chat templates do to refuse a conversation
 * ("Conversation roles must alternate user/assistant/..."). {@link #reason()} is the template's text.
 */
public final class TemplateRaisedException extends TemplateRenderException {
    private static final long serialVersionUID = 1L;

    TemplateRaisedException(String message, int line) {
        super(message, line);
    }
}
