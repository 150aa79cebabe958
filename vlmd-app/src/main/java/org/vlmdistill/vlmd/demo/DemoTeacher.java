package org.vlmdistill.vlmd.demo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The teacher shipped with vlmd: a Hugging Face Idefics3 directory (weights, configs, the Shapes
 * tokenizer with its chat template) kept as resources, so the demo needs no teacher training. It was
 * made by {@link #RETRAIN}; the demo's shapes and data must match it, and the training run checks
 * that its tokenizer agrees with the student's on every id.
 */
public final class DemoTeacher {
    /** The command that re-trains the shipped teacher; its {@code teacher/} then replaces the resources. */
    public static final String RETRAIN = "./vlmd demo --train-teacher --teacher-only --out vlmd-out/teacher";
    public static final String RESOURCES = "/org/vlmdistill/vlmd/demo/teacher/";
    public static final List<String> FILES = List.of("config.json", "model.safetensors", "preprocessor_config.json",
            "generation_config.json", "tokenizer.json", "tokenizer_config.json");

    private DemoTeacher() {
    }

    /** Whether this build has the teacher (every file of it). */
    public static boolean shipped() {
        return FILES.stream().allMatch(f -> DemoTeacher.class.getResource(RESOURCES + f) != null);
    }

    /** Copies the shipped teacher into {@code dir}. */
    public static Path copyTo(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (String f : FILES) {
            try (InputStream in = DemoTeacher.class.getResourceAsStream(RESOURCES + f)) {
                if (in == null) {
                    throw new IOException("the shipped demo teacher lacks " + RESOURCES + f + "; re-train it with "
                            + RETRAIN);
                }
                Files.copy(in, dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return dir;
    }
}
