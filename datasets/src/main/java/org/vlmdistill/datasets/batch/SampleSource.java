package org.vlmdistill.datasets.batch;

import java.io.IOException;
import java.util.List;

/**
 * A data set with random access: what the epoch order indexes into. {@link #get} does the expensive
 * part (read the record, decode its images, render the template, tokenize) and runs on prefetch
 * workers, so it must be safe to call from several threads at once, and must return the same sample
 * for the same index every time; a resumed run relies on it. (Augmentation that draws random numbers
 * should seed them from the index and the epoch.)
 *
 * <p>Streaming sources (a tar read front to back, a JSONL file without an index) have no random access.
 * A shuffle buffer could order them, but resuming one exactly means saving the buffer or replaying the
 * stream from its start; an offset index (one pass recording where each line or tar member begins)
 * turns such a file into a {@code SampleSource} instead, and keeps resume exact and cheap.
 *
 * @param <T> what a sample is; the batch loader reads {@code SampleSource<TokenizedSample<I>>}
 */
public interface SampleSource<T> {

    /** Samples in the data set; indices run from 0 to {@code size() - 1}. */
    int size();

    /**
     * Sample {@code index}. Throws {@link SkipSampleException} for a sample to skip (a corrupt image,
     * too long); any other exception stops the run and reaches the consumer naming the sample.
     * An interrupt means the loader is closing: blocking work should give up on it.
     */
    T get(int index) throws IOException;

    /** A cheap name for sample {@code index} in messages, known without building it. */
    default String idOf(int index) {
        return "#" + index;
    }

    /** The elements of a list, for samples already in memory. */
    static <T> SampleSource<T> of(List<T> samples) {
        List<T> copy = List.copyOf(samples);
        return new SampleSource<>() {
            @Override
            public int size() {
                return copy.size();
            }

            @Override
            public T get(int index) {
                return copy.get(index);
            }
        };
    }
}
