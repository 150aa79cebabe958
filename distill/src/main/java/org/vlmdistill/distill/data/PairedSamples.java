package org.vlmdistill.distill.data;

import org.vlmdistill.core.model.PixelValues;
import org.vlmdistill.datasets.batch.SampleSource;
import org.vlmdistill.datasets.batch.SkipSampleException;
import org.vlmdistill.datasets.batch.TokenizedSample;
import org.vlmdistill.datasets.image.ImageDecodeException;
import org.vlmdistill.datasets.image.ImageDecoder;
import org.vlmdistill.datasets.read.ReadStats;
import org.vlmdistill.datasets.read.ReaderOptions;
import org.vlmdistill.datasets.read.Readers;
import org.vlmdistill.datasets.read.RecordReader;
import org.vlmdistill.datasets.read.SkipReason;
import org.vlmdistill.datasets.record.Record;
import org.vlmdistill.datasets.sample.Conversation;
import org.vlmdistill.datasets.sample.ConversationImages;
import org.vlmdistill.datasets.sample.ModelInput;
import org.vlmdistill.datasets.sample.ModelSamples;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The good records of a run's data files as both models see them: {@link #get} decodes the record's
 * images once, then each side's {@link ModelSamples#input} renders its own chat template, expands each
 * image into its own image tokens and processes the pixels with its own image processor.
 *
 * <p>Records are read up front (a record is text and image paths, small beside the images, which are
 * decoded per {@code get}); the reader's skip report stays available in {@link #readStats()}.
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
     *                             processor refuses, a record too long for either model
     * @throws IOException         when an image file cannot be read at all
     */
    @Override
    public PairedSample get(int index) throws IOException {
        Record record = records.get(index);
        ConversationImages images;
        try {
            images = ConversationImages.decode(record.images(), decoder);
        } catch (ImageDecodeException e) {
            throw skip(record, switch (e.kind()) {
                case TRUNCATED, CORRUPT -> SkipReason.CORRUPT_IMAGE;
                case UNSUPPORTED -> SkipReason.UNSUPPORTED_IMAGE;
                case TOO_LARGE -> SkipReason.IMAGE_TOO_LARGE;
            }, e.getMessage());
        }
        Conversation conversation = Conversation.of(record);
        ModelInput s = input(student, "student", record, conversation, images);
        ModelInput t = teacher == null ? null : input(teacher, "teacher", record, conversation, images);
        if (t != null && (s.shortened() || t.shortened()) && !Arrays.equals(s.textIds(), t.textIds())) {
            // different image-token counts put the token limit at different places in the text
            throw skip(record, SkipReason.TOO_LONG, "shortened to the token limit at different text tokens for "
                    + "the student and the teacher, so their texts would no longer match");
        }
        return new PairedSample(sample(s, "student", record), t == null ? null : sample(t, "teacher", record));
    }

    private static ModelInput input(ModelSamples side, String name, Record record, Conversation conversation,
                                    ConversationImages images) {
        try {
            return side.input(conversation, images);
        } catch (SkipSampleException e) {
            throw skip(record, e.reason(), name + ": " + e.detail());
        }
    }

    // images cut off with the text past the token limit have no run, so they are never processed
    private static TokenizedSample<PixelValues> sample(ModelInput input, String name, Record record) {
        try {
            return input.toSample();
        } catch (SkipSampleException e) {
            throw skip(record, e.reason(), name + " " + e.detail());
        }
    }

    private static SkipSampleException skip(Record record, SkipReason reason, String detail) {
        return new SkipSampleException(reason, "record " + record.id() + " (" + record.provenance() + "): " + detail);
    }
}
