package org.vlmdistill.vlmd.cli;

import org.vlmdistill.core.text.TerminalText;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.datasets.image.ImageDecodeException;
import org.vlmdistill.datasets.image.ImageDecoder;
import org.vlmdistill.datasets.batch.SkipSampleException;
import org.vlmdistill.datasets.read.SkipReason;
import org.vlmdistill.datasets.record.ImageSource;
import org.vlmdistill.datasets.record.Provenance;
import org.vlmdistill.datasets.record.Role;
import org.vlmdistill.datasets.record.Turn;
import org.vlmdistill.datasets.sample.Conversation;
import org.vlmdistill.datasets.sample.ConversationImages;
import org.vlmdistill.datasets.sample.ModelInput;
import org.vlmdistill.decoder.generate.Generation;
import org.vlmdistill.decoder.generate.GenerationSettings;
import org.vlmdistill.eval.run.EvalModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** One answer from a model: its chat template, its image processor, greedy or seeded sampling. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "One answer to a prompt (and an image) with the model's own chat template.")
final class GenerateCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "A Hugging Face model directory.")
    Path model;

    @Option(names = "--image", description = "An image file (JPEG, PNG, WebP, ...); omit for a text-only prompt.")
    Path image;

    @Option(names = "--prompt", required = true, description = "The user's message.")
    String prompt;

    @Option(names = "--max-new-tokens", description = "Default: generation_config.json's, else 20.")
    Integer maxNewTokens;

    @Option(names = "--sample", description = "Sample instead of greedy decoding.")
    boolean sample;

    @Option(names = "--temperature", defaultValue = "1.0", description = "> 0 (with --sample).") double temperature;

    @Option(names = "--top-k", defaultValue = "0", description = ">= 0; 0 = off.") int topK;

    @Option(names = "--top-p", defaultValue = "1.0", description = "In [0, 1]; 1 = off.") double topP;

    @Option(names = "--seed", defaultValue = "0") long seed;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        // checked before anything loads, with GenerationSettings' ranges, naming the option
        if (maxNewTokens != null && maxNewTokens < 1) {
            throw new Vlmd.UsageException("--max-new-tokens: must be >= 1, got " + maxNewTokens);
        }
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new Vlmd.UsageException("--temperature: must be finite and > 0, got " + temperature);
        }
        if (topK < 0) {
            throw new Vlmd.UsageException("--top-k: must be >= 0 (0 = off), got " + topK);
        }
        if (!(topP >= 0 && topP <= 1)) {
            throw new Vlmd.UsageException("--top-p: must be in [0, 1] (1 = off), got " + topP);
        }
        if (!Files.isDirectory(model)) {
            throw new Vlmd.UsageException(model + ": not a directory");
        }
        ConversationImages images = ConversationImages.NONE;
        if (image != null) {
            if (!Files.isRegularFile(image)) {
                throw new Vlmd.UsageException(image + ": no such file");
            }
            try {
                images = ConversationImages.decode(List.of(new ImageSource.File(image)), new ImageDecoder());
            } catch (ImageDecodeException e) {
                throw new Vlmd.UsageException(e.getMessage());
            }
        }
        String text = image == null ? prompt : Turn.IMAGE_PLACEHOLDER + "\n" + prompt;
        Conversation conversation = new Conversation("prompt", List.of(new Turn(Role.USER, text)),
                new Provenance(Path.of("--prompt"), "argument"));
        ComputePolicy policy = ComputePolicy.fromEnvironment();
        try (EvalModel m = EvalModel.open(model, policy)) {
            ModelInput input;
            try {
                input = m.samples().prompt(conversation, images);
                input.pixelValues();
            } catch (SkipSampleException e) {
                if (e.reason() == SkipReason.UNSUPPORTED_IMAGE) {
                    throw new IllegalArgumentException(image + ": " + e.detail()); // Vlmd prints it, exits 1
                }
                throw new Vlmd.UsageException(model + ": " + e.detail()); // placeholders and images, a text-only model
            }
            GenerationSettings settings = m.generationDefaults().withSeed(seed);
            if (maxNewTokens != null) {
                settings = settings.withMaxNewTokens(maxNewTokens);
            }
            if (sample) {
                settings = settings.withSampling(temperature, topK, topP);
            }
            Generation g = m.generate(List.of(input), settings).getFirst();
            out.println(TerminalText.escapeKeepingLines(m.decode(g.tokens())));
            out.flush();
            spec.commandLine().getErr().printf("(%d prompt tokens, %d generated, stopped by %s)%n", input.length(),
                    g.tokens().length, g.finishReason() == Generation.FinishReason.EOS ? "EOS" : "max new tokens");
            return Vlmd.EXIT_OK;
        }
    }
}
