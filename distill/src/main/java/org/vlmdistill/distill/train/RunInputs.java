package org.vlmdistill.distill.train;

import org.vlmdistill.datasets.read.Readers;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The paths of a run config checked against this machine before anything loads: model directories,
 * data files, image root and the output's place. A problem is the
 * caller's to fix, so it is a {@link RunConfigException} naming the field.
 */
public final class RunInputs {
    private RunInputs() {}

    /** @throws RunConfigException listing every problem, each with its field */
    public static void check(RunConfig config) {
        List<String> problems = new ArrayList<>(); // compute's switches: RunConfig checks their spelling
        directory("student", Optional.ofNullable(config.student()), problems);
        directory("teacher", config.teacher(), problems);
        directory("teacher_cache", config.teacherCache(), problems);
        directory("image_root", config.imageRoot(), problems);
        for (int i = 0; i < config.data().size(); i++) {
            for (Path f : Readers.expand(config.data().get(i))) {
                String field = config.data().size() == 1 ? "data" : "data[" + i + "]";
                if (!Files.isRegularFile(f)) {
                    problems.add(field + ": " + f + ": no such file");
                } else if (!Files.isReadable(f)) {
                    problems.add(field + ": " + f + ": not readable");
                }
            }
        }
        output(config.output(), problems);
        if (!problems.isEmpty()) {
            throw new RunConfigException(config.source(), problems);
        }
    }

    private static void directory(String field, Optional<Path> dir, List<String> problems) {
        if (dir.isPresent() && !Files.isDirectory(dir.get())) {
            problems.add(field + ": " + dir.get() + (Files.exists(dir.get()) ? ": not a directory" : ": no such directory"));
        }
    }

    /** The output is a directory or can become one: its nearest existing ancestor is a writable directory. */
    private static void output(Path output, List<String> problems) {
        Path p = output.toAbsolutePath().normalize();
        Path existing = p;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return;
        }
        if (!Files.isDirectory(existing)) {
            problems.add("output: " + output + ": not a directory" + (existing.equals(p) ? " (a file is there)"
                    : " (" + existing + " is a file)"));
        } else if (!Files.isWritable(existing)) {
            problems.add("output: " + output + ": " + (existing.equals(p) ? "not writable" : existing + " is not writable"));
        }
    }
}
