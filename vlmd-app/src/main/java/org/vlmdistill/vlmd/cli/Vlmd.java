package org.vlmdistill.vlmd.cli;

import org.vlmdistill.core.config.ConfigException;
import org.vlmdistill.core.io.DirectoryInUseException;
import org.vlmdistill.core.text.TerminalText;
import org.vlmdistill.core.device.DjlRuntime;
import org.vlmdistill.core.device.Versions;
import org.vlmdistill.core.model.UnsupportedModelException;
import org.vlmdistill.core.model.WeightsMismatchException;
import org.vlmdistill.core.safetensors.SafetensorsException;
import org.vlmdistill.datasets.batch.SkipSampleException;
import org.vlmdistill.datasets.read.SkipReason;
import org.vlmdistill.datasets.template.TemplateLimitException;
import org.vlmdistill.datasets.template.TemplateSyntaxException;
import org.vlmdistill.datasets.tokenizer.AlignmentException;
import org.vlmdistill.distill.teacher.CacheFormatException;
import org.vlmdistill.distill.train.RunConfigException;
import org.vlmdistill.distill.train.UnusableDataException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.Map;

/**
 * {@code vlmd}: the command line of vlm-distill. Exit codes: 0 ok, 2 bad usage or config,
 * 1 run failure; errors name the file, record or field.
 */
@Command(name = "vlmd", mixinStandardHelpOptions = true, versionProvider = Vlmd.Version.class,
        description = "Distil a large vision-language model into a compact one with TAID.",
        subcommands = {DemoCommand.class, DistillCommand.class, EvalCommand.class, TeacherLogitsCommand.class, DataCommand.class, BenchCommand.class,
                InspectCommand.class, GenerateCommand.class,
                CommandLine.HelpCommand.class})
public final class Vlmd implements Runnable {
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILURE = 1;
    public static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the CLI and returns its exit code (used by main and by the tests). */
    public static int execute(String... args) {
        DjlRuntime.ensureOffline();
        return commandLine().execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Vlmd());
        cl.setExitCodeExceptionMapper(Vlmd::exitCode);
        cl.setParameterExceptionHandler((e, args) -> {
            CommandLine cmd = e.getCommandLine();
            PrintWriter err = cmd.getErr();
            if (e instanceof CommandLine.UnmatchedArgumentException u && cmd.getCommandSpec().subcommands().size() > 0
                    && !u.getUnmatched().isEmpty() && !u.getUnmatched().getFirst().startsWith("-")) {
                err.println(cmd.getCommandName() + ": unknown command '" + u.getUnmatched().getFirst()
                        + "'; commands: " + String.join(", ", cmd.getSubcommands().keySet()));
            } else {
                err.println(cmd.getCommandSpec().qualifiedName() + ": " + e.getMessage());
            }
            err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help'.");
            return EXIT_USAGE;
        });
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            PrintWriter err = cmd.getErr();
            String name = cmd.getCommandSpec().qualifiedName();
            // messages quote data (record ids, paths, template text): printed escaped
            err.println(name + ": " + TerminalText.escapeKeepingLines(String.valueOf(e.getMessage())));
            int code = exitCode(e);
            if (code == EXIT_FAILURE && Boolean.getBoolean("vlmd.trace")) {
                e.printStackTrace(err);
            }
            return code;
        });
        return cl;
    }

    /**
     * The one mapping from what a command throws to its exit code. Exit 2, the caller's to fix: bad
     * flags ({@link UsageException}, picocli's), a run config that does not validate or does not fit
     * this machine ({@link RunConfigException}: a field, a missing file or directory, an unusable output),
     * a model directory that does not load (a config no family builds, tensors that do not fit the config,
     * a malformed safetensors file, a chat template that does not parse or passes the template engine's
     * nesting, recursion or output limits, tokenizers that disagree, a
     * tokenizer giving ids past the config's vocab_size), a
     * teacher cache that fails its checks and a run's data with no usable sample or more skipped records than
     * {@code max_skipped_share} allows ({@link UnusableDataException}), also when another thread's exception
     * wraps it (a prefetched
     * batch). Everything else is a failure at run time: exit 1.
     */
    static int exitCode(Throwable e) {
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            if (usage(c)) {
                return EXIT_USAGE;
            }
        }
        return usage(e) ? EXIT_USAGE : EXIT_FAILURE;
    }

    private static boolean usage(Throwable e) {
        return switch (e) {
            case CommandLine.ParameterException p -> true;
            case UsageException u -> true;
            case RunConfigException r -> true;
            case ConfigException c -> true;
            case UnsupportedModelException u -> true;
            case WeightsMismatchException w -> true;
            case SafetensorsException s -> true;
            case TemplateSyntaxException t -> true;
            case TemplateLimitException t -> true; // a template nesting or recursing past the engine's limits
            case AlignmentException a -> true;
            case CacheFormatException c -> true;
            case SkipSampleException s when s.reason() == SkipReason.TOKEN_OUT_OF_VOCABULARY -> true;
            case DirectoryInUseException d -> true; // another run holds the output: wait, or choose another
            case UnusableDataException u -> true; // no usable sample, or more skipped than max_skipped_share
            default -> false;
        };
    }

    /** A mistake of the caller (bad flag value, unreadable config): exit code 2. */
    public static final class UsageException extends RuntimeException {
        public UsageException(String message) {
            super(message);
        }
    }

    /** vlmd's, DJL's, libtorch's and Java's versions ({@link Versions}, as a run's provenance records them). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            Versions v = Versions.current();
            return new String[] {
                "vlmd " + v.vlmd(),
                "DJL " + v.djl() + ", libtorch " + v.libtorch() + ", Java " + v.java()
            };
        }

        /** vlmd, DJL, libtorch and Java versions, for reports that must say what produced them. */
        static Map<String, String> versions() {
            return Versions.current().asMap();
        }
    }
}
