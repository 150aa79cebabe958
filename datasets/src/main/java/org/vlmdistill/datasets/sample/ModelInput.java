package org.vlmdistill.datasets.sample;

import org.vlmdistill.core.model.ImageProcessor;
import org.vlmdistill.core.model.PixelValues;
import org.vlmdistill.datasets.batch.ImageSpan;
import org.vlmdistill.datasets.batch.SkipSampleException;
import org.vlmdistill.datasets.batch.TokenizedSample;
import org.vlmdistill.datasets.read.SkipReason;
import org.vlmdistill.datasets.record.Provenance;
import org.vlmdistill.datasets.sample.EncodedConversation.ImageRun;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A conversation and its images as one model takes them, from {@link ModelSamples#input} (training,
 * scoring) or {@link ModelSamples#prompt} (generation): the rendered text, its token ids, the labels
 * ({@code -100} where no loss is taken; not shifted, the model shifts them), where each kept image's
 * tokens lie, and that image's pixel values, processed on first ask by the model's processor.
 *
 * @param imageRuns  one per kept image, in order; an image cut off with the text past the token limit has none
 * @param shortened  whether text was cut to fit the token limit (images never are)
 * @param images     the conversation's decoded images, shared with other models' inputs of it
 * @param processor  the model's image processor; empty for a text-only model (which takes no images)
 */
public record ModelInput(String id, String text, int[] inputIds, int[] labels, List<ImageRun> imageRuns,
                         boolean shortened, Provenance provenance, ConversationImages images,
                         Optional<ImageProcessor> processor) {
    public static final int IGNORE_INDEX = TokenizedSample.IGNORE_INDEX;

    public ModelInput {
        Objects.requireNonNull(inputIds, "inputIds");
        if (labels.length != inputIds.length) {
            throw new IllegalArgumentException("input " + id + ": " + labels.length + " labels for "
                    + inputIds.length + " ids");
        }
        imageRuns = List.copyOf(imageRuns);
        Objects.requireNonNull(provenance, "provenance");
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(processor, "processor");
    }

    public int length() {
        return inputIds.length;
    }

    /**
     * The pixel values of each kept image, in the order of {@link #imageRuns()}; the same objects for
     * every input of these images through the same processor.
     *
     * @throws SkipSampleException  ({@link SkipReason#UNSUPPORTED_IMAGE}) when the processor refuses an image
     * @throws IllegalStateException when there are image runs and no processor (cannot happen: a text-only
     *                               model's samples refuse images)
     */
    public List<PixelValues> pixelValues() {
        if (imageRuns.isEmpty()) {
            return List.of();
        }
        ImageProcessor p = processor.orElseThrow(() -> new IllegalStateException("input " + id + " ("
                + provenance + "): image runs, and no image processor"));
        List<PixelValues> out = new ArrayList<>(imageRuns.size());
        for (ImageRun r : imageRuns) {
            try {
                out.add(images.processed(p, r.imageIndex()));
            } catch (IllegalArgumentException e) {
                throw new SkipSampleException(SkipReason.UNSUPPORTED_IMAGE, "image processor, image "
                        + r.imageIndex() + ": " + e.getMessage());
            }
        }
        return out;
    }

    /** The sample batching takes: each kept image's run with its pixel values. */
    public TokenizedSample<PixelValues> toSample() {
        List<PixelValues> pixels = pixelValues();
        List<ImageSpan<PixelValues>> spans = new ArrayList<>(imageRuns.size());
        for (int k = 0; k < imageRuns.size(); k++) {
            spans.add(new ImageSpan<>(imageRuns.get(k).start(), imageRuns.get(k).length(), pixels.get(k)));
        }
        return new TokenizedSample<>(id, inputIds, labels, spans, provenance.toString());
    }

    /** Tokens that carry a label. */
    public int labelledTokens() {
        return answerTokens().length;
    }

    /** The labelled token ids, in order: the answer as teacher forcing scores it. */
    public int[] answerTokens() {
        return Arrays.stream(labels).filter(l -> l != IGNORE_INDEX).toArray();
    }

    /** The ids outside every image run, in order: the text two models of one tokenizer must agree on. */
    public int[] textIds() {
        boolean[] image = new boolean[inputIds.length];
        for (ImageRun r : imageRuns) {
            Arrays.fill(image, r.start(), r.start() + r.length(), true);
        }
        int[] text = new int[inputIds.length];
        int n = 0;
        for (int i = 0; i < inputIds.length; i++) {
            if (!image[i]) {
                text[n++] = inputIds[i];
            }
        }
        return Arrays.copyOf(text, n);
    }
}
