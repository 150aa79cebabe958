package org.vlmdistill.vlmd.cli;

import org.vlmdistill.core.text.TerminalText;
import org.vlmdistill.core.io.DirectoryInUseException;
import org.vlmdistill.core.device.DjlRuntime;
import org.vlmdistill.core.device.Versions;
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
        cl.setExitCodeExceptionMapper(e -> e instanceof CommandLine.ParameterException ? EXIT_USAGE
                : e instanceof UsageException || e instanceof DirectoryInUseException ? EXIT_USAGE : EXIT_FAILURE);
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
            if (e instanceof UsageException || e instanceof DirectoryInUseException) {
                return EXIT_USAGE;
            }
            if (Boolean.getBoolean("vlmd.trace")) {
                e.printStackTrace(err);
            }
            return EXIT_FAILURE;
        });
        return cl;
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
