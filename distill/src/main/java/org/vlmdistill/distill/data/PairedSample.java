package org.vlmdistill.distill.data;

import org.vlmdistill.core.model.PixelValues;
import org.vlmdistill.datasets.batch.TokenizedSample;

import java.util.Objects;

/**
 * One record as each model sees it: tokenized with its own chat template and tokenizer, its images
 * expanded into its own image tokens and processed by its own image processor.
 *
 * @param teacher null when no teacher runs during training (offline cache, SFT)
 */
public record PairedSample(TokenizedSample<PixelValues> student, TokenizedSample<PixelValues> teacher) {
    public PairedSample {
        Objects.requireNonNull(student, "student");
        if (teacher != null && !teacher.id().equals(student.id())) {
            throw new IllegalArgumentException("paired sample of two records: " + student.id() + " and "
                    + teacher.id());
        }
    }

    public String id() {
        return student.id();
    }
}
