package org.vlmdistill.vlmd.capacitygap;

import org.vlmdistill.datasets.hmm.HmmConfig;

import java.util.List;
import java.util.Map;

/**
 * How much the capacity-gap experiment does. Every method, teacher and seed shares one set of
 * hyper-parameters: within a seed, students start from the same weights and see the same batches, so
 * they differ in nothing but the loss and the teacher.
 *
 * @param trainRecords training records (teachers and students train on the same file)
 * @param testRecords  held-out records, scored against the truth
 * @param dataSeed     the hidden Markov process's seed
 * @param process      the process's shape
 * @param teacherSteps SFT steps of every teacher
 * @param studentSteps optimizer steps of every student
 * @param batchSize    samples per step, teachers and students
 * @param teacherLr    peak learning rate of the teachers' SFT
 * @param studentLr    peak learning rate of every student
 * @param seeds        student seeds: initial weights and batch order
 * @param methods      student methods ({@link #METHODS})
 * @param teachers     teacher shapes, smallest first
 * @param student      the student's shape
 */
public record CapacityGapSettings(int trainRecords, int testRecords, long dataSeed, HmmConfig process,
                                  int teacherSteps, int studentSteps, int batchSize, double teacherLr,
                                  double studentLr, List<Long> seeds, List<String> methods, List<Shape> teachers,
                                  Shape student) {
    /** A text-only Llama: {@code hidden} wide (4 heads over 2 kv heads, MLP twice as wide), {@code layers} deep. */
    public record Shape(String name, int hidden, int layers) {
    }

    /**
     * The methods and the run config's loss each means: TAID with its adaptive t, TAID with t on the
     * linear schedule ({@code "adaptive": false}), forward KL, reverse KL, skew KL (alpha 0.1); every
     * other loss field at its default.
     */
    public static final Map<String, Map<String, Object>> METHODS = Map.of(
            "taid", Map.of(), "taid_linear", Map.of("adaptive", false), "fkl", Map.of(), "rkl", Map.of(),
            "skew_kl", Map.of());

    public CapacityGapSettings {
        seeds = List.copyOf(seeds);
        methods = List.copyOf(methods);
        teachers = List.copyOf(teachers);
        if (seeds.isEmpty() || methods.isEmpty() || teachers.isEmpty()) {
            throw new IllegalArgumentException("the experiment needs at least one seed, method and teacher");
        }
        for (String m : methods) {
            if (!METHODS.containsKey(m)) {
                throw new IllegalArgumentException("method '" + m + "': expected one of taid, taid_linear, fkl, rkl, "
                        + "skew_kl");
            }
        }
    }

    /** The loss name a method's run config gives ({@code taid_linear} is TAID). */
    public static String lossName(String method) {
        return method.equals("taid_linear") ? "taid" : method;
    }

    /** Four teachers, five methods, three seeds: the experiment EXPERIMENTS.md reports. */
    public static CapacityGapSettings defaults() {
        return new CapacityGapSettings(4000, 400, 2026, HmmConfig.defaults(), 1500, 300, 32, 3e-3, 3e-3,
                List.of(1L, 2L, 3L), List.of("taid", "taid_linear", "fkl", "rkl", "skew_kl"),
                List.of(new Shape("teacher-xs", 24, 1), new Shape("teacher-s", 32, 2), new Shape("teacher-m", 64, 2),
                        new Shape("teacher-l", 128, 3)),
                new Shape("student", 16, 1));
    }

    /** {@code --quick}: two teachers, one seed, few steps; for a first look and the test suite. */
    public static CapacityGapSettings quick() {
        return new CapacityGapSettings(200, 20, 2026, HmmConfig.defaults(), 30, 5, 16, 3e-3, 3e-3, List.of(1L),
                List.of("taid", "taid_linear", "fkl", "rkl", "skew_kl"),
                List.of(new Shape("teacher-s", 24, 1), new Shape("teacher-m", 48, 2)), new Shape("student", 16, 1));
    }

    public CapacityGapSettings withStudentSteps(int steps) {
        return new CapacityGapSettings(trainRecords, testRecords, dataSeed, process, teacherSteps, steps, batchSize,
                teacherLr, studentLr, seeds, methods, teachers, student);
    }

    public CapacityGapSettings withTeacherSteps(int steps) {
        return new CapacityGapSettings(trainRecords, testRecords, dataSeed, process, steps, studentSteps, batchSize,
                teacherLr, studentLr, seeds, methods, teachers, student);
    }

    public CapacityGapSettings withSeeds(List<Long> s) {
        return new CapacityGapSettings(trainRecords, testRecords, dataSeed, process, teacherSteps, studentSteps,
                batchSize, teacherLr, studentLr, s, methods, teachers, student);
    }

    public CapacityGapSettings withMethods(List<String> m) {
        return new CapacityGapSettings(trainRecords, testRecords, dataSeed, process, teacherSteps, studentSteps,
                batchSize, teacherLr, studentLr, seeds, m, teachers, student);
    }
}
