package org.vlmdistill.distill.teacher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.vlmdistill.core.io.AtomicFiles;
import org.vlmdistill.datasets.read.SkipReason;
import org.vlmdistill.datasets.read.SkippedRecord;
import org.vlmdistill.datasets.record.Provenance;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.zip.CRC32;

/**
 * A teacher-logits cache written by partitions (a distributed job, e.g. on Spark): each partition, a
 * contiguous range {@code [from, to)} of the data's records as read, writes one shard
 * ({@code shard-<partition>.bin}, atomically, {@link TeacherCacheWriter#openPart}) and then its manifest
 * {@code part-<partition>.json} (atomically), which makes it complete:
 *
 * <pre>
 * {"format": "vlm-distill teacher-logits cache part", "format_version": 1,
 *  "partition": 3, "from": 96, "to": 128,                   the records it covers, as read
 *  "meta": {"teacher", "data", "vocab_size", "top_p", "top_k", "temperature", "log_prob_dtype"},
 *  "shard": {"file", "bytes", "crc32"},
 *  "samples": [[id, offset, length], ...],                    in write order
 *  "position_count", "kept_token_count",
 *  "skipped": [{"file", "location", "id", "code", "detail"}]}  the range's records that cannot be a sample
 * </pre>
 *
 * The driver then {@link #merge}s the manifests, in partition order, into the same {@code index.json} a
 * single-machine writer writes: {@link TeacherCache} reads the result unchanged. A partition is complete
 * when its manifest exists, covers the same range with the same settings, and its shard has the size the
 * manifest says ({@link #complete}); a rerun writes only the others. The manifests stay beside the index
 * (a few bytes a sample): they say which partition wrote what.
 */
public final class CacheParts {
    public static final String FORMAT = "vlm-distill teacher-logits cache part";
    public static final int VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    private CacheParts() {
    }

    /** Partition {@code index}: records {@code [from, to)} of the data as read. */
    public record Range(int index, int from, int to) implements java.io.Serializable {
        public Range {
            if (index < 0 || from < 0 || to < from) {
                throw new IllegalArgumentException("partition " + index + " [" + from + ", " + to + ")");
            }
        }

        public int records() {
            return to - from;
        }
    }

    /**
     * {@code [0, records)} in at most {@code partitions} contiguous ranges whose bounds are multiples of
     * {@code batchSize} (so each partition's batches are the single-machine job's batches when no record is
     * skipped), as even as that allows; never an empty range (at least one, {@code [0, 0)}, for no record).
     */
    public static List<Range> ranges(int records, int partitions, int batchSize) {
        if (partitions < 1 || batchSize < 1) {
            throw new IllegalArgumentException("partitions " + partitions + ", batch size " + batchSize);
        }
        int batches = (records + batchSize - 1) / batchSize;
        int n = Math.max(1, Math.min(partitions, batches));
        List<Range> out = new ArrayList<>(n);
        for (int p = 0; p < n; p++) {
            // batches [p * batches / n, (p + 1) * batches / n): sizes differ by at most one batch
            int from = (int) Math.min(records, (long) p * batches / n * batchSize);
            int to = (int) Math.min(records, (long) (p + 1) * batches / n * batchSize);
            out.add(new Range(p, from, to));
        }
        return out;
    }

    static String manifestName(int partition) {
        return String.format("part-%05d.json", partition);
    }

    /** A complete partition as its manifest says. */
    public record Manifest(Range range, CacheMeta meta, TeacherCacheWriter.ShardInfo shard,
                           List<TeacherCacheWriter.Entry> entries, long positions, long keptTokens,
                           List<SkippedRecord> skipped) {
        public Manifest {
            entries = List.copyOf(entries);
            skipped = List.copyOf(skipped);
        }

        public int samples() {
            return entries.size();
        }
    }

    /** Writes the manifest that makes a partition complete; its shard is in place already. */
    static Manifest writeManifest(Path dir, Range range, CacheMeta meta, TeacherCacheWriter.PartWritten part,
                                  List<SkippedRecord> skipped) throws IOException {
        Manifest m = new Manifest(range, meta, part.shard(), part.entries(), part.positions(), part.keptTokens(),
                skipped);
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("format_version", VERSION);
        root.put("partition", range.index());
        root.put("from", range.from());
        root.put("to", range.to());
        root.set("meta", metaJson(meta));
        root.putObject("shard").put("file", part.shard().file()).put("bytes", part.shard().bytes())
                .put("crc32", part.shard().crc32());
        ArrayNode samples = root.putArray("samples");
        for (TeacherCacheWriter.Entry e : part.entries()) {
            samples.addArray().add(e.sampleId()).add(e.offset()).add(e.length());
        }
        root.put("position_count", part.positions());
        root.put("kept_token_count", part.keptTokens());
        ArrayNode bad = root.putArray("skipped");
        for (SkippedRecord r : skipped) {
            // as the record holds them, unescaped: the merge writes skipped.jsonl as a single machine does
            bad.addObject().put("file", r.provenance().file().toString()).put("location", r.provenance().location())
                    .put("id", r.id()).put("code", r.reason().name()).put("detail", r.detail());
        }
        AtomicFiles.write(dir.resolve(manifestName(range.index())),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root), AtomicFiles.Durability.SYNC);
        return m;
    }

    /**
     * The partition's manifest when it is complete: present, for this range, its shard of the size it says.
     * A manifest for another range (a rerun with another partition count or other data) is an error, as is
     * one from other settings ({@code meta}, when given: truncation, dtype, vocabulary, teacher).
     *
     * @throws CacheFormatException naming the manifest, when it does not fit this job
     */
    public static Optional<Manifest> complete(Path dir, Range range, Optional<CacheMeta> meta) throws IOException {
        Path file = dir.resolve(manifestName(range.index()));
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        Manifest m = read(file);
        if (!m.range().equals(range)) {
            throw new CacheFormatException(file, "covers records [" + m.range().from() + ", " + m.range().to()
                    + "), this job's partition " + range.index() + " [" + range.from() + ", " + range.to()
                    + "): the data or the partition count changed since it was written; write to a new directory");
        }
        if (meta.isPresent() && !sameSettings(m.meta(), meta.get())) {
            throw new CacheFormatException(file, "was written with " + metaJson(m.meta()) + ", this job has "
                    + metaJson(meta.get()) + "; write to a new directory");
        }
        Path shard = dir.resolve(m.shard().file());
        if (!Files.isRegularFile(shard) || Files.size(shard) != m.shard().bytes()) {
            return Optional.empty(); // the shard was replaced or cut: write the partition again
        }
        return Optional.of(m);
    }

    /**
     * The index of a cache every one of whose {@code ranges} is complete: shards and samples in partition
     * order, each shard's CRC32 checked against its manifest. Leftover temp files of failed attempts are
     * deleted. All manifests must agree on the settings.
     *
     * @throws CacheFormatException naming the first partition that is not complete or does not fit
     */
    public static CacheSummary merge(Path dir, List<Manifest> parts) throws IOException {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("no partition to merge");
        }
        CacheMeta meta = parts.getFirst().meta();
        List<TeacherCacheWriter.ShardInfo> shards = new ArrayList<>();
        List<TeacherCacheWriter.Entry> entries = new ArrayList<>();
        long positions = 0;
        long kept = 0;
        for (Manifest m : parts) {
            Path file = dir.resolve(manifestName(m.range().index()));
            if (!sameSettings(m.meta(), meta)) {
                throw new CacheFormatException(file, "was written with " + metaJson(m.meta()) + ", partition "
                        + parts.getFirst().range().index() + " with " + metaJson(meta));
            }
            checkCrc(dir.resolve(m.shard().file()), m.shard());
            int shard = shards.size();
            shards.add(m.shard());
            for (TeacherCacheWriter.Entry e : m.entries()) {
                entries.add(new TeacherCacheWriter.Entry(e.sampleId(), shard, e.offset(), e.length()));
            }
            positions += m.positions();
            kept += m.keptTokens();
        }
        CacheSummary summary = TeacherCacheWriter.writeIndex(dir, meta, shards, entries, positions, kept);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, ".shard-*.tmp")) {
            for (Path f : files) {
                Files.deleteIfExists(f);
            }
        }
        return summary;
    }

    private static void checkCrc(Path file, TeacherCacheWriter.ShardInfo shard) throws IOException {
        CRC32 crc = new CRC32();
        ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
        long read = 0;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            for (int n; (n = channel.read(buffer.clear())) > 0; ) {
                crc.update(buffer.flip());
                read += n;
            }
        }
        if (read != shard.bytes() || crc.getValue() != shard.crc32()) {
            throw new CacheFormatException(file, String.format("%d bytes, CRC32 %08x; its manifest says %d bytes, "
                    + "%08x: the shard changed after its partition finished", read, crc.getValue(), shard.bytes(),
                    shard.crc32()));
        }
    }

    private static boolean sameSettings(CacheMeta a, CacheMeta b) {
        return metaJson(a).equals(metaJson(b));
    }

    private static ObjectNode metaJson(CacheMeta meta) {
        return JSON.createObjectNode().put("teacher", meta.teacher()).put("data", meta.data())
                .put("vocab_size", meta.vocabSize()).put("top_p", meta.truncation().topP())
                .put("top_k", meta.truncation().topK()).put("temperature", meta.truncation().temperature())
                .put("log_prob_dtype", meta.logProbDtype().jsonName());
    }

    static Manifest read(Path file) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new CacheFormatException(file, "not valid JSON: " + e.getMessage());
        }
        try {
            if (!FORMAT.equals(root.path("format").asText()) || root.path("format_version").asInt() != VERSION) {
                throw new CacheFormatException(file, "not a cache part manifest of format_version " + VERSION);
            }
            Range range = new Range(need(root, "partition", file).asInt(), need(root, "from", file).asInt(),
                    need(root, "to", file).asInt());
            JsonNode m = need(root, "meta", file);
            CacheMeta meta = new CacheMeta(need(m, "teacher", file).asText(), need(m, "data", file).asText(),
                    need(m, "vocab_size", file).asInt(), new TopKTruncation(need(m, "top_p", file).asDouble(),
                    need(m, "top_k", file).asInt(), need(m, "temperature", file).asDouble()),
                    CacheFormat.LogProbDtype.fromJson(need(m, "log_prob_dtype", file).asText()),
                    CacheFormat.DEFAULT_SHARD_BYTES);
            JsonNode s = need(root, "shard", file);
            String shardFile = need(s, "file", file).asText();
            if (!shardFile.equals(CacheFormat.shardName(range.index()))) {
                throw new CacheFormatException(file, "names shard " + shardFile + ", partition " + range.index()
                        + " writes " + CacheFormat.shardName(range.index()));
            }
            TeacherCacheWriter.ShardInfo shard = new TeacherCacheWriter.ShardInfo(shardFile,
                    need(s, "bytes", file).asLong(), need(s, "crc32", file).asLong());
            List<TeacherCacheWriter.Entry> entries = new ArrayList<>();
            for (JsonNode e : need(root, "samples", file)) {
                if (!e.isArray() || e.size() != 3) {
                    throw new CacheFormatException(file, "sample entry " + e + " is not [id, offset, length]");
                }
                entries.add(new TeacherCacheWriter.Entry(e.get(0).asText(), 0, e.get(1).asLong(), e.get(2).asInt()));
            }
            List<SkippedRecord> skipped = new ArrayList<>();
            for (JsonNode r : need(root, "skipped", file)) {
                skipped.add(new SkippedRecord(new Provenance(Path.of(r.path("file").asText()),
                        r.path("location").asText()), r.path("id").asText(),
                        SkipReason.valueOf(r.path("code").asText()), r.path("detail").asText()));
            }
            return new Manifest(range, meta, shard, entries, need(root, "position_count", file).asLong(),
                    need(root, "kept_token_count", file).asLong(), skipped);
        } catch (IllegalArgumentException e) {
            throw new CacheFormatException(file, e.getMessage());
        }
    }

    private static JsonNode need(JsonNode node, String field, Path file) throws CacheFormatException {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            throw new CacheFormatException(file, "field " + field + " missing");
        }
        return Objects.requireNonNull(v);
    }
}
