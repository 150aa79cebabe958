package org.vlmdistill.vlmd.demo;

import java.util.List;

/**
 * How much the demo does. Students of every loss start from the same weights for a given seed and see
 * the same batches in the same order (the run seed orders the data), so within a seed the losses differ
 * in nothing but the loss.
 *
 * @param trainRecords  Shapes training records (teacher and students train on the same file)
 * @param testRecords   held-out records after them: the benchmark (open questions, and their
 *                      multiple-choice forms where a kind has four options)
 * @param dataSeed      the Shapes generator's seed
 * @param teacherSteps  SFT steps of the second stage when the demo trains its own teacher ({@link Demo#trainTeacher})
 * @param studentSteps  optimizer steps of every student
 * @param batchSize     samples per step, teacher and students
 * @param teacherLr     peak learning rate of the teacher's SFT
 * @param studentLr     peak learning rate of every student
 * @param seeds         student seeds: initial weights and batch order
 * @param losses        student losses; {@code sft} needs no teacher
 */
public record DemoSettings(int trainRecords, int testRecords, long dataSeed, int teacherSteps, int studentSteps,
                           int batchSize, double teacherLr, double studentLr, List<Long> seeds, List<String> losses) {
    public DemoSettings {
        seeds = List.copyOf(seeds);
        losses = List.copyOf(losses);
        if (seeds.isEmpty() || losses.isEmpty()) {
            throw new IllegalArgumentException("the demo needs at least one seed and one loss");
        }
    }

    /**
     * The full demo: three seeds, so the table can give a mean and a spread. 20,000 training records, so a
     * student (1,000 steps of 16) sees no record twice.
     */
    public static DemoSettings full() {
        return new DemoSettings(20_000, 400, 2026, TEACHER_STEPS, 1000, 16, TEACHER_LR, 3e-3, List.of(1L, 2L, 3L),
                List.of("taid", "fkl", "sft"));
    }

    /** {@code --quick}: one seed, fewer records, steps and test items; for a first look and the test suite. */
    public static DemoSettings quick() {
        return new DemoSettings(4000, 200, 2026, TEACHER_STEPS, 300, 16, TEACHER_LR, 3e-3, List.of(1L),
                List.of("taid", "fkl", "sft"));
    }

    /** Conversations the teacher trains on (five to six questions each; {@link Demo#trainTeacher}). */
    public static final int TEACHER_CONVERSATIONS = 30_000;
    /** SFT steps of the teacher's first stage, on the conversations alone. */
    public static final int TEACHER_CONVERSATION_STEPS = 4000;
    /**
     * SFT steps of the teacher's second stage ({@link DemoTeacher#RETRAIN}), on the conversations and the
     * students' training files, at {@link #TEACHER_FINISH_LR}.
     */
    public static final int TEACHER_STEPS = 1000;
    /**
     * Peak learning rate of the teacher's first stage. Probes (conversations, 1,000 steps of 16): 5e-4 gave
     * 62.5% on the held-out open questions, 1e-3 46.75% (the answer prior: 43.0%); on colour questions
     * alone 2e-3 left the answer loss at chance for 2,000 steps.
     */
    public static final double TEACHER_LR = 5e-4;
    /** Peak learning rate of the second stage: lower, so the first stage's skills stay while the formats are learned. */
    public static final double TEACHER_FINISH_LR = 2e-4;

    public DemoSettings withStudentSteps(int steps) {
        return new DemoSettings(trainRecords, testRecords, dataSeed, teacherSteps, steps, batchSize, teacherLr,
                studentLr, seeds, losses);
    }

    public DemoSettings withTeacherSteps(int steps) {
        return new DemoSettings(trainRecords, testRecords, dataSeed, steps, studentSteps, batchSize, teacherLr,
                studentLr, seeds, losses);
    }

    public DemoSettings withSeeds(List<Long> s) {
        return new DemoSettings(trainRecords, testRecords, dataSeed, teacherSteps, studentSteps, batchSize, teacherLr,
                studentLr, s, losses);
    }

    public DemoSettings withLosses(List<String> l) {
        return new DemoSettings(trainRecords, testRecords, dataSeed, teacherSteps, studentSteps, batchSize, teacherLr,
                studentLr, seeds, l);
    }

    public DemoSettings withStudentLr(double lr) {
        return new DemoSettings(trainRecords, testRecords, dataSeed, teacherSteps, studentSteps, batchSize, teacherLr,
                lr, seeds, losses);
    }
}
