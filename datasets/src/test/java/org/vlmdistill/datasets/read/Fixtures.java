package org.vlmdistill.datasets.read;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.vlmdistill.datasets.record.Record;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Data files written by the tests, and reading them back. */
final class Fixtures {
    private Fixtures() {}

    /** A PNG signature and the start of its header, not a whole image: readers carry or locate, never decode. */
    static final byte[] IMAGE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'};

    record Read(List<Record> records, ReadStats stats) {
        List<String> ids() {
            return records.stream().map(Record::id).toList();
        }

        /** "location reason" per skip, in order. */
        List<String> skips() {
            return stats.skippedRecords().stream().map(s -> s.provenance().location() + " " + s.reason()).toList();
        }

        /** The skips' files' names with their locations and reasons, for multi-file reads. */
        List<String> skipsWithFiles() {
            return stats.skippedRecords().stream().map(s -> s.provenance().file().getFileName() + " "
                    + s.provenance().location() + " " + s.reason()).toList();
        }
    }

    static Read read(ReaderOptions options, Path... files) throws IOException {
        try (RecordReader reader = Readers.open(List.of(files), options)) {
            List<Record> out = new ArrayList<>();
            for (Optional<Record> r = reader.next(); r.isPresent(); r = reader.next()) {
                out.add(r.get());
            }
            assertEquals(out.size(), reader.stats().delivered(), "delivered count");
            return new Read(out, reader.stats());
        }
    }

    static Read read(Path... files) throws IOException {
        return read(ReaderOptions.DEFAULTS, files);
    }

    static Path write(Path file, String text) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            return Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path lines(Path file, String... lines) {
        return write(file, String.join("\n", lines) + "\n");
    }

    static Path image(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            return Files.write(file, IMAGE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A LLaVA record line: {@code image} null for text-only. */
    static String llava(String id, String image, String human, String gpt) {
        return "{\"id\": \"" + id + "\", " + (image == null ? "" : "\"image\": \"" + image + "\", ")
                + "\"conversations\": [{\"from\": \"human\", \"value\": " + quote(human) + "}, "
                + "{\"from\": \"gpt\", \"value\": " + quote(gpt) + "}]}";
    }

    static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }

    /** A tar member: name and content. */
    record Member(String name, byte[] data) {
        static Member text(String name, String text) {
            return new Member(name, text.getBytes(StandardCharsets.UTF_8));
        }

        static Member image(String name) {
            return new Member(name, IMAGE);
        }
    }

    static byte[] tarBytes(Member... members) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Member m : members) {
                TarArchiveEntry e = new TarArchiveEntry(m.name());
                e.setSize(m.data().length);
                tar.putArchiveEntry(e);
                tar.write(m.data());
                tar.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }

    static Path tar(Path file, Member... members) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(tarBytes(members));
        }
        return file;
    }
}
