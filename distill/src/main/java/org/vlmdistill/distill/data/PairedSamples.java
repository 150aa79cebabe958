package org.vlmdistill.distill.data;

import org.vlmdistill.core.image.RgbImage;
import org.vlmdistill.core.model.ImageProcessor;
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
import org.vlmdistill.datasets.record.ImageSource;
import org.vlmdistill.datasets.record.Record;
import org.vlmdistill.datasets.sample.EncodedConversation;
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
 * images once, then each side renders its own chat template, expands each image into its own image
 * tokens and processes the pixels with its own image processor.
 *
 * <p>Records are read up front (a record is text and image paths, small beside the images, which are
 * decoded per {@code get}); the reader's skip report stays available in {@link #readStats()}.
 * Thread-safe, and the same index gives the same sample every time: nothing here is random and the
 * parts ({@link ImageDecoder}, the template, the tokenizer, the processors) keep no state between calls.
 */
public final class PairedSamples implements SampleSource<PairedSample> {

    /** One model's way from a record to its inputs: template and tokenizer, image processor. */
    public record Side(ModelSamples samples, ImageProcessor processor) {
        public Side {
            Objects.requireNonNull(samples, "samples");
            Objects.requireNonNull(processor, "processor");
        }
    }

    private final List<Record> records;
    private final ReadStats readStats;
    private final ImageDecoder decoder;
    private final Side student;
    private final Side teacher; // null: no teacher runs during training

    /**
     * @param readStats what reading the records skipped (null: none were read from files)
     * @param teacher   null when no teacher runs during training (offline cache, SFT)
     */
    public PairedSamples(List<Record> records, ReadStats readStats, ImageDecoder decoder, Side student, Side teacher) {
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
    public static PairedSamples read(List<Path> files, ReaderOptions options, ImageDecoder decoder, Side student,
                                     Side teacher) throws IOException {
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
        List<RgbImage> images = new ArrayList<>(record.images().size());
        for (ImageSource source : record.images()) {
            try {
                images.add(decoder.decode(source));
            } catch (ImageDecodeException e) {
                throw skip(record, switch (e.kind()) {
                    case TRUNCATED, CORRUPT -> SkipReason.CORRUPT_IMAGE;
                    case UNSUPPORTED -> SkipReason.UNSUPPORTED_IMAGE;
                    case TOO_LARGE -> SkipReason.IMAGE_TOO_LARGE;
                }, e.getMessage());
            }
        }
        List<int[]> sizes = images.stream().map(i -> new int[] {i.width(), i.height()}).toList();
        EncodedConversation s = encode(student, "student", record, sizes);
        EncodedConversation t = teacher == null ? null : encode(teacher, "teacher", record, sizes);
        if (t != null && (s.shortened() || t.shortened()) && !Arrays.equals(textIds(s), textIds(t))) {
            // different image-token counts put the token limit at different places in the text
            throw skip(record, SkipReason.TOO_LONG, "shortened to the token limit at different text tokens for "
                    + "the student and the teacher, so their texts would no longer match");
        }
        return new PairedSample(toSample(student, "student", record, s, images),
                t == null ? null : toSample(teacher, "teacher", record, t, images));
    }

    private static EncodedConversation encode(Side side, String name, Record record, List<int[]> sizes) {
        try {
            return side.samples().encode(record, sizes);
        } catch (SkipSampleException e) {
            throw skip(record, e.reason(), name + ": " + e.detail());
        }
    }

    private static TokenizedSample<PixelValues> toSample(Side side, String name, Record record,
                                                         EncodedConversation encoded, List<RgbImage> images) {
        List<PixelValues> pixels = new ArrayList<>(images.size());
        for (int k = 0; k < images.size(); k++) {
            int image = k;
            if (encoded.imageRuns().stream().noneMatch(r -> r.imageIndex() == image)) {
                pixels.add(null); // cut off with the text past the token limit: never processed
                continue;
            }
            try {
                pixels.add(side.processor().process(images.get(k)));
            } catch (IllegalArgumentException e) {
                throw skip(record, SkipReason.UNSUPPORTED_IMAGE, name + " image processor, image " + k + ": "
                        + e.getMessage());
            }
        }
        return encoded.toSample(pixels, record.provenance().toString());
    }

    private static SkipSampleException skip(Record record, SkipReason reason, String detail) {
        return new SkipSampleException(reason, "record " + record.id() + " (" + record.provenance() + "): " + detail);
    }

    /** The ids outside every image run, in order. */
    static int[] textIds(EncodedConversation encoded) {
        int[] ids = encoded.inputIds();
        boolean[] image = new boolean[ids.length];
        for (EncodedConversation.ImageRun r : encoded.imageRuns()) {
            Arrays.fill(image, r.start(), r.start() + r.length(), true);
        }
        int[] text = new int[ids.length];
        int n = 0;
        for (int i = 0; i < ids.length; i++) {
            if (!image[i]) {
                text[n++] = ids[i];
            }
        }
        return Arrays.copyOf(text, n);
    }
}
