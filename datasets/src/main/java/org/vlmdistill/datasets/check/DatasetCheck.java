package org.vlmdistill.datasets.check;

import org.vlmdistill.datasets.batch.SkipSampleException;
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
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongConsumer;

/**
 * Reads a data set through the same readers, image decoder and (given a model) sample builder a
 * training run uses, and reports what it found: counts, length percentiles, image sizes, and every
 * record that would be skipped, with its reason and place.
 */
public final class DatasetCheck {
    /** Longest-side buckets of the image size histogram, in pixels. */
    static final int[] SIZE_BUCKETS = {64, 128, 256, 512, 1024, 2048, 4096};

    private DatasetCheck() {}

    /**
     * @param model    the model whose template and tokenizer give token lengths; empty for characters only
     * @param progress called with the number of records read so far, every 1,000 records
     */
    public static CheckReport run(List<Path> files, ReaderOptions options, ImageDecoder decoder,
                                  Optional<ModelSamples> model, LongConsumer progress) throws IOException {
        Lengths chars = new Lengths();
        Lengths tokens = new Lengths();
        Map<String, Long> sizes = new LinkedHashMap<>();
        for (int b : SIZE_BUCKETS) {
            sizes.put("<= " + b, 0L);
        }
        sizes.put("> " + SIZE_BUCKETS[SIZE_BUCKETS.length - 1], 0L);
        long images = 0;
        long good = 0;
        long shortened = 0;
        ReadStats stats;
        try (RecordReader reader = Readers.open(files, options)) {
            stats = reader.stats();
            long seen = 0;
            for (Optional<Record> next = reader.next(); next.isPresent(); next = reader.next()) {
                Record r = next.get();
                if (++seen % 1000 == 0) {
                    progress.accept(seen);
                }
                ConversationImages decoded = null;
                SkippedRecord bad = null;
                try {
                    decoded = ConversationImages.decode(r.images(), decoder);
                    if (model.isPresent()) {
                        ModelInput in = model.get().input(Conversation.of(r), decoded);
                        tokens.add(in.length());
                        shortened += in.shortened() ? 1 : 0;
                    }
                } catch (IOException | ImageDecodeException | SkipSampleException | TemplateRenderException e) {
                    bad = skipped(r, e);
                }
                List<int[]> dims = decoded == null ? List.of() : decoded.sizes();
                if (bad != null) {
                    stats.skip(bad);
                    continue;
                }
                good++;
                chars.add(r.turns().stream().mapToInt(t -> t.text().length()).sum());
                for (int[] d : dims) {
                    images++;
                    int side = Math.max(d[0], d[1]);
                    String bucket = "> " + SIZE_BUCKETS[SIZE_BUCKETS.length - 1];
                    for (int b : SIZE_BUCKETS) {
                        if (side <= b) {
                            bucket = "<= " + b;
                            break;
                        }
                    }
                    sizes.merge(bucket, 1L, Long::sum);
                }
            }
        }
        return new CheckReport(files, good, images, shortened, chars.summary(),
                model.isPresent() ? Optional.of(tokens.summary()) : Optional.empty(), sizes,
                stats.skipped(), stats.skippedByReason(), stats.skippedRecords());
    }

    /**
     * Why {@code record} cannot become a sample, from what decoding its images or building its input
     * threw: the one mapping {@code data check} and a training run's check before its first step share.
     *
     * @param e an {@link ImageDecodeException} (the image's content), an {@link IOException} (its file
     *          cannot be read), a {@link SkipSampleException} (placeholders, length, vocabulary) or a
     *          {@link TemplateRenderException} (the chat template fails on this record)
     */
    public static SkippedRecord skipped(Record record, Exception e) {
        return switch (e) {
            case ImageDecodeException d -> new SkippedRecord(record.provenance(), record.id(), skipReason(d.kind()),
                    d.getMessage());
            case SkipSampleException s -> new SkippedRecord(record.provenance(), record.id(), s.reason(), s.detail());
            case TemplateRenderException t -> new SkippedRecord(record.provenance(), record.id(),
                    SkipReason.TEMPLATE_FAILED, t.getMessage());
            case IOException io -> new SkippedRecord(record.provenance(), record.id(), SkipReason.MISSING_IMAGE,
                    io.getMessage());
            default -> throw new IllegalArgumentException("not a reason to skip a record: " + e, e);
        };
    }

    /** The skip reason of an image that does not decode. */
    public static SkipReason skipReason(ImageDecodeException.Kind kind) {
        return switch (kind) {
            case UNSUPPORTED -> SkipReason.UNSUPPORTED_IMAGE;
            case TOO_LARGE -> SkipReason.IMAGE_TOO_LARGE;
            case TRUNCATED, CORRUPT -> SkipReason.CORRUPT_IMAGE;
        };
    }

    /** A growable int list for percentiles (4 bytes a record). */
    static final class Lengths {
        private int[] values = new int[1024];
        private int n;

        void add(int v) {
            if (n == values.length) {
                values = Arrays.copyOf(values, n * 2);
            }
            values[n++] = v;
        }

        Percentiles summary() {
            int[] sorted = Arrays.copyOf(values, n);
            Arrays.sort(sorted);
            return Percentiles.of(sorted);
        }
    }

    /** Nearest-rank percentiles of a sorted sample; all zero for an empty one. */
    public record Percentiles(long count, int min, int p50, int p90, int p99, int max, double mean) {
        static Percentiles of(int[] sorted) {
            if (sorted.length == 0) {
                return new Percentiles(0, 0, 0, 0, 0, 0, 0);
            }
            return new Percentiles(sorted.length, sorted[0], rank(sorted, 50), rank(sorted, 90), rank(sorted, 99),
                    sorted[sorted.length - 1], Arrays.stream(sorted).average().orElse(0));
        }

        private static int rank(int[] sorted, int p) {
            int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
            return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
        }
    }

    /**
     * @param skippedRecords the skipped records kept in full (the first ones; {@code skipped} counts all)
     */
    public record CheckReport(List<Path> files, long goodRecords, long images, long shortened, Percentiles chars,
                              Optional<Percentiles> tokens, Map<String, Long> imageSizes, long skipped,
                              Map<SkipReason, Long> skippedByReason, List<SkippedRecord> skippedRecords) {
    }
}
