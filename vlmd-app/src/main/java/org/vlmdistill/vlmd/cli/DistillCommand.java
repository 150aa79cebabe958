package org.vlmdistill.vlmd.cli;

import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.model.ModelDirectory;
import org.vlmdistill.distill.plan.RunPlan;
import org.vlmdistill.distill.plan.Target;
import org.vlmdistill.distill.plan.Targets;
import org.vlmdistill.distill.train.Checkpoints;
import org.vlmdistill.distill.train.Progress;
import org.vlmdistill.distill.train.RunConfig;
import org.vlmdistill.distill.train.Trainer;
import org.vlmdistill.distill.train.TrainingSetup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code vlmd distill --config run.json [--resume] [--dry-run]}: a distillation run (see the README's
 * "Run config" for every field).
 */
@Command(name = "distill", mixinStandardHelpOptions = true,
        description = "Distil a teacher VLM into a student with TAID or a baseline, from a JSON run config.")
final class DistillCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "The run config (JSON; fields in the README).")
    Path config;

    @Option(names = "--resume", description = "Continue from the newest complete checkpoint under the run's output.")
    boolean resume;

    @Option(names = "--dry-run", description = "Validate the config, models, data and alignment, print the plan, stop.")
    boolean dryRun;

    @Option(names = "--plan-device", paramLabel = "gpu:80GiB",
            description = "With --dry-run: plan the memory for this device (gpu:<size> computes in bf16, cpu:<size> in"
                    + " fp32) instead of the one the run config resolves to here.")
    String planDevice;

    @Option(names = "--plan-tiles", defaultValue = "1", paramLabel = "N",
            description = "With --dry-run: image tiles per sample the memory plan assumes (default ${DEFAULT-VALUE}).")
    int planTiles;

    @Option(names = "--progress", defaultValue = "auto",
            description = "auto (a bar on a terminal, lines otherwise), bar, lines or none (default ${DEFAULT-VALUE}).")
    String progress;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        RunConfig run = RunConfig.read(config);
        PrintWriter out = spec.commandLine().getOut();
        if (dryRun) {
            return dryRun(run, out);
        }
        // Ctrl-C (SIGINT) ends the JVM with 130 after its shutdown hooks: this one says what survives
        AtomicReference<Trainer> training = new AtomicReference<>();
        Thread interrupted = new Thread(() -> interrupted(run, training.get()), "vlmd-distill-interrupted");
        Runtime.getRuntime().addShutdownHook(interrupted);
        try (Trainer trainer = Trainer.open(run, resume, out)) {
            training.set(trainer);
            out.println(trainer.setup().plan());
            Progress bar = ProgressViews.training(progress, "distill", out, trainer.optimizerStep(),
                    trainer.totalSteps(), 10);
            Trainer.RunSummary s = trainer.run(bar);
            if (trainer.stopRequested()) {
                return Vlmd.EXIT_OK; // the JVM is shutting down (Ctrl-C): the hook reports, the exit status is 130
            }
            out.printf(Locale.ROOT, "done: %d steps, %d tokens, %d skipped, %.1f s (%.0f tokens/s); last checkpoint %s%n",
                    s.steps(), s.tokens(), s.skippedSteps(), s.seconds(), s.tokens() / Math.max(1e-9, s.seconds()),
                    s.lastCheckpoint());
            out.printf(Locale.ROOT, "data: %d samples, %d records skipped%s%n", s.samples(), s.skippedRecords(),
                    s.skippedRecords() == 0 ? "" : " (each named with its place and reason in " + s.skipped() + ")");
            out.flush();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(interrupted);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run
            }
        }
        return Vlmd.EXIT_OK;
    }

    /**
     * The plan and the memory estimate. Model directories without weights (published configs, models
     * larger than this machine) get the plan from their configs alone: parameter counts, vocabulary by
     * vocab_size, memory; data and tokenizers are then not read.
     */
    private int dryRun(RunConfig run, PrintWriter out) throws Exception {
        Target target = planDevice != null ? Targets.parse(planDevice)
                : Targets.of(ComputePolicy.of(run.compute(), "compute."));
        List<Path> withoutWeights = new ArrayList<>();
        if (!ModelDirectory.hasWeights(run.student())) {
            withoutWeights.add(run.student());
        }
        if (run.loss().needsTeacher() && run.teacherCache().isEmpty() && run.teacher().isPresent()
                && !ModelDirectory.hasWeights(run.teacher().get())) {
            withoutWeights.add(run.teacher().get());
        }
        if (!withoutWeights.isEmpty()) {
            RunPlan plan = RunPlan.of(run, target, planTiles);
            out.println("config only: no weights in " + withoutWeights + "; the plan comes from config.json alone"
                    + " (data, tokenizers and alignment are checked once the weights are there)");
            out.print(plan.describeModels());
            out.print(TrainingSetup.lossAndOptimizer(run));
            out.println(plan.memory().describe());
            out.println("dry run: configs are valid; nothing was trained");
            return Vlmd.EXIT_OK;
        }
        try (TrainingSetup setup = TrainingSetup.open(run, out)) {
            setup.verifyInputs();
            out.println(setup.plan());
            RunPlan plan = RunPlan.of(run, target, planTiles);
            out.println(plan.memory().describe());
            out.println("dry run: config, models, data and alignment are valid; nothing was trained");
        }
        return Vlmd.EXIT_OK;
    }

    /**
     * Where an interrupted run stands: its newest complete checkpoint and the command that continues it. A
     * run in progress is first asked to stop after its step, and waited for, so that no checkpoint lands
     * after the one named.
     */
    private void interrupted(RunConfig run, Trainer trainer) {
        PrintWriter err = spec.commandLine().getErr();
        if (trainer != null) {
            err.printf(Locale.ROOT, "%ninterrupted: finishing the step in progress%n");
            err.flush();
            trainer.requestStop();
            try {
                trainer.awaitFinished(STOP_WAIT);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Optional<Path> newest = new Checkpoints(run.output().resolve("checkpoints")).newest();
        String again = "vlmd distill --config " + config + " --resume";
        if (newest.isPresent()) {
            err.printf(Locale.ROOT, "%ninterrupted: the last complete checkpoint is %s (step %d); resume with: %s%n",
                    newest.get(), Checkpoints.stepOf(newest.get()), again);
        } else {
            err.printf(Locale.ROOT, "%ninterrupted before the first complete checkpoint; %s starts the run again%n", again);
        }
        err.flush();
    }

    /** How long Ctrl-C waits for the step in progress: a step of published-size models on 2 cores takes minutes. */
    private static final Duration STOP_WAIT = Duration.ofMinutes(10);
}
