package org.vlmdistill.distill.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.vlmdistill.core.config.ConfigException;
import org.vlmdistill.core.config.TextConfig;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.image.RgbImage;
import org.vlmdistill.core.model.CausalLanguageModel;
import org.vlmdistill.core.model.Model;
import org.vlmdistill.core.model.ModelDirectory;
import org.vlmdistill.core.model.Models;
import org.vlmdistill.core.model.PixelValues;
import org.vlmdistill.core.model.TextDecoder;
import org.vlmdistill.core.model.UnsupportedModelException;
import org.vlmdistill.core.model.VisionLanguageModel;
import org.vlmdistill.core.model.WeightsMismatchException;
import org.vlmdistill.datasets.image.ImageDecodeException;
import org.vlmdistill.datasets.image.ImageDecoder;
import org.vlmdistill.datasets.record.Role;
import org.vlmdistill.datasets.record.Turn;
import org.vlmdistill.datasets.sample.ModelSamples;
import org.vlmdistill.datasets.sample.SampleOptions;
import org.vlmdistill.datasets.tokenizer.ChatTokenizer;
import org.vlmdistill.decoder.generate.Generation;
import org.vlmdistill.decoder.generate.GenerationSettings;
import org.vlmdistill.decoder.generate.Generator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
        ModelDirectory source;
        try {
            source = ModelDirectory.open(model);
        } catch (ConfigException e) {
            throw new Vlmd.UsageException(e.getMessage());
        }
        ComputePolicy policy = ComputePolicy.fromEnvironment();
        try (Model m = Models.load(source, policy);
             ModelSamples samples = ModelSamples.open(model, SampleOptions.defaults());
             ChatTokenizer tokenizer = ChatTokenizer.load(model);
             NDManager scratch = NDManager.newBaseManager(policy.device())) {
            String text = rgb == null ? prompt : Turn.IMAGE_PLACEHOLDER + "\n" + prompt;
            List<int[]> sizes = rgb == null ? List.of() : List.of(new int[] {rgb.width(), rgb.height()});
            int[] ids = samples.builder().prompt(List.of(new Turn(Role.USER, text)), sizes);
            NDArray inputIds = scratch.create(toLong(ids), new Shape(1, ids.length));
            NDArray embeds;
            TextDecoder decoder;
            TextConfig textConfig;
            switch (m) {
                case VisionLanguageModel vlm -> {
                    NDArray pixels = null;
                    if (rgb != null) {
                        PixelValues pv = vlm.imageProcessor().process(rgb);
                        pixels = pv.toArray(scratch);
                        if (policy.computeDType() != org.vlmdistill.core.tensor.DType.F32) {
                            pixels = policy.ops().cast(pixels, policy.computeDType());
                        }
                    }
                    embeds = vlm.inputEmbeddings(inputIds, pixels);
                    decoder = vlm.textDecoder();
                    textConfig = vlm.config().textConfig();
                }
                case CausalLanguageModel lm -> {
                    if (rgb != null) {
                        throw new Vlmd.UsageException(model + " is a text-only model (" + lm.config().modelType()
                                + "); it cannot take --image");
                    }
                    decoder = lm.textDecoder();
                    embeds = decoder.embedTokens(inputIds);
                    textConfig = lm.config();
                }
                default -> throw new Vlmd.UsageException(model + ": cannot generate with " + m.config().modelType());
            }
            GenerationSettings settings = source.generation().map(g -> GenerationSettings.from(g, textConfig))
                    .orElseGet(() -> GenerationSettings.from(textConfig)).withSeed(seed);
            List<Integer> eos = new ArrayList<>(settings.eosTokenIds());
            samples.template().specialTokens().entrySet().stream().filter(e -> e.getKey().equals("eos_token"))
                    .map(e -> tokenizer.tokenId(String.valueOf(e.getValue())))
                    .forEach(id -> id.ifPresent(v -> {
                        if (!eos.contains((int) v)) {
                            eos.add((int) v);
                        }
                    }));
            settings = settings.withEos(eos);
            if (maxNewTokens != null) {
                settings = settings.withMaxNewTokens(maxNewTokens);
            }
            if (sample) {
                settings = settings.withSampling(temperature, topK, topP);
            }
            Generation g;
            try (var unused = new ai.djl.ndarray.NDScope()) {
                unused.suppressNotUsedWarning();
                g = new Generator(decoder, policy.ops()).generate(embeds, null, settings).getFirst();
            }
            out.println(tokenizer.decode(toLong(g.tokens()), true));
            out.flush();
            spec.commandLine().getErr().printf("(%d prompt tokens, %d generated, stopped by %s)%n", ids.length,
                    g.tokens().length, g.finishReason() == Generation.FinishReason.EOS ? "EOS" : "max new tokens");
            return Vlmd.EXIT_OK;
        } catch (WeightsMismatchException | UnsupportedModelException e) {
            // files that do not fit the config are the caller's to fix; an image the processor cannot
            // take reaches Vlmd's handler, which prints its reason and exits 1
            throw new Vlmd.UsageException(e.getMessage());
        }
    }

    private static long[] toLong(int[] ids) {
        long[] out = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = ids[i];
        }
        return out;
    }
}
