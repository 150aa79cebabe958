package org.vlmdistill.distill.teacher;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.vlmdistill.core.io.AtomicFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.CRC32;

/**
 * Writes a teacher-logits cache (format: {@link CacheFormat}), one call per sample:
 *
 * <pre>
 * try (TeacherCacheWriter w = TeacherCacheWriter.open(dir, meta)) {
 *     for (each sample) w.add(sampleId, textIndex, teacherLogitsRows);   // [n, V] fp32
 *     CacheSummary s = w.finish();
 * }
 * </pre>
 *
 * <p>Atomicity: a shard is written under a hidden temp name and renamed to {@code shard-NNNNN.bin}
 * once complete and fsynced; {@code index.json} is written last, atomically (AtomicFiles). A
 * directory without the index is not a cache, so a killed writer never leaves something that reads
 * as complete. {@link #close()} without {@link #finish()} (an exception in the loop) deletes what
 * this writer wrote. {@link #open} refuses a directory that already holds a cache, and deletes
 * shards and temp files an unfinished writer left (they belong to no cache).
 *
 * <p>A partition of a distributed job ({@link CacheParts}) writes with {@link #openPart}: one shard named by
 * its partition number, never split, and a manifest instead of the index; the driver merges the manifests
 * into the index ({@link #writeIndex}, the same index {@link #finish()} writes).
 *
 * <p>Not thread-safe: one writer, one thread.
 */
public final class TeacherCacheWriter implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final CacheMeta meta;
    /** -1: a whole cache; else the partition whose one shard this writer writes. */
    private final int part;
    private final List<ShardInfo> shards = new ArrayList<>();
    private final List<Entry> entries = new ArrayList<>();
    private final Set<String> seen = new HashSet<>();
    private FileChannel channel;
    private Path temp;
    private CRC32 crc;
    private long shardSize;
    private long positions;
    private long keptTokens;
    private boolean finished;
    private boolean closed;

    /** A finished shard as the index lists it. */
    record ShardInfo(String file, long bytes, long crc32) {
    }

    /** A sample's place: {@code shard} is the shard's position in the index's list. */
    record Entry(String sampleId, int shard, long offset, int length) {
    }

    /** What a partition's writer wrote: its one shard, its samples (shard 0 = that shard), its counts. */
    record PartWritten(ShardInfo shard, List<Entry> entries, long positions, long keptTokens) {
    }

    private TeacherCacheWriter(Path dir, CacheMeta meta, int part) {
        this.dir = dir;
        this.meta = meta;
        this.part = part;
    }

    public static TeacherCacheWriter open(Path dir, CacheMeta meta) throws IOException {
        Files.createDirectories(dir);
        if (Files.exists(dir.resolve(CacheFormat.INDEX))) {
            throw new IOException(dir.resolve(CacheFormat.INDEX) + ": the directory already holds a teacher-logits "
                    + "cache; remove it or write to another directory");
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                boolean leftover = CacheFormat.isShardName(name)
                        || (name.startsWith(".shard-") && name.endsWith(".tmp"))
                        || (name.startsWith("." + CacheFormat.INDEX + ".") && name.endsWith(".tmp"));
                if (leftover) {
                    Files.delete(f);
                }
            }
        }
        return new TeacherCacheWriter(dir, meta, -1);
    }

    /**
     * A writer of partition {@code part}'s one shard, {@code shard-<part>.bin} (all its samples, whatever
     * {@link CacheMeta#shardBytes()} says: the partition count sets the shard size). Nothing else in the
     * directory is touched: other partitions write beside it, and a complete shard from an earlier attempt
     * is replaced only when this one finishes (same records, same bytes).
     */
    static TeacherCacheWriter openPart(Path dir, CacheMeta meta, int part) throws IOException {
        if (part < 0 || part > 99_999) {
            throw new IllegalArgumentException("partition " + part + " outside 0..99999 (shard-NNNNN.bin)");
        }
        Files.createDirectories(dir);
        return new TeacherCacheWriter(dir, meta, part);
    }

    public Path directory() {
        return dir;
    }

    public CacheMeta meta() {
        return meta;
    }

    /**
     * Truncates one sample's teacher rows and appends them.
     *
     * @param textIndex     each row's index among the sample's text tokens (the cache key with the id)
     * @param teacherLogits {@code [textIndex.length, V]} fp32, on any device; not closed here
     */
    public void add(String sampleId, int[] textIndex, NDArray teacherLogits) throws IOException {
        long[] shape = teacherLogits.getShape().getShape();
        if (shape.length != 2 || shape[0] != textIndex.length || shape[1] != meta.vocabSize()) {
            throw new IllegalArgumentException("sample " + sampleId + ": teacher logits " + teacherLogits.getShape()
                    + " for " + textIndex.length + " text indices over a vocabulary of " + meta.vocabSize()
                    + "; expected (" + textIndex.length + ", " + meta.vocabSize() + ")");
        }
        addTruncated(sampleId, textIndex, meta.truncation().truncate(teacherLogits));
    }

    /** {@link #add(String, int[], NDArray)} for rows on the host. */
    public void add(String sampleId, int[] textIndex, float[][] teacherLogits) throws IOException {
        if (teacherLogits.length != textIndex.length) {
            throw new IllegalArgumentException("sample " + sampleId + ": " + teacherLogits.length + " rows for "
                    + textIndex.length + " text indices");
        }
        TopKTruncation.Kept[] kept = new TopKTruncation.Kept[teacherLogits.length];
        for (int r = 0; r < kept.length; r++) {
            if (teacherLogits[r].length != meta.vocabSize()) {
                throw new IllegalArgumentException("sample " + sampleId + ": row " + r + " has " + teacherLogits[r].length
                        + " logits, the vocabulary " + meta.vocabSize());
            }
            kept[r] = meta.truncation().truncate(teacherLogits[r]);
        }
        addTruncated(sampleId, textIndex, kept);
    }

    /** Appends rows already truncated (by {@link CacheMeta#truncation()}, which is what the index will say). */
    public void addTruncated(String sampleId, int[] textIndex, TopKTruncation.Kept[] kept) throws IOException {
        if (finished || closed) {
            throw new IllegalStateException("cache writer for " + dir + " is " + (finished ? "finished" : "closed"));
        }
        if (kept.length != textIndex.length) {
            throw new IllegalArgumentException("sample " + sampleId + ": " + kept.length + " rows for "
                    + textIndex.length + " text indices");
        }
        Set<Integer> indices = new HashSet<>();
        for (int t : textIndex) {
            if (t < 0 || !indices.add(t)) {
                throw new IllegalArgumentException("sample " + sampleId + ": text index " + t
                        + (t < 0 ? " is negative" : " appears twice"));
            }
        }
        for (TopKTruncation.Kept k : kept) {
            for (int id : k.ids()) {
                if (id < 0 || id >= meta.vocabSize()) {
                    throw new IllegalArgumentException("sample " + sampleId + ": token " + id
                            + " outside the vocabulary of " + meta.vocabSize());
                }
            }
        }
        if (!seen.add(sampleId)) {
            throw new IllegalArgumentException("sample " + sampleId + " added twice");
        }
        ByteBuffer record = CacheFormat.encode(sampleId, textIndex, kept, meta.logProbDtype());
        int length = record.remaining();
        if (part < 0 && channel != null && shardSize > CacheFormat.HEADER_BYTES
                && shardSize + length > meta.shardBytes()) {
            finishShard();
        }
        if (channel == null) {
            startShard();
        }
        long offset = shardSize;
        write(record);
        entries.add(new Entry(sampleId, shards.size(), offset, length));
        positions += kept.length;
        for (TopKTruncation.Kept k : kept) {
            keptTokens += k.count();
        }
    }

    /** Closes the last shard and writes the index: from here on the directory is a cache. */
    public CacheSummary finish() throws IOException {
        if (finished || closed) {
            throw new IllegalStateException("cache writer for " + dir + " is " + (finished ? "finished" : "closed"));
        }
        if (part >= 0) {
            throw new IllegalStateException("a partition's writer ends with finishPart");
        }
        if (channel != null) {
            finishShard();
        }
        finished = true;
        return writeIndex(dir, meta, shards, entries, positions, keptTokens);
    }

    /** Closes the partition's shard (a header alone when it holds no sample); the caller writes its manifest. */
    PartWritten finishPart() throws IOException {
        if (part < 0) {
            throw new IllegalStateException("a whole cache's writer ends with finish");
        }
        if (finished || closed) {
            throw new IllegalStateException("cache writer for " + dir + " is " + (finished ? "finished" : "closed"));
        }
        if (channel == null) {
            startShard();
        }
        finishShard();
        finished = true;
        return new PartWritten(shards.getFirst(), List.copyOf(entries), positions, keptTokens);
    }

    /**
     * Writes {@code index.json} (atomically, last): from here on the directory is a cache.
     *
     * @param entries every sample, in the order the index lists them; {@code shard} indexes {@code shards}
     */
    static CacheSummary writeIndex(Path dir, CacheMeta meta, List<ShardInfo> shards, List<Entry> entries,
                                   long positions, long keptTokens) throws IOException {
        byte[] index = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(
                indexJson(meta, shards, entries, positions, keptTokens));
        AtomicFiles.write(dir.resolve(CacheFormat.INDEX), index, AtomicFiles.Durability.SYNC);
        long bytes = index.length;
        for (ShardInfo s : shards) {
            bytes += s.bytes();
        }
        return new CacheSummary(entries.size(), positions, keptTokens, shards.size(), bytes, meta.vocabSize());
    }

    /** Without {@link #finish()}: deletes this writer's shards, so nothing is left that looks like a cache. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (finished) {
            return;
        }
        IOException failure = null;
        try {
            if (channel != null) {
                channel.close();
                Files.deleteIfExists(temp);
                channel = null;
            }
        } catch (IOException e) {
            failure = e;
        }
        for (ShardInfo s : shards) {
            try {
                Files.deleteIfExists(dir.resolve(s.file()));
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static ObjectNode indexJson(CacheMeta meta, List<ShardInfo> shards, List<Entry> entries, long positions,
                                        long keptTokens) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", CacheFormat.FORMAT);
        root.put("format_version", CacheFormat.VERSION);
        root.put("vocab_size", meta.vocabSize());
        root.put("top_p", meta.truncation().topP());
        root.put("top_k", meta.truncation().topK());
        root.put("temperature", meta.truncation().temperature());
        root.put("log_prob_dtype", meta.logProbDtype().jsonName());
        root.put("token_id_dtype", "int32");
        root.put("byte_order", "little-endian");
        root.put("teacher", meta.teacher());
        root.put("data", meta.data());
        root.put("created", Instant.now().toString());
        root.put("sample_count", entries.size());
        root.put("position_count", positions);
        root.put("kept_token_count", keptTokens);
        ArrayNode shardArray = root.putArray("shards");
        for (ShardInfo s : shards) {
            shardArray.addObject().put("file", s.file()).put("bytes", s.bytes()).put("crc32", s.crc32());
        }
        ArrayNode samples = root.putArray("samples");
        for (Entry e : entries) {
            samples.addArray().add(e.sampleId()).add(e.shard()).add(e.offset()).add(e.length());
        }
        return root;
    }

    private void startShard() throws IOException {
        String name = CacheFormat.shardName(part >= 0 ? part : shards.size());
        temp = dir.resolve("." + name + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        crc = new CRC32();
        shardSize = 0;
        write(ByteBuffer.wrap(CacheFormat.SHARD_MAGIC));
    }

    private void write(ByteBuffer b) throws IOException {
        crc.update(b.duplicate());
        int n = b.remaining();
        while (b.hasRemaining()) {
            channel.write(b);
        }
        shardSize += n;
    }

    private void finishShard() throws IOException {
        String name = CacheFormat.shardName(part >= 0 ? part : shards.size());
        channel.force(true);
        channel.close();
        channel = null;
        Files.move(temp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        shards.add(new ShardInfo(name, shardSize, crc.getValue()));
    }
}
