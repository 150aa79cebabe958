package org.vlmdistill.distill.data;

import org.vlmdistill.core.model.PixelValues;
import org.vlmdistill.datasets.batch.SampleSource;
import org.vlmdistill.datasets.batch.SkipSampleException;
import org.vlmdistill.datasets.batch.TokenizedSample;
import org.vlmdistill.datasets.check.DatasetCheck;
import org.vlmdistill.datasets.image.ImageDecodeException;
import org.vlmdistill.datasets.image.ImageDecoder;
import org.vlmdistill.datasets.read.ReadStats;
import org.vlmdistill.datasets.read.ReaderOptions;
import org.vlmdistill.datasets.read.Readers;
import org.vlmdistill.datasets.read.RecordReader;
import org.vlmdistill.datasets.read.SkipReason;
import org.vlmdistill.datasets.read.SkippedRecord;
import org.vlmdistill.datasets.record.Record;
import org.vlmdistill.datasets.sample.Conversation;
import org.vlmdistill.datasets.sample.ConversationImages;
import org.vlmdistill.datasets.sample.ModelInput;
import org.vlmdistill.datasets.sample.ModelSamples;
import org.vlmdistill.datasets.template.TemplateRenderException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * The good records of a run's data files as both models see them: {@link #get} decodes the record's
 * images once, then each side's {@link ModelSamples#input} renders its own chat template, expands each
 * image into its own image tokens and processes the pixels with its own image processor.
 *
 * <p>Records are read up front (a record is text and image paths, small beside the images, which are
 * decoded per {@code get}); the reader's skip report stays available in {@link #readStats()}. A run
 * builds every record once before its first step ({@link #unusable}) and trains on {@link #without}
 * those that cannot become a sample, which are then counted in the same report.
 * Thread-safe, and the same index gives the same sample every time: nothing here is random and the
 * parts ({@link ImageDecoder}, the template, the tokenizer, the processors) keep no state between calls.
 */
public final class PairedSamples implements SampleSource<PairedSample> {

    private final List<Record> records;
    private final ReadStats readStats;
    private final ImageDecoder decoder;
    private final ModelSamples student;
    private final ModelSamples teacher; // null: no teacher runs during training

    /**
     * @param readStats what reading the records skipped (null: none were read from files)
     * @param student   the student's samples
     * @param teacher   the teacher's; null when no teacher runs during training (offline cache, SFT)
     */
    public PairedSamples(List<Record> records, ReadStats readStats, ImageDecoder decoder, ModelSamples student,
                         ModelSamples teacher) {
        this.records = List.copyOf(records);
        this.readStats = readStats == null ? new ReadStats(0) : readStats;
        this.decoder = Objects.requireNonNull(decoder, "decoder");
        this.student = Objects.requireNonNull(student, "student");
        this.teacher = teacher;
    }

    /**
     * Reads every good record of {@code files} in order.
     *
     * @throws IOException naming a file that cannot be read at all
     */
    public static PairedSamples read(List<Path> files, ReaderOptions options, ImageDecoder decoder,
                                     ModelSamples student, ModelSamples teacher) throws IOException {
        List<Record> records = new ArrayList<>();
        ReadStats stats;
        try (RecordReader reader = Readers.open(files, options)) {
            for (Optional<Record> r = reader.next(); r.isPresent(); r = reader.next()) {
                records.add(r.get());
            }
            stats = reader.stats();
        }
        return new PairedSamples(records, stats, decoder, student, teacher);
    }

    /**
     * Records {@code [from, to)} of these, with their own (empty) skip report: one partition of a job that
     * splits the data across machines ({@code distill/teacher/CacheParts}); every part of a record's sample
     * is a function of the record alone, so a record builds the same here as in the whole.
     */
    public PairedSamples range(int from, int to) {
        if (from < 0 || to > records.size() || from > to) {
            throw new IndexOutOfBoundsException("records [" + from + ", " + to + ") of " + records.size());
        }
        return new PairedSamples(records.subList(from, to), new ReadStats(Integer.MAX_VALUE), decoder, student, teacher);
    }

    @Override
    public int size() {
        return records.size();
    }

    @Override
    public String idOf(int index) {
        return records.get(index).id();
    }

    public Record record(int index) {
        return records.get(index);
    }

    /** What the reader skipped: counts by reason and the first skipped records with their provenance. */
    public ReadStats readStats() {
        return readStats;
    }

    public boolean hasTeacher() {
        return teacher != null;
    }

    /**
     * @throws SkipSampleException naming the record and its file: an image that does not decode or that a
     *                             processor refuses, a chat template that fails on the record, a record
     *                             too long for either model
     * @throws IOException         when an image file cannot be read at all
     */
    @Override
    public PairedSample get(int index) throws IOException {
        Record record = records.get(index);
        try {
            return build(record);
        } catch (ImageDecodeException e) {
            throw skip(record, DatasetCheck.skipReason(e.kind()), e.getMessage());
        } catch (SkipSampleException e) {
            throw skip(record, e.reason(), e.detail());
        }
    }

    /**
     * The records that cannot become a sample, found by building every record once as {@link #get} builds
     * it, each with its place, id and reason ({@link DatasetCheck#skipped}, as {@code vlmd data check}
     * reports it), in index order. Records are built on the common fork-join pool; the result does not
     * depend on how the work is split, since {@link #get} is a function of the index.
     */
    public Unusable unusable() {
        SkippedRecord[] bad = new SkippedRecord[records.size()];
        IntStream.range(0, records.size()).parallel().forEach(i -> {
            Record record = records.get(i);
            try {
                build(record);
            } catch (IOException | ImageDecodeException | SkipSampleException e) {
                bad[i] = DatasetCheck.skipped(record, e);
            }
        });
        List<Integer> indices = new ArrayList<>();
        List<SkippedRecord> skipped = new ArrayList<>();
        for (int i = 0; i < bad.length; i++) {
            if (bad[i] != null) {
                indices.add(i);
                skipped.add(bad[i]);
            }
        }
        return new Unusable(indices.stream().mapToInt(Integer::intValue).toArray(), skipped);
    }

    /**
     * These samples without {@code unusable}'s records, which are counted into {@link #readStats()}; the
     * rest keep their order (a run resumed with its first check's list trains on the same samples).
     *
     * @throws IllegalArgumentException when an index is not one of these samples'
     */
    public PairedSamples without(Unusable unusable) {
        boolean[] out = new boolean[records.size()];
        int[] indices = unusable.indices();
        for (int k = 0; k < indices.length; k++) {
            int i = indices[k];
            if (i < 0 || i >= records.size()) {
                throw new IllegalArgumentException("record index " + i + " is not among the " + records.size()
                        + " records read");
            }
            out[i] = true;
            readStats.skip(unusable.records().get(k));
        }
        List<Record> usable = new ArrayList<>(records.size());
        for (int i = 0; i < out.length; i++) {
            if (!out[i]) {
                usable.add(records.get(i));
            }
        }
        return new PairedSamples(usable, readStats, decoder, student, teacher);
    }

    /**
     * Records that cannot become a sample: {@code indices[k]} (into the records read, ascending) is
     * {@code records.get(k)}.
     */
    public record Unusable(int[] indices, List<SkippedRecord> records) {
        public Unusable {
            indices = indices.clone();
            records = List.copyOf(records);
            if (indices.length != records.size()) {
                throw new IllegalArgumentException(indices.length + " indices for " + records.size() + " records");
            }
        }

        @Override
        public int[] indices() {
            return indices.clone();
        }
    }

    /** Both sides' samples of one record; the exceptions say why it cannot become one. */
    private PairedSample build(Record record) throws IOException {
        ConversationImages images = ConversationImages.decode(record.images(), decoder);
        Conversation conversation = Conversation.of(record);
        ModelInput s = input(student, "student", conversation, images);
        ModelInput t = teacher == null ? null : input(teacher, "teacher", conversation, images);
        if (t != null && (s.shortened() || t.shortened()) && !Arrays.equals(s.textIds(), t.textIds())) {
            // different image-token counts put the token limit at different places in the text
            throw new SkipSampleException(SkipReason.TOO_LONG, "shortened to the token limit at different text "
                    + "tokens for the student and the teacher, so their texts would no longer match");
        }
        return new PairedSample(sample(s, "student"), t == null ? null : sample(t, "teacher"));
    }

    private static ModelInput input(ModelSamples side, String name, Conversation conversation,
                                    ConversationImages images) {
        try {
            return side.input(conversation, images);
        } catch (SkipSampleException e) {
            throw new SkipSampleException(e.reason(), name + ": " + e.detail());
        } catch (TemplateRenderException e) {
            throw new SkipSampleException(SkipReason.TEMPLATE_FAILED, name + ": " + e.getMessage());
        }
    }

    // images cut off with the text past the token limit have no run, so they are never processed
    private static TokenizedSample<PixelValues> sample(ModelInput input, String name) {
        try {
            return input.toSample();
        } catch (SkipSampleException e) {
            throw new SkipSampleException(e.reason(), name + " " + e.detail());
        }
    }

    private static SkipSampleException skip(Record record, SkipReason reason, String detail) {
        return new SkipSampleException(reason, "record " + record.id() + " (" + record.provenance() + "): " + detail);
    }
}
