package org.vlmdistill.distill.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * The embedded default. Not built yet: it says so plainly instead of pretending, and names the
 * pieces that exist today.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "The embedded default: Shapes data, a small teacher, students by TAID and baselines, "
                + "evaluation and a report. (Not there yet: see the message.)")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--out", description = "Directory for the report (default: ${DEFAULT-VALUE}).", defaultValue = "vlmd-out/demo")
    Path out;

    @Option(names = "--quick", description = "A short run for tests and a first look.")
    boolean quick;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getOut().println("""
                vlmd demo: the demo is not there yet.
                It needs the distillation and evaluation pieces, which are still being built.
                Nothing was trained or written to %s.
                What works today: `./vlmd data synth --out DIR` (the Shapes set the demo will use),
                `./vlmd data check FILE...` and `./vlmd data show --model DIR FILE` (data sets as training reads them),
                `./vlmd inspect --model DIR` (family, parameters per component, tokenizer, image tokens),
                `./vlmd generate --model DIR --image FILE --prompt TEXT` (SmolVLM/Idefics3, LLaVA, Llama, Qwen2)
                and `./vlmd bench ...` (loading, decoding, attention and training-step speed; see BENCHMARKS.md).""".formatted(out));
        spec.commandLine().getOut().flush();
        return Vlmd.EXIT_OK;
    }
}
