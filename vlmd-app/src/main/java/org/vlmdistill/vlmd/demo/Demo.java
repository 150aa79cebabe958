package org.vlmdistill.vlmd.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.vlmdistill.core.io.AtomicFiles;
import org.vlmdistill.datasets.record.Turn;
import org.vlmdistill.datasets.shapes.MultipleChoice;
import org.vlmdistill.datasets.shapes.ShapesDataset;
import org.vlmdistill.datasets.shapes.ShapesGenerator;
import org.vlmdistill.datasets.shapes.ShapesSample;
import org.vlmdistill.distill.loss.LossConfig;
import org.vlmdistill.eval.bench.Choice;
import org.vlmdistill.eval.bench.Prompts;
import org.vlmdistill.datasets.shapes.ShapesSummary;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.datasets.image.ImageDecoder;
import org.vlmdistill.datasets.read.ReaderOptions;
import org.vlmdistill.distill.train.Progress;
import org.vlmdistill.eval.bench.Benchmarks;
import org.vlmdistill.eval.report.ReportFiles;
import org.vlmdistill.eval.result.EvalReport;
import org.vlmdistill.eval.result.EvalSettings;
import org.vlmdistill.eval.result.ScoringMode;
import org.vlmdistill.eval.run.EvalJob;
import org.vlmdistill.eval.run.EvalProgress;
import org.vlmdistill.tiny.TinyModels;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.LinkedHashMap;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The embedded default, step by step: Shapes data, the teacher, one student per loss and seed, then
 * (in {@link DemoReport}) evaluation and the report. Every directory it writes is under {@code out}:
 * <pre>
 *   data/                     Shapes: images/, train.jsonl, train_mcq.jsonl, test.jsonl, test.tsv, test_mcq.tsv
 *   teacher/                  the teacher (HF directory)
 *   students/init-seedS/      each seed's untrained student (HF directory)
 *   runs/LOSS-seedS.json      each student's run config (vlmd distill --config repeats it)
 *   runs/LOSS-seedS/          its run: metrics.jsonl, plots/, checkpoints/step-N/model
 * </pre>
 */
public final class Demo {
    private final DemoSettings settings;
    private final Path out;
    private final Path dataDir;
    private final PrintWriter log;

    public Demo(DemoSettings settings, Path out, PrintWriter log) {
        this(settings, out, out.resolve("data"), log);
    }

    /** A demo whose Shapes files are in {@code dataDir} (shared by several demos, e.g. one per teacher). */
    public Demo(DemoSettings settings, Path out, Path dataDir, PrintWriter log) {
        this.settings = settings;
        this.out = out.toAbsolutePath().normalize();
        this.dataDir = dataDir.toAbsolutePath().normalize();
        this.log = log;
    }

    public DemoSettings settings() {
        return settings;
    }

    public Path out() {
        return out;
    }

    public Path dataDir() {
        return dataDir;
    }

    /**
     * Writes the Shapes set (train, then held-out test) and {@link #TRAIN_MCQ_JSONL}: the multiple-choice
     * forms of the training records whose kind has them, in the prompt evaluation shows, so that a model
     * learns to answer with a letter. Returns the set's summary.
     */
    public DataSummary writeData() throws IOException {
        ShapesSummary summary = ShapesDataset.write(dataDir(), settings.trainRecords(), settings.testRecords(),
                settings.dataSeed(), DemoModels.shapes());
        ShapesGenerator generator = new ShapesGenerator(DemoModels.shapes(), settings.dataSeed());
        ObjectMapper json = new ObjectMapper();
        int mcqCount = 0;
        try (AtomicFiles.TextFile file = AtomicFiles.openText(dataDir().resolve(TRAIN_MCQ_JSONL),
                AtomicFiles.Durability.NO_SYNC)) {
            for (ShapesSample sample : (Iterable<ShapesSample>) generator.samples(0, settings.trainRecords())::iterator) {
                Optional<MultipleChoice> mcq = generator.multipleChoice(sample);
                if (mcq.isEmpty()) {
                    continue;
                }
                List<Choice> choices = new ArrayList<>();
                for (int i = 0; i < MultipleChoice.LETTERS.size(); i++) {
                    choices.add(new Choice(MultipleChoice.LETTERS.get(i), mcq.get().options().get(i)));
                }
                ObjectNode line = json.createObjectNode();
                line.put("id", sample.id() + "-mcq");
                line.put("image", ShapesDataset.imagePath(sample));
                ArrayNode turns = line.putArray("conversations");
                turns.addObject().put("from", "human").put("value",
                        Turn.IMAGE_PLACEHOLDER + "\n" + Prompts.multipleChoice(sample.question(), choices));
                turns.addObject().put("from", "gpt").put("value", mcq.get().answer());
                line.put("kind", sample.kind().label());
                file.writeLine(json.writeValueAsString(line));
                mcqCount++;
            }
            file.commit();
        }
        return new DataSummary(summary, mcqCount);
    }

    /** What {@link #writeData} wrote: the Shapes set and how many multiple-choice training records. */
    public record DataSummary(ShapesSummary shapes, int trainMultipleChoice) {
    }

    /**
     * The whole demo: data, the teacher (the shipped one, or trained here with {@code trainTeacher}),
     * the students, evaluation, the report. {@code progress} makes a training run's progress display from
     * its name and step count.
     */
    public DemoResult run(boolean trainTeacher, BiFunction<String, Long, Progress> progress, EvalProgress evalProgress,
                          Map<String, String> versions) throws IOException {
        Map<String, Double> seconds = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        log.printf("data: writing %d training and %d held-out Shapes records to %s%n", settings.trainRecords(),
                settings.testRecords(), dataDir());
        log.flush();
        DataSummary data = writeData();
        seconds.put("data", lap(t0));
        long t1 = System.nanoTime();
        Path teacher = out.resolve("teacher");
        String origin;
        if (trainTeacher || !DemoTeacher.shipped()) {
            trainTeacher(teacher, TEACHER_SEED, progress.apply("teacher", (long) settings.teacherSteps()));
            origin = String.format(Locale.ROOT, "trained by this run (%d + %d SFT steps of %d samples, %.0f s)",
                    DemoSettings.TEACHER_CONVERSATION_STEPS, settings.teacherSteps(), settings.batchSize(), lap(t1));
            seconds.put("teacher", lap(t1));
        } else {
            DemoTeacher.copyTo(teacher);
            origin = "shipped with vlmd (" + DemoTeacher.RETRAIN + " re-trains it)";
            log.println("teacher: the one shipped with vlmd, copied to " + teacher);
        }
        long t2 = System.nanoTime();
        List<TrainingRun.Result> students = trainStudents(teacher,
                name -> progress.apply(name, (long) settings.studentSteps()));
        seconds.put("students", lap(t2));
        long t3 = System.nanoTime();
        log.println("evaluation: teacher and students on " + dataDir().resolve(ShapesDataset.TEST_TSV) + " and "
                + dataDir().resolve(ShapesDataset.TEST_MCQ_TSV));
        log.flush();
        EvalReport eval = evaluate(teacher, students, evalProgress, versions);
        seconds.put("evaluation", lap(t3));
        return new DemoResult(settings, data.trainMultipleChoice(), teacher, origin, students, eval,
                DemoSummary.of(eval, settings), seconds);
    }

    /** The teacher's initial weights' seed. */
    public static final long TEACHER_SEED = 7;

    private static double lap(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    /** The training files every run reads: the open questions, then their multiple-choice forms. */
    public List<Path> trainingFiles() {
        return List.of(dataDir().resolve(ShapesDataset.TRAIN_JSONL), dataDir().resolve(TRAIN_MCQ_JSONL));
    }

    public static final String TRAIN_MCQ_JSONL = "train_mcq.jsonl";

    /**
     * Trains a teacher from random weights by SFT in two stages: {@link DemoSettings#TEACHER_CONVERSATION_STEPS}
     * steps on {@link DemoSettings#TEACHER_CONVERSATIONS} Shapes conversations (one scene, a question of every
     * askable kind about it; {@link ShapesDataset#writeConversations}) written to {@code data/teacher/} from the
     * data seed + 1 (run {@code runs/teacher-conversations}), then {@code settings.teacherSteps()} steps at a
     * lower rate on the conversations and the students' training files (run {@code runs/teacher-sft}), so it
     * meets the single questions and the multiple-choice form it is evaluated and distilled on. The model is
     * copied to {@code dir}. Why conversations: a teacher of this size trained on single questions stayed near
     * the answer prior (10,000 steps of 16: 47.25% against a prior of 43.0%), as each image taught it one
     * answer; five or six answers an image teach the tower what every shape is and where (4,000 steps: 73.0%).
     */
    public TrainingRun.Result trainTeacher(Path dir, long seed, Progress progress) throws IOException {
        return trainTeacher(dir, seed, DemoModels.teacher(), progress);
    }

    /** {@link #trainTeacher(Path, long, Progress)} for a teacher of shape {@code spec}. */
    public TrainingRun.Result trainTeacher(Path dir, long seed, TinyModels.Spec spec, Progress progress)
            throws IOException {
        Path init = out.resolve("students").resolve("teacher-init");
        TinyModels.idefics3(init, seed, spec);
        Path data = dataDir().resolve(TEACHER_DATA_DIR);
        log.printf("teacher: writing %d Shapes conversations to %s%n", DemoSettings.TEACHER_CONVERSATIONS, data);
        log.flush();
        ShapesDataset.writeConversations(data, DemoSettings.TEACHER_CONVERSATIONS, settings.dataSeed() + 1,
                DemoModels.shapes());
        Path conversations = data.resolve(ShapesDataset.CONVERSATIONS_JSONL);
        int steps = DemoSettings.TEACHER_CONVERSATION_STEPS;
        log.printf("teacher: %d SFT steps on the conversations%n", steps);
        log.flush();
        TrainingRun first = new TrainingRun(out.resolve("runs").resolve("teacher-conversations"), init,
                Optional.empty(), List.of(conversations), "sft", Double.NaN, seed, steps, settings.batchSize(),
                settings.teacherLr(), false);
        Path afterFirst = first.train(log, Progress.lines(log, steps, Math.max(1, steps / 20))).model();
        List<Path> files = new ArrayList<>(List.of(conversations));
        files.addAll(trainingFiles());
        log.printf("teacher: %d SFT steps on the conversations and the students' training files%n",
                settings.teacherSteps());
        log.flush();
        TrainingRun run = new TrainingRun(out.resolve("runs").resolve("teacher-sft"), afterFirst, Optional.empty(),
                files, "sft", Double.NaN, seed, settings.teacherSteps(), settings.batchSize(),
                DemoSettings.TEACHER_FINISH_LR, false);
        TrainingRun.Result r = run.train(log, progress);
        copyDirectory(r.model(), dir);
        return r;
    }

    /** Where {@link #trainTeacher} writes its conversations, under the data directory. */
    public static final String TEACHER_DATA_DIR = "teacher";

    /**
     * Every student: for each seed, one initial student, then one run per loss from it.
     * {@code progress} makes each run's progress display from its name ({@code taid-seed1}).
     */
    public List<TrainingRun.Result> trainStudents(Path teacher, Function<String, Progress> progress) throws IOException {
        List<TrainingRun.Result> results = new ArrayList<>();
        for (long seed : settings.seeds()) {
            Path init = DemoModels.writeStudent(out.resolve("students").resolve("init-seed" + seed), 1000 + seed);
            for (String loss : settings.losses()) {
                String name = runName(loss, seed);
                TrainingRun run = new TrainingRun(out.resolve("runs").resolve(name), init,
                        LossConfig.defaults(loss).needsTeacher() ? Optional.of(teacher) : Optional.empty(),
                        trainingFiles(), loss, Double.NaN, seed,
                        settings.studentSteps(), settings.batchSize(), settings.studentLr(), false);
                log.printf("student %s: %d steps of %d samples%n", name, settings.studentSteps(), settings.batchSize());
                log.flush();
                results.add(run.train(log, progress.apply(name)));
            }
        }
        return results;
    }

    /**
     * Teacher, the first seed's untrained student, and every trained student on the held-out open
     * questions (generation, exact match) and their multiple-choice forms (generation and option
     * log-likelihood), with each student's agreement with the teacher; the report goes to {@code eval/}.
     */
    public EvalReport evaluate(Path teacher, List<TrainingRun.Result> students, EvalProgress progress,
                               Map<String, String> versions) throws IOException {
        List<Path> models = new ArrayList<>(List.of(teacher,
                out.resolve("students").resolve("init-seed" + settings.seeds().getFirst())));
        List<String> names = new ArrayList<>(List.of(TEACHER, UNTRAINED));
        for (TrainingRun.Result r : students) {
            models.add(r.model());
            names.add(runName(r.run().loss(), r.run().seed()));
        }
        ComputePolicy policy = ComputePolicy.fromEnvironment();
        EvalSettings eval = new EvalSettings(List.of(ScoringMode.GENERATE, ScoringMode.LOGLIK), 0, false, 0, 16,
                policy.computeDType().name().toLowerCase(Locale.ROOT), policy.device().toString());
        EvalJob.Request request = new EvalJob.Request(models, names,
                List.of(new Benchmarks.Spec(dataDir().resolve(ShapesDataset.TEST_TSV), Optional.empty()),
                        new Benchmarks.Spec(dataDir().resolve(ShapesDataset.TEST_MCQ_TSV), Optional.empty())),
                eval, true);
        EvalReport report = EvalJob.run(request, policy, ReaderOptions.DEFAULTS, new ImageDecoder(), versions, progress);
        ReportFiles.writeAll(report, out.resolve("eval"));
        return report;
    }

    public static final String TEACHER = "teacher";
    public static final String UNTRAINED = "student-untrained";

    public static String runName(String loss, long seed) {
        return loss + "-seed" + seed;
    }

    static void copyDirectory(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path f : files.toList()) {
                if (Files.isRegularFile(f)) {
                    Files.copy(f, to.resolve(f.getFileName().toString()),
                            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
