package org.vlmdistill.vlmd.cli;

import org.vlmdistill.core.config.HfConfigs;
import org.vlmdistill.core.config.ModelConfig;
import org.vlmdistill.core.config.TextConfig;
import org.vlmdistill.core.config.VisionConfig;
import org.vlmdistill.core.config.VisionLanguageConfig;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.model.Model;
import org.vlmdistill.core.model.ModelDirectory;
import org.vlmdistill.core.model.ModelFamilies;
import org.vlmdistill.core.model.Models;
import org.vlmdistill.core.model.Parameter;
import org.vlmdistill.core.model.Parameters;
import org.vlmdistill.core.model.UnsupportedModelException;
import org.vlmdistill.core.model.VisionLanguageModel;
import org.vlmdistill.core.model.WeightsMismatchException;
import org.vlmdistill.core.multimodal.ImageTokenLayout;
import org.vlmdistill.core.safetensors.SafetensorsCheckpoint;
import org.vlmdistill.datasets.template.ChatTemplates;
import org.vlmdistill.datasets.template.ModelChatTemplate;
import org.vlmdistill.datasets.tokenizer.ChatTokenizer;
import org.vlmdistill.core.safetensors.TensorInfo;
import org.vlmdistill.core.tensor.DType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/** What a Hugging Face model directory holds: config, weights by component, tokenizer files. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "A model directory: family, config, tensors by component, dtypes, parameter counts.")
final class InspectCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "A Hugging Face model directory.")
    Path model;

    @Option(names = "--tensors", description = "List every tensor with dtype and shape.")
    boolean tensors;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (!Files.isDirectory(model)) {
            throw new Vlmd.UsageException(model + ": not a directory");
        }
        out.println("model: " + model.toAbsolutePath().normalize());
        ModelConfig config = config(model);
        describe(out, config);
        if (!ModelDirectory.hasWeights(model)) {
            configOnly(out, config);
            tokenizer(out);
            out.flush();
            return Vlmd.EXIT_OK;
        }
        try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(model)) {
            Map<DType, long[]> byDtype = new EnumMap<>(DType.class); // dtype -> {tensors, elements}
            Map<String, long[]> byComponent = new TreeMap<>();
            long params = 0;
            long bytes = 0;
            for (TensorInfo t : ckpt.tensors()) {
                byDtype.computeIfAbsent(t.dtype(), d -> new long[2])[0]++;
                byDtype.get(t.dtype())[1] += t.numElements();
                long[] c = byComponent.computeIfAbsent(component(t.name()), k -> new long[2]);
                c[0]++;
                c[1] += t.numElements();
                params += t.numElements();
                bytes += t.byteLength();
            }
            out.printf("weights: %d file(s), %d tensors, %,d parameters, %.1f MiB%n", ckpt.shards().size(),
                    ckpt.tensors().size(), params, bytes / (double) (1 << 20));
            byDtype.forEach((d, v) -> out.printf("  %-5s %6d tensors %,16d parameters%n", d, v[0], v[1]));
            out.println("by component:");
            byComponent.forEach((k, v) -> out.printf("  %-40s %6d tensors %,16d parameters%n", k, v[0], v[1]));
            if (tensors) {
                out.println("tensors:");
                for (TensorInfo t : ckpt.tensors()) {
                    out.printf("  %-70s %-5s %s%n", t.name(), t.dtype(), t.shape());
                }
            }
        }
        RuntimeException doesNotLoad = model(out, config);
        tokenizer(out);
        for (String f : new String[] {"tokenizer.json", "tokenizer.model", "tokenizer_config.json", "chat_template.json",
                "preprocessor_config.json", "generation_config.json"}) {
            out.printf("%-26s %s%n", f + ":", Files.isRegularFile(model.resolve(f)) ? "present" : "absent");
        }
        out.flush();
        if (doesNotLoad != null) {
            throw doesNotLoad; // after the summary of the files; Vlmd's mapper gives its exit code
        }
        return Vlmd.EXIT_OK;
    }

    /**
     * The model as its family builds it, checked against the files without reading tensor data:
     * parameters per component, which must add up to the tensors in the files.
     *
     * @return why the model does not load (the files do not fit the config), or null
     */
    private RuntimeException model(PrintWriter out, ModelConfig config) throws java.io.IOException {
        ModelFamilies families = ModelFamilies.installed();
        if (!families.modelTypes().contains(config.modelType())) {
            out.println("family: none for model_type " + config.modelType() + " (supported: "
                    + String.join(", ", families.modelTypes()) + ")");
            return null;
        }
        out.println("family: " + config.modelType() + " (" + families.family(config.modelType(), model.toString())
                .getClass().getSimpleName() + ")");
        try (Model m = Models.structure(ModelDirectory.open(model), ComputePolicy.of(Map.of("dtype", "fp32")));
             SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(model)) {
            long total = 0;
            out.println("parameters by component:");
            for (Map.Entry<String, Parameters> c : m.components().entrySet()) {
                out.printf("  %-12s %6d tensors %,16d parameters%n", c.getKey(), c.getValue().count(),
                        c.getValue().elements());
                total += c.getValue().elements();
            }
            long inFiles = ckpt.tensors().stream().mapToLong(TensorInfo::numElements).sum();
            Set<String> names = new HashSet<>();
            m.parameters().list().stream().map(Parameter::name).forEach(names::add);
            List<TensorInfo> notParameters = ckpt.tensors().stream().filter(t -> !names.contains(t.name())).toList();
            long notParameterElements = notParameters.stream().mapToLong(TensorInfo::numElements).sum();
            out.printf("  %-12s %6d tensors %,16d parameters%n", "total", m.parameters().count(), total);
            out.printf("check: components %,d + tensors that are not parameters %,d = %,d in the files: %s%n",
                    total, notParameterElements, inFiles, total + notParameterElements == inFiles ? "equal" : "DIFFERENT");
            notParameters.forEach(t -> out.println("  not a parameter (tied copy or buffer): " + t.name()));
            if (m instanceof VisionLanguageModel vlm) {
                ImageTokenLayout layout = vlm.imageProcessor().layout();
                out.print("image tokens per image (" + layout.imageToken() + "):");
                for (int[] size : List.of(new int[] {vlm.config().visionConfig().imageSize(),
                        vlm.config().visionConfig().imageSize()}, new int[] {640, 480}, new int[] {1920, 1080})) {
                    out.printf(" %dx%d -> %d;", size[0], size[1], layout.imageTokenCount(size[0], size[1]));
                }
                out.println();
            }
            return null;
        } catch (WeightsMismatchException | UnsupportedModelException e) {
            out.println("model: does not load: " + e.getMessage());
            return e;
        }
    }

    /**
     * A directory without weights (a published config.json): the model as its family builds it from the
     * config alone, parameters per component, said to be a count from the config, not from weights.
     */
    private void configOnly(PrintWriter out, ModelConfig config) {
        out.println("weights: none (" + SafetensorsCheckpoint.SINGLE_FILE + " or " + SafetensorsCheckpoint.INDEX_FILE
                + " absent): config only, parameters counted from config.json as the family builds the model");
        ModelFamilies families = ModelFamilies.installed();
        if (!families.modelTypes().contains(config.modelType())) {
            out.println("family: none for model_type " + config.modelType() + " (supported: "
                    + String.join(", ", families.modelTypes()) + ")");
            return;
        }
        out.println("family: " + config.modelType() + " (" + families.family(config.modelType(), model.toString())
                .getClass().getSimpleName() + ")");
        try (Model m = Models.configStructure(ModelDirectory.open(model))) {
            out.println("parameters by component (from config.json):");
            for (Map.Entry<String, Parameters> c : m.components().entrySet()) {
                out.printf("  %-12s %6d tensors %,16d parameters%n", c.getKey(), c.getValue().count(),
                        c.getValue().elements());
            }
            out.printf("  %-12s %6d tensors %,16d parameters%n", "total", m.parameters().count(),
                    m.parameters().elements());
        }
    }

    /** Vocabulary size and special tokens, where the directory has tokenizer files. */
    private void tokenizer(PrintWriter out) {
        if (!Files.isRegularFile(model.resolve("tokenizer.json")) && !Files.isRegularFile(model.resolve("tokenizer.model"))) {
            return;
        }
        try (ChatTokenizer tokenizer = ChatTokenizer.load(model)) {
            out.printf("tokenizer: %,d tokens%n", tokenizer.vocabSize());
            try {
                ModelChatTemplate template = ChatTemplates.load(model);
                template.specialTokens().forEach((k, v) -> out.println("  " + k + ": " + v + ids(tokenizer, v)));
            } catch (IllegalArgumentException e) {
                out.println("  chat template: " + e.getMessage());
            }
        } catch (java.io.IOException | RuntimeException e) {
            out.println("tokenizer: cannot load: " + e.getMessage());
        }
    }

    private static String ids(ChatTokenizer tokenizer, Object tokens) {
        if (tokens instanceof String t) {
            return tokenizer.tokenId(t).stream().mapToObj(id -> " (id " + id + ")").findFirst().orElse("");
        }
        return "";
    }


    /** The part of a tensor name that names a component: {@code model.vision_model}, {@code lm_head}, ... */
    static String component(String name) {
        String[] parts = name.split("\\.");
        if (parts.length >= 3 && (parts[0].equals("model") || parts[0].equals("language_model")
                || parts[0].equals("vision_tower")) && !parts[1].equals("layers")) {
            return parts[0] + "." + parts[1];
        }
        return parts.length >= 2 && parts[1].equals("layers") ? parts[0] + ".layers" : parts[0];
    }

    /**
     * config.json with the ids it leaves to the tokenizer files resolved (InternVL's {@code <IMG_CONTEXT>}),
     * as {@link ModelDirectory#open} reads it; config.json alone where the directory's checkpoint does not
     * fit it, so that the files are still summarised before {@link #model} says why it does not load.
     */
    private static ModelConfig config(Path dir) {
        ModelConfig alone = HfConfigs.read(dir);
        try {
            return ModelDirectory.open(dir).config();
        } catch (org.vlmdistill.core.config.ConfigException doesNotFit) {
            return alone;
        }
    }

    private static void describe(PrintWriter out, ModelConfig config) {
        out.println("config: model_type " + config.modelType() + config.torchDtype().map(d -> ", torch_dtype " + d).orElse(""));
        switch (config) {
            case VisionLanguageConfig vl -> {
                out.println("  text:   " + text(vl.textConfig()));
                out.println("  vision: " + vision(vl.visionConfig()));
                out.println("  image token id " + (vl.knownImageTokenId().isPresent()
                        ? String.valueOf(vl.knownImageTokenId().getAsInt())
                        : "unknown (it comes from tokenizer files, and the directory has none)")
                        + ", tie_word_embeddings " + vl.tieWordEmbeddings());
            }
            case TextConfig t -> out.println("  text:   " + text(t));
            case VisionConfig v -> out.println("  vision: " + vision(v));
        }
    }

    private static String text(TextConfig t) {
        return "%s hidden %d, layers %d, heads %d (kv %d), head_dim %d, intermediate %d, vocab %d, rope_theta %s, tie %s"
                .formatted(t.modelType(), t.hiddenSize(), t.numHiddenLayers(), t.numAttentionHeads(),
                        t.numKeyValueHeads(), t.headDim(), t.intermediateSize(), t.vocabSize(), t.ropeTheta(),
                        t.tieWordEmbeddings());
    }

    private static String vision(VisionConfig v) {
        return "%s hidden %d, layers %d, heads %d, image %d, patch %d (%d patches), act %s".formatted(v.modelType(),
                v.hiddenSize(), v.numHiddenLayers(), v.numAttentionHeads(), v.imageSize(), v.patchSize(),
                v.numPatches(), v.hiddenAct());
    }
}
