package org.vlmdistill.vlmd.cli;

import org.vlmdistill.core.io.DirectoryLock;
import org.vlmdistill.vlmd.capacitygap.CapacityGap;
import org.vlmdistill.vlmd.capacitygap.CapacityGapReport;
import org.vlmdistill.vlmd.capacitygap.CapacityGapSettings;
import org.vlmdistill.vlmd.demo.Demo;
import org.vlmdistill.vlmd.demo.DemoReport;
import org.vlmdistill.vlmd.demo.DemoResult;
import org.vlmdistill.vlmd.demo.DemoSettings;
import org.vlmdistill.vlmd.demo.DemoTeacher;
import org.vlmdistill.distill.train.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code vlmd demo}: the embedded default. Shapes data, the shipped Idefics3 teacher, a much smaller
 * student distilled with TAID and with KL and SFT as baselines (same data, steps and initial weights),
 * evaluation of them all in both scoring modes, agreement with the teacher, a table and a report.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "The embedded default: Shapes data, a small Idefics3 teacher, a much smaller student distilled "
                + "with TAID and with KL and SFT as baselines, evaluation in both scoring modes, and a report.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--out", description = "Directory for everything the demo writes (default: ${DEFAULT-VALUE}).",
            defaultValue = "vlmd-out/demo")
    Path out;

    @Option(names = "--quick", description = "One seed, 300 steps, 200 test items (under 2 minutes on 2 cores).")
    boolean quick;

    @Option(names = "--steps", description = "Optimizer steps of every student (default: 1000, or 300 with --quick).")
    Integer steps;

    @Option(names = "--seeds", split = ",", description = "Student seeds (default: 1,2,3, or 1 with --quick).")
    List<Long> seeds;

    @Option(names = "--losses", split = ",", description = "Student losses (default: taid,fkl,sft).")
    List<String> losses;

    @Option(names = "--train-teacher", description = "Train the teacher here (SFT from random weights) instead of "
            + "using the shipped one.")
    boolean trainTeacher;

    @Option(names = "--teacher-only", description = "With --train-teacher: stop once the teacher is trained.")
    boolean teacherOnly;

    @Option(names = "--teacher-steps", description = "SFT steps of the second stage of a teacher trained here (default "
            + DemoSettings.TEACHER_STEPS + ", after " + DemoSettings.TEACHER_CONVERSATION_STEPS + " on conversations).")
    Integer teacherSteps;

    @Option(names = "--experiment", description = "capacity-gap: text whose true next-token distribution is known "
            + "(a hidden Markov process), four text-only teachers of growing size trained here, one small student "
            + "distilled from each with TAID (adaptive and linear t), KL, reverse KL and skew KL over three seeds, "
            + "every model scored by cross entropy against the truth. --quick (2 teachers, 1 seed, few steps), "
            + "--steps, --seeds, --losses (methods: taid, taid_linear, fkl, rkl, skew_kl) and --teacher-steps apply.")
    String experiment;

    @Option(names = "--report-only", description = "With --experiment capacity-gap: redraw the report (tables and "
            + "plots) from the capacity_gap.json already in --out, without training.")
    boolean reportOnly;

    @Option(names = "--progress", defaultValue = "auto",
            description = "auto (a bar on a terminal, lines otherwise), bar, lines or none (default ${DEFAULT-VALUE}).")
    String progress;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        if (experiment != null && !experiment.equals("capacity-gap")) {
            throw new Vlmd.UsageException("--experiment: '" + experiment + "' is not capacity-gap");
        }
        if (reportOnly && experiment == null) {
            throw new Vlmd.UsageException("--report-only needs --experiment capacity-gap");
        }
        if (experiment != null) {
            if (trainTeacher || teacherOnly) {
                throw new Vlmd.UsageException("--experiment trains its own teachers; --train-teacher and --teacher-only "
                        + "do not apply");
            }
            return capacityGap(stdout);
        }
        DemoSettings s = quick ? DemoSettings.quick() : DemoSettings.full();
        if (steps != null) {
            if (steps < 1) {
                throw new Vlmd.UsageException("--steps must be at least 1");
            }
            s = s.withStudentSteps(steps);
        }
        if (seeds != null) {
            s = s.withSeeds(seeds);
        }
        if (losses != null) {
            s = s.withLosses(losses);
        }
        if (teacherSteps != null) {
            s = s.withTeacherSteps(teacherSteps);
        }
        if (teacherOnly && !trainTeacher) {
            throw new Vlmd.UsageException("--teacher-only needs --train-teacher");
        }
        // held for the whole demo, taken before the check so that two demos cannot both pass it
        try (DirectoryLock lock = DirectoryLock.acquire(out, "vlmd demo")) {
            lock.tookOverNote().ifPresent(stdout::println);
            if (Files.isDirectory(out.resolve("runs")) || Files.exists(out.resolve("capacity_gap.md"))) {
                throw new Vlmd.UsageException(out + " already holds a demo run; remove it or pass another --out");
            }
            return demo(s, stdout);
        }
    }

    private Integer capacityGap(PrintWriter stdout) throws Exception {
        if (reportOnly) {
            Path json = out.resolve(CapacityGapReport.JSON_FILE);
            if (!Files.isRegularFile(json)) {
                throw new Vlmd.UsageException("--report-only: no " + json);
            }
            CapacityGap.Result r = CapacityGapReport.read(json);
            CapacityGapReport.write(r, out);
            stdout.print(CapacityGapReport.markdown(r));
            stdout.println("report: " + out.resolve(CapacityGapReport.MARKDOWN) + " (redrawn)");
            stdout.flush();
            return Vlmd.EXIT_OK;
        }
        CapacityGapSettings s = quick ? CapacityGapSettings.quick() : CapacityGapSettings.defaults();
        if (steps != null) {
            if (steps < 1) {
                throw new Vlmd.UsageException("--steps must be at least 1");
            }
            s = s.withStudentSteps(steps);
        }
        if (teacherSteps != null) {
            if (teacherSteps < 1) {
                throw new Vlmd.UsageException("--teacher-steps must be at least 1");
            }
            s = s.withTeacherSteps(teacherSteps);
        }
        if (seeds != null) {
            s = s.withSeeds(seeds);
        }
        if (losses != null) {
            try {
                s = s.withMethods(losses);
            } catch (IllegalArgumentException e) {
                throw new Vlmd.UsageException("--losses: " + e.getMessage());
            }
        }
        try (DirectoryLock lock = DirectoryLock.acquire(out, "vlmd demo")) {
            lock.tookOverNote().ifPresent(stdout::println);
            if (Files.exists(out.resolve(CapacityGapReport.MARKDOWN)) || Files.isDirectory(out.resolve("runs"))) {
                throw new Vlmd.UsageException(out + " already holds a run; remove it or pass another --out");
            }
            CapacityGap.Result r = CapacityGap.run(s, out, stdout, (name, total) -> progress(name, total, stdout));
            stdout.println();
            stdout.print(CapacityGapReport.markdown(r));
            stdout.println("report: " + out.resolve(CapacityGapReport.MARKDOWN) + ", plot: "
                    + out.resolve(CapacityGapReport.PLOT));
            stdout.flush();
            return Vlmd.EXIT_OK;
        }
    }

    private Integer demo(DemoSettings s, PrintWriter stdout) throws Exception {
        Demo demo = new Demo(s, out, stdout);
        if (teacherOnly) {
            demo.writeData();
            Path teacher = demo.out().resolve("teacher");
            long t0 = System.nanoTime();
            demo.trainTeacher(teacher, Demo.TEACHER_SEED, progress("teacher", s.teacherSteps(), stdout));
            stdout.printf(Locale.ROOT, "teacher: %d + %d steps in %.0f s, written to %s%n",
                    DemoSettings.TEACHER_CONVERSATION_STEPS, s.teacherSteps(), (System.nanoTime() - t0) / 1e9, teacher);
            stdout.println("to ship it: cp " + teacher + "/{" + String.join(",", DemoTeacher.FILES)
                    + "} vlmd-app/src/main/resources" + DemoTeacher.RESOURCES);
            stdout.flush();
            return Vlmd.EXIT_OK;
        }
        DemoResult result = demo.run(trainTeacher, (name, total) -> progress(name, total, stdout),
                ProgressViews.evaluation(progress, stdout), Vlmd.Version.versions());
        List<Path> written = DemoReport.write(result, demo.out());
        stdout.println();
        stdout.print(DemoReport.table(result.summary()));
        stdout.println();
        DemoReport.comparisons(result.summary()).forEach(stdout::println);
        stdout.println("report: " + written.stream().filter(p -> p.getFileName().toString().startsWith("report"))
                .map(Path::toString).reduce((a, b) -> a + ", " + b).orElse(""));
        stdout.flush();
        return Vlmd.EXIT_OK;
    }

    private Progress progress(String task, long total, PrintWriter stdout) {
        return ProgressViews.training(progress, task, stdout, 0, total, 100);
    }
}
