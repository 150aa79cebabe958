package org.vlmdistill.distill.plan;

import org.vlmdistill.core.config.ModelConfig;
import org.vlmdistill.core.config.VisionLanguageConfig;
import org.vlmdistill.core.model.Model;
import org.vlmdistill.core.model.ModelDirectory;
import org.vlmdistill.core.model.Models;
import org.vlmdistill.core.model.Parameter;
import org.vlmdistill.distill.teacher.TeacherCache;
import org.vlmdistill.distill.train.RunConfig;
import org.vlmdistill.distill.train.TrainingSetup;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A run's plan from its config and its models' config.json files alone, no weights read: the two
 * models' parameter counts (as their families build them), what trains, the shared vocabulary by
 * {@code vocab_size}, and the {@link MemoryEstimate}. {@code vlmd distill --dry-run} prints it for
 * every run, and only it for model directories without weights (a published config, a model larger
 * than this machine).
 */
public record RunPlan(ModelShape student, ModelShape teacher, int studentVocab, int teacherVocab,
                      List<String> frozen, MemoryEstimate memory) {

    public RunPlan {
        frozen = List.copyOf(frozen);
    }

    /**
     * @param tilesPerSample tiles the estimate assumes each sample's images give the vision tower
     */
    public static RunPlan of(RunConfig run, Target target, int tilesPerSample) throws IOException {
        ModelDirectory studentDir = ModelDirectory.open(run.student());
        ModelShape student;
        List<String> frozen = new ArrayList<>();
        try (Model m = Models.configStructure(studentDir)) {
            Set<String> names = new HashSet<>();
            TrainingSetup.trainable(m, run.freeze(), frozen, run.source()).stream().map(Parameter::name).forEach(names::add);
            student = ModelShape.of(m, names);
        }
        int studentVocab = vocab(studentDir.config());
        ModelShape teacher = null;
        int teacherVocab = studentVocab;
        TeacherSide side;
        if (!run.loss().needsTeacher()) {
            side = new TeacherSide.None();
        } else if (run.teacherCache().isPresent() && Files.isDirectory(run.teacherCache().get())) {
            try (TeacherCache cache = TeacherCache.open(run.teacherCache().get())) {
                side = new TeacherSide.Cached(cache.truncation().topK());
                teacherVocab = cache.vocabSize();
            }
        } else {
            ModelDirectory teacherDir = ModelDirectory.open(run.teacher().orElseThrow(() -> new IllegalArgumentException(
                    "teacher: required for loss '" + run.loss().name() + "' (or give teacher_cache)")));
            try (Model m = Models.configStructure(teacherDir)) {
                teacher = ModelShape.frozen(m);
            }
            teacherVocab = vocab(teacherDir.config());
            side = new TeacherSide.Online(teacher);
        }
        Workload w = new Workload(run.batchSize(), run.maxTokens(), tilesPerSample, run.loss().chunkSize());
        PlanInputs in = new PlanInputs(student, side, w, target, Math.min(studentVocab, teacherVocab));
        return new RunPlan(student, teacher, studentVocab, teacherVocab, frozen, MemoryPlanner.estimate(in));
    }

    private static int vocab(ModelConfig c) {
        if (c instanceof VisionLanguageConfig vl) {
            return vl.textConfig().vocabSize();
        }
        throw new IllegalArgumentException("a " + c.modelType() + " model: distill trains vision-language models");
    }

    /** The models' lines: parameter counts by component and what trains. */
    public String describeModels() {
        StringBuilder s = new StringBuilder();
        s.append(line("student", student));
        s.append(String.format(Locale.ROOT, "          %,d trainable%s%n", student.trainable(),
                frozen.isEmpty() ? "" : ", frozen: " + String.join(", ", frozen)));
        if (teacher != null) {
            s.append(line("teacher", teacher));
        }
        s.append(String.format(Locale.ROOT, "vocab     %d shared by vocab_size (student %d, teacher %d)%n",
                Math.min(studentVocab, teacherVocab), studentVocab, teacherVocab));
        return s.toString();
    }

    private static String line(String role, ModelShape m) {
        StringBuilder parts = new StringBuilder();
        m.parameters().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
                .forEach(e -> parts.append(parts.isEmpty() ? "" : ", ").append(e.getKey()).append(' ')
                        .append(String.format(Locale.ROOT, "%,d", e.getValue())));
        return String.format(Locale.ROOT, "%-9s %s: %,d parameters from config.json (%s)%n", role, m.modelType(),
                m.total(), parts);
    }
}
