package org.vlmdistill.vlmd.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.sun.management.GarbageCollectionNotificationInfo;
import org.vlmdistill.datasets.read.ReadStats;
import org.vlmdistill.datasets.read.ReaderOptions;
import org.vlmdistill.datasets.read.Readers;
import org.vlmdistill.datasets.read.RecordReader;
import org.vlmdistill.datasets.record.Record;
import org.vlmdistill.datasets.record.Turn;

import javax.imageio.ImageIO;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * The loader's heap while it reads every record of a LLaVA JSONL file through {@link Readers#open}:
 * the claim is that it does not grow with the file. Three figures per run:
 * <ul>
 * <li><b>live</b>: heap used right after a full GC forced at evenly spaced points of the read, the
 *     most at any point: what the reader holds;</li>
 * <li><b>after GC</b>: the most heap in use after any collection during the read (GC notifications), the
 *     same quantity seen through the collector's own collections;</li>
 * <li><b>pool peak</b>: the sum of the heap pools' peak usage (the MXBeans' high-water marks): includes
 *     garbage not yet collected, so it follows the young generation's sizing and the amount allocated
 *     before the first collection, not what the reader keeps.</li>
 * </ul>
 * Not a timed test: {@code vlmd bench loader} runs it; BENCHMARKS.md has the figures.
 */
public final class LoaderHeapBench {
    private static final String[] WORDS = ("the a of in on with and to is are this that image picture photo shows "
            + "man woman person people dog cat car bus street table kitchen room window tree sky water building "
            + "sign red blue green white black large small left right front behind holding standing sitting "
            + "wearing looking near next above below two three several some there what where how many color "
            + "which why does do can you see describe detail scene background foreground appears likely because "
            + "it its his her their they he she playing riding walking eating food plate cup bottle phone laptop")
            .split(" ");

    private LoaderHeapBench() {}

    /** One run's figures, bytes unless named otherwise. */
    public record Result(int records, long delivered, long skipped, long fileBytes, long heapLimit, long heapBefore,
                         long live, long afterGc, long poolPeak, int collections, double seconds) {}

    /**
     * {@code dir/llava-N.jsonl}: N LLaVA records, each naming the one small PNG {@code images/pixel.png}
     * (so every image check really stats a file) with a 2 to 4 turn conversation of question-and-answer
     * length text; written once, seed fixed.
     */
    public static Path makeJsonl(Path dir, int records, PrintStream out) throws IOException {
        Path image = dir.resolve("images/pixel.png");
        if (!Files.isRegularFile(image)) {
            Files.createDirectories(image.getParent());
            ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB), "png", image.toFile());
        }
        Path file = dir.resolve("llava-" + records + ".jsonl");
        if (Files.isRegularFile(file)) {
            out.println("  reusing " + file);
            return file;
        }
        out.printf("  writing %s (%,d records) ...%n", file, records);
        Path partial = dir.resolve(file.getFileName() + ".partial");
        SplittableRandom random = new SplittableRandom(records);
        try (OutputStream os = Files.newOutputStream(partial);
             JsonGenerator g = new JsonFactory().createGenerator(os)) {
            g.setRootValueSeparator(null);
            for (int i = 0; i < records; i++) {
                g.writeStartObject();
                g.writeStringField("id", "bench-%07d".formatted(i));
                g.writeStringField("image", "images/pixel.png");
                g.writeArrayFieldStart("conversations");
                int turns = 2 + random.nextInt(3); // 3: a system turn first
                boolean system = turns == 3;
                for (int t = 0; t < turns; t++) {
                    g.writeStartObject();
                    String from;
                    String value;
                    if (system && t == 0) {
                        from = "system";
                        value = sentence(random, 8, 20);
                    } else if ((t - (system ? 1 : 0)) % 2 == 0) {
                        from = "human";
                        value = (t <= 1 ? Turn.IMAGE_PLACEHOLDER + "\n" : "") + sentence(random, 6, 25) + "?";
                    } else {
                        from = "gpt";
                        value = sentence(random, 20, 180) + ".";
                    }
                    g.writeStringField("from", from);
                    g.writeStringField("value", value);
                    g.writeEndObject();
                }
                g.writeEndArray();
                g.writeEndObject();
                g.writeRaw('\n');
            }
        }
        Files.move(partial, file);
        return file;
    }

    private static String sentence(SplittableRandom random, int minWords, int maxWords) {
        int n = minWords + random.nextInt(maxWords - minWords + 1);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            String w = WORDS[random.nextInt(WORDS.length)];
            b.append(i == 0 ? Character.toUpperCase(w.charAt(0)) + w.substring(1) : " " + w);
        }
        return b.toString();
    }

    /** Reads every record of {@code file} (expected to hold {@code records}), with {@code checkpoints} forced GCs. */
    public static Result measure(Path file, int records, int checkpoints) throws IOException {
        List<MemoryPoolMXBean> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP && p.isValid()).toList();
        Set<String> heapPoolNames = heapPools.stream().map(MemoryPoolMXBean::getName).collect(Collectors.toSet());
        AtomicLong afterGc = new AtomicLong();
        AtomicInteger collections = new AtomicInteger();
        NotificationListener listener = (Notification n, Object handback) -> {
            if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
                return;
            }
            var info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
            long used = 0;
            for (Map.Entry<String, MemoryUsage> e : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
                if (heapPoolNames.contains(e.getKey())) {
                    used += e.getValue().getUsed();
                }
            }
            afterGc.accumulateAndGet(used, Math::max);
            collections.incrementAndGet();
        };
        List<NotificationEmitter> emitters = new ArrayList<>();
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter emitter) {
                emitters.add(emitter);
            }
        }

        System.gc();
        long heapBefore = heapUsed();
        heapPools.forEach(MemoryPoolMXBean::resetPeakUsage);
        emitters.forEach(e -> e.addNotificationListener(listener, null, null));
        long every = Math.max(1, records / Math.max(1, checkpoints));
        long live = 0;
        long gcNanos = 0;
        long chars = 0;
        ReadStats stats;
        long start = System.nanoTime();
        try (RecordReader reader = Readers.open(List.of(file), ReaderOptions.DEFAULTS)) {
            long n = 0;
            for (Optional<Record> r = reader.next(); r.isPresent(); r = reader.next()) {
                for (Turn t : r.get().turns()) {
                    chars += t.text().length(); // the record is used, then dropped, as a training step would
                }
                if (++n % every == 0) {
                    long g0 = System.nanoTime();
                    System.gc();
                    live = Math.max(live, heapUsed());
                    gcNanos += System.nanoTime() - g0;
                }
            }
            stats = reader.stats();
        }
        double seconds = (System.nanoTime() - start - gcNanos) / 1e9;
        try {
            Thread.sleep(100); // GC notifications arrive on another thread
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (NotificationEmitter e : emitters) {
            try {
                e.removeNotificationListener(listener);
            } catch (javax.management.ListenerNotFoundException ignored) {
                // added above; nothing to remove otherwise
            }
        }
        long poolPeak = heapPools.stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
        if (chars == 0 && stats.delivered() > 0) {
            throw new IllegalStateException("records without text"); // keeps the loop's work observable
        }
        return new Result(records, stats.delivered(), stats.skipped(), Files.size(file), Runtime.getRuntime().maxMemory(),
                heapBefore, live, afterGc.get(), poolPeak, collections.get(), seconds);
    }

    private static long heapUsed() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
