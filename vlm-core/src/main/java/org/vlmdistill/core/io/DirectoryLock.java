package org.vlmdistill.core.io;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One run at a time in an output directory. The lock is the operating system's lock on
 * {@code DIR/.vlmd.lock} ({@link FileChannel#tryLock}), so it is atomic and ends with its process
 * however that process ends; the file's text ({@code pid=}, {@code host=}, {@code started=},
 * {@code command=}) only names the holder for the refusal message.
 *
 * <p>The file is never deleted, only emptied on release: deleting it would let a process that
 * opened it just before the delete lock the unlinked file while a third locks a new one. So an
 * empty file means free, and a file with text that can be locked was left by a process that ended
 * without releasing it (killed, or its machine lost): a stale lock, taken over and reported
 * ({@link #tookOver}).
 */
public final class DirectoryLock implements AutoCloseable {
    public static final String FILE = ".vlmd.lock";

    /*
     * The directories this process holds, and as whom. POSIX locks belong to the process, and closing
     * any descriptor of the file drops them all, so while this process holds a lock nothing in it may
     * open the file again: the holder's text is read through the locked channel itself, and a second
     * acquire in this process is refused here, from memory, before the file is opened.
     */
    private static final ConcurrentHashMap<Path, Holder> HELD = new ConcurrentHashMap<>();

    /** Who holds (or held) a directory. */
    public record Holder(long pid, String host, Instant since, String command) {
        String describe() {
            return "pid " + pid + (host.isEmpty() ? "" : " on " + host) + " since " + since
                    + (command.isEmpty() ? "" : " (" + command + ")");
        }
    }

    private final Path directory;
    private final Path key;
    private final FileChannel channel;
    private final FileLock lock;
    private final Holder stale;

    private DirectoryLock(Path directory, Path key, FileChannel channel, FileLock lock, Holder stale) {
        this.directory = directory;
        this.key = key;
        this.channel = channel;
        this.lock = lock;
        this.stale = stale;
    }

    /**
     * Creates {@code dir} if needed and locks it for this process, naming {@code command} as the
     * holder (e.g. {@code "vlmd distill"}).
     *
     * @throws DirectoryInUseException while another run (in this process or another) holds it
     * @throws IOException when {@code dir} cannot be created or is not a directory
     */
    public static DirectoryLock acquire(Path dir, String command) throws IOException {
        try {
            Files.createDirectories(dir);
        } catch (FileAlreadyExistsException e) {
            throw new IOException(dir + ": exists and is not a directory", e);
        }
        Path key = dir.toRealPath();
        Path file = key.resolve(FILE);
        Holder me = new Holder(ProcessHandle.current().pid(), host(), Instant.now().truncatedTo(ChronoUnit.SECONDS),
                command);
        Holder inThisProcess = HELD.putIfAbsent(key, me);
        if (inThisProcess != null) {
            throw new DirectoryInUseException(dir, Optional.of(inThisProcess));
        }
        FileChannel channel = null;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                // another process holds it, so reading (and closing) here cannot drop a lock of ours
                throw new DirectoryInUseException(dir, parse(readAll(channel)));
            }
            Holder stale = parse(readAll(channel)).orElse(null);
            byte[] text = ("pid=" + me.pid() + "\nhost=" + me.host() + "\nstarted=" + me.since() + "\ncommand="
                    + me.command().replaceAll("[\\r\\n]", " ") + "\n").getBytes(StandardCharsets.UTF_8);
            channel.truncate(0);
            ByteBuffer b = ByteBuffer.wrap(text);
            long at = 0;
            while (b.hasRemaining()) {
                at += channel.write(b, at);
            }
            channel.force(false);
            return new DirectoryLock(dir, key, channel, lock, stale);
        } catch (IOException | RuntimeException e) {
            HELD.remove(key);
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException closing) {
                    e.addSuppressed(closing);
                }
            }
            throw e;
        }
    }

    public Path directory() {
        return directory;
    }

    /** The holder of a stale lock this one replaced: a run that ended without releasing it. */
    public Optional<Holder> tookOver() {
        return Optional.ofNullable(stale);
    }

    /** A line saying a stale lock was taken over, for the run's log; empty when there was none. */
    public Optional<String> tookOverNote() {
        return tookOver().map(h -> "took over the lock on " + directory + " left by " + h.describe()
                + ", which ended without releasing it");
    }

    /** Empties the lock file, then releases the lock. */
    @Override
    public void close() throws IOException {
        try {
            if (channel.isOpen()) {
                channel.truncate(0);
                lock.release();
            }
        } finally {
            try {
                channel.close();
            } finally {
                HELD.remove(key);
            }
        }
    }

    private static String readAll(FileChannel channel) throws IOException {
        long size = channel.size();
        if (size > 1 << 16) {
            return ""; // not a lock file this class wrote
        }
        ByteBuffer b = ByteBuffer.allocate((int) size);
        while (b.hasRemaining() && channel.read(b, b.position()) >= 0) {
            // until full or end of file
        }
        return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
    }

    /** The holder a lock file's text names; empty when it names none (a free or half-written lock). */
    private static Optional<Holder> parse(String text) {
        long pid = -1;
        String host = "";
        Instant since = Instant.EPOCH;
        String command = "";
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String value = line.substring(eq + 1).strip();
            try {
                switch (line.substring(0, eq)) {
                    case "pid" -> pid = Long.parseLong(value);
                    case "host" -> host = value;
                    case "started" -> since = Instant.parse(value);
                    case "command" -> command = value;
                    default -> { }
                }
            } catch (NumberFormatException | DateTimeParseException e) {
                // a damaged field: the holder is still reported, without it
            }
        }
        return pid < 0 ? Optional.empty() : Optional.of(new Holder(pid, host, since, command));
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
