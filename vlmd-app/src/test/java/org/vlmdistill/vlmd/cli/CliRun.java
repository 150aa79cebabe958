package org.vlmdistill.vlmd.cli;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

/** The CLI run in-process, as the launcher runs it, with what it printed and its exit code. */
record CliRun(int code, String out, String err) {

    static CliRun run(String... args) {
        CommandLine cl = Vlmd.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }
}
