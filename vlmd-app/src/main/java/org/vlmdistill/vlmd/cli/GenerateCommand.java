package org.vlmdistill.vlmd.cli;

import org.vlmdistill.core.text.TerminalText;
import org.vlmdistill.core.config.ConfigException;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.image.RgbImage;
import org.vlmdistill.core.model.PixelValues;
import org.vlmdistill.core.model.UnsupportedModelException;
import org.vlmdistill.core.model.WeightsMismatchException;
import org.vlmdistill.datasets.image.ImageDecodeException;
import org.vlmdistill.datasets.image.ImageDecoder;
import org.vlmdistill.datasets.record.Turn;
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

    @Option(names = "--temperature", defaultValue = "1.0") double temperature;

    @Option(names = "--top-k", defaultValue = "0", description = "0 = off.") int topK;

    @Option(names = "--top-p", defaultValue = "1.0", description = "1 = off.") double topP;

    @Option(names = "--seed", defaultValue = "0") long seed;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (!Files.isDirectory(model)) {
            throw new Vlmd.UsageException(model + ": not a directory");
        }
        RgbImage rgb = null;
        if (image != null) {
            if (!Files.isRegularFile(image)) {
                throw new Vlmd.UsageException(image + ": no such file");
            }
            try {
                rgb = new ImageDecoder().decode(image.toString(), Files.readAllBytes(image));
            } catch (ImageDecodeException e) {
                throw new Vlmd.UsageException(e.getMessage());
            }
        }
        ComputePolicy policy = ComputePolicy.fromEnvironment();
        try (EvalModel m = EvalModel.open(model, policy)) {
            List<RgbImage> images = rgb == null ? List.of() : List.of(rgb);
            List<PixelValues> pixels;
            try {
                pixels = m.process(images);
            } catch (IllegalArgumentException e) {
                throw new Vlmd.UsageException(e.getMessage() + "; it cannot take --image");
            }
            String text = rgb == null ? prompt : Turn.IMAGE_PLACEHOLDER + "\n" + prompt;
            EvalModel.Input input = m.prompt(text, images, pixels);
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
            spec.commandLine().getErr().printf("(%d prompt tokens, %d generated, stopped by %s)%n", input.ids().length,
                    g.tokens().length, g.finishReason() == Generation.FinishReason.EOS ? "EOS" : "max new tokens");
            return Vlmd.EXIT_OK;
        } catch (ConfigException | WeightsMismatchException | UnsupportedModelException e) {
            // files that do not fit the config are the caller's to fix; an image the processor cannot
            // take reaches Vlmd's handler, which prints its reason and exits 1
            throw new Vlmd.UsageException(e.getMessage());
        }
    }
}
