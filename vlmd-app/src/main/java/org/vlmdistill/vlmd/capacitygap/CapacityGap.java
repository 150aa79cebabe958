package org.vlmdistill.vlmd.capacitygap;

import com.fasterxml.jackson.databind.JsonNode;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.datasets.hmm.HiddenMarkovProcess;
import org.vlmdistill.datasets.hmm.HmmDataset;
import org.vlmdistill.distill.train.MetricsLog;
import org.vlmdistill.distill.train.Progress;
import org.vlmdistill.tiny.TinyModels;
import org.vlmdistill.vlmd.capacitygap.CapacityGapSettings.Shape;
import org.vlmdistill.vlmd.demo.TrainingRun;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * The capacity-gap experiment (TAID paper, Figure 3) where the truth is known: a hidden Markov process
 * ({@link HiddenMarkovProcess}) gives text whose true next-token distribution is exact; teachers of
 * growing size are trained on it here by SFT; one small student is distilled from each with every
 * method over several seeds; every model is scored by its cross entropy against the truth
 * ({@link TruthScore}). Everything it writes is under {@code out}:
 * <pre>
 *   data/                          train.jsonl, test.jsonl, test_truth.json
 *   students/init-seedS/           each seed's untrained student (the same for every teacher and method)
 *   teachers/NAME-init/            each teacher's initial weights
 *   runs/NAME/teacher-sft(.json)   its SFT run (the trained teacher: checkpoints/step-N/model)
 *   runs/NAME/METHOD-seedS(.json)  each student's run (vlmd distill --config repeats it)
 *   capacity_gap.md, .json, .png, capacity_gap_loss.png, capacity_gap_taid_t.png
 * </pre>
 */
public final class CapacityGap {
    private CapacityGap() {
    }

    /** A run's curves from its metrics.jsonl: step, distillation loss, and TAID's t and dt (NaN without). */
    public record Curves(double[] step, double[] loss, double[] t, double[] dt) {
        static Curves read(Path metrics) throws IOException {
            List<JsonNode> lines = MetricsLog.read(metrics);
            int n = lines.size();
            double[] step = new double[n];
            double[] loss = new double[n];
            double[] t = new double[n];
            double[] dt = new double[n];
            for (int i = 0; i < n; i++) {
                JsonNode m = lines.get(i);
                step[i] = m.path("step").asDouble();
                loss[i] = m.path(m.has("distil") ? "distil" : "loss").asDouble(Double.NaN);
                t[i] = m.path("t").asDouble(Double.NaN);
                dt[i] = m.path("dt").asDouble(Double.NaN);
            }
            return new Curves(step, loss, t, dt);
        }
    }

    /** One student: its method, seed, score against the truth, training time and curves. */
    public record StudentRun(String method, long seed, TruthScore score, double seconds, Curves curves) {
    }

    /** One teacher: its shape, size, own score, SFT time, and its students. */
    public record TeacherResult(Shape shape, long parameters, TruthScore score, double seconds,
                                List<StudentRun> students) {
        public List<StudentRun> students(String method) {
            return students.stream().filter(s -> s.method().equals(method)).toList();
        }
    }

    /**
     * The experiment's outcome.
     *
     * @param untrained each seed's untrained student's score, in seed order
     * @param seconds   wall time of the whole run so far
     */
    public record Result(CapacityGapSettings settings, double truthEntropy, long studentParameters,
                         List<TruthScore> untrained, List<TeacherResult> teachers, double seconds) {
        public Result {
            untrained = List.copyOf(untrained);
            teachers = List.copyOf(teachers);
        }
    }

    /** The teachers' initial weights' seed; a student of seed S starts from seed 1000 + S. */
    public static final long TEACHER_SEED = 7;

    /**
     * Runs the whole experiment, writing the report after each teacher (so a long run shows what it has
     * so far); {@code progress} makes a training run's progress display from its name and step count.
     */
    public static Result run(CapacityGapSettings s, Path out, PrintWriter log,
                             BiFunction<String, Long, Progress> progress) throws IOException {
        long t0 = System.nanoTime();
        Path root = out.toAbsolutePath().normalize();
        Path data = root.resolve("data");
        log.printf("data: %d training and %d held-out records of the hidden Markov process (seed %d) in %s%n",
                s.trainRecords(), s.testRecords(), s.dataSeed(), data);
        log.flush();
        HmmDataset.Summary summary = HmmDataset.write(data, s.trainRecords(), s.testRecords(), s.dataSeed(), s.process());
        List<Path> train = List.of(data.resolve(HmmDataset.TRAIN_JSONL));
        List<String> words = TinyModels.vocabulary(HiddenMarkovProcess.words(s.process().vocabulary()));
        ComputePolicy policy = ComputePolicy.fromEnvironment();

        List<Path> initial = new ArrayList<>();
        List<TruthScore> untrained = new ArrayList<>();
        long studentParameters = 0;
        for (long seed : s.seeds()) {
            Path init = TinyModels.llama(root.resolve("students").resolve("init-seed" + seed), 1000 + seed,
                    s.student().hidden(), s.student().layers(), words);
            initial.add(init);
            TruthScore.Scored scored = TruthScore.of(init, data, policy);
            untrained.add(scored.score());
            studentParameters = scored.parameters();
        }
        List<TeacherResult> teachers = new ArrayList<>();
        for (Shape shape : s.teachers()) {
            Path runs = root.resolve("runs").resolve(shape.name());
            Path init = TinyModels.llama(root.resolve("teachers").resolve(shape.name() + "-init"), TEACHER_SEED,
                    shape.hidden(), shape.layers(), words);
            log.printf("%s (%d wide, %d layers): %d SFT steps of %d%n", shape.name(), shape.hidden(), shape.layers(),
                    s.teacherSteps(), s.batchSize());
            log.flush();
            TrainingRun.Result sft = new TrainingRun(runs.resolve("teacher-sft"), init, Optional.empty(), train, "sft",
                    Double.NaN, TEACHER_SEED, s.teacherSteps(), s.batchSize(), s.teacherLr(), false)
                    .train(log, progress.apply(shape.name(), (long) s.teacherSteps()));
            Path teacher = sft.model();
            TruthScore.Scored teacherScore = TruthScore.of(teacher, data, policy);
            log.printf("%s: CE %.4f against the truth (floor %.4f)%n", shape.name(),
                    teacherScore.score().crossEntropy(), teacherScore.score().entropy());
            List<StudentRun> students = new ArrayList<>();
            for (int i = 0; i < s.seeds().size(); i++) {
                long seed = s.seeds().get(i);
                for (String method : s.methods()) {
                    String name = method + "-seed" + seed;
                    log.printf("%s student %s: %d steps of %d%n", shape.name(), name, s.studentSteps(), s.batchSize());
                    log.flush();
                    TrainingRun.Result r = new TrainingRun(runs.resolve(name), initial.get(i), Optional.of(teacher),
                            train, CapacityGapSettings.lossName(method), Double.NaN, seed, s.studentSteps(),
                            s.batchSize(), s.studentLr(), false, CapacityGapSettings.METHODS.get(method))
                            .train(log, progress.apply(shape.name() + " " + name, (long) s.studentSteps()));
                    students.add(new StudentRun(method, seed, TruthScore.of(r.model(), data, policy).score(),
                            r.seconds(), Curves.read(r.metrics())));
                }
            }
            teachers.add(new TeacherResult(shape, teacherScore.parameters(), teacherScore.score(), sft.seconds(),
                    students));
            CapacityGapReport.write(new Result(s, summary.truthEntropy(), studentParameters, untrained, teachers,
                    (System.nanoTime() - t0) / 1e9), root);
        }
        Result result = new Result(s, summary.truthEntropy(), studentParameters, untrained, teachers,
                (System.nanoTime() - t0) / 1e9);
        CapacityGapReport.write(result, root);
        return result;
    }
}
