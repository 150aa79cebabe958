package org.vlmdistill.vision.internvl;

import org.vlmdistill.core.config.InternVLChatConfig;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.model.ImageProcessor;
import org.vlmdistill.core.model.ModelDirectory;
import org.vlmdistill.core.model.ModelFamilies;
import org.vlmdistill.core.model.ModelFamily;
import org.vlmdistill.core.model.Parameter;
import org.vlmdistill.core.model.Parameters;
import org.vlmdistill.core.model.TextDecoder;
import org.vlmdistill.core.model.UnsupportedModelException;
import org.vlmdistill.core.model.VisionLanguageModel;
import org.vlmdistill.core.model.WeightLoading;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code InternVLChatModel} ({@code internvl_chat}; {@link Hf} builds transformers' {@code internvl} layout
 * into the same classes): the InternViT tower at {@code vision_model.}, the
 * {@code mlp1} connector, and the decoder named by {@code llm_config.architectures} with its body at
 * {@code language_model.model.} and its output projection under {@code language_model.}
 * ({@code lm_head.weight} for Qwen2 and Llama, {@code output.weight} for InternLM2: the decoder's factory
 * takes whichever its architecture names). The image features replace the {@code <IMG_CONTEXT>} tokens,
 * whose id {@link ModelDirectory#open} reads from the tokenizer files.
 */
public class InternVLFamily implements ModelFamily {

    @Override
    public String modelType() {
        return InternVLChatConfig.MODEL_TYPE;
    }

    @Override
    public Optional<ImageProcessor> imageProcessor(ModelDirectory source) {
        return Optional.of(processor(config(source)));
    }

    /** Tensors under the names of the config's layout ({@link InternVLLayout}), saved back under the same. */
    @Override
    public VisionLanguageModel create(ModelDirectory source, WeightLoading weights, ComputePolicy policy) {
        InternVLChatConfig config = config(source);
        InternVLLayout names = InternVLLayout.of(config);
        ImageProcessor processor = processor(config);
        InternVisionModel vision = InternVisionModel.take(config.visionConfig(), weights.at(names.vision),
                config.selectLayer(), names);
        InternVLConnector connector = InternVLConnector.take(config, weights.at(names.connector), names);
        TextDecoder text = ModelFamilies.installed().textDecoder(config.llmConfig(), weights.at(names.text),
                weights.at(names.head), config.tieWordEmbeddings(), policy);
        Parameters parameters = weights.finish();
        Map<String, String> prefixes = new LinkedHashMap<>();
        prefixes.put("vision", names.vision);
        prefixes.put("connector", names.connector);
        prefixes.put("text", names.text);
        prefixes.put("lm_head", headPrefix(parameters, names));
        return new VisionLanguageModel(source, config, policy, weights.manager(), weights.checkpoints(), parameters,
                parameters.split(prefixes), vision, connector, text, processor);
    }

    /**
     * The prefix of the output projection the decoder took beside its body ({@code language_model.lm_head.},
     * {@code language_model.output.}, {@code lm_head.}); {@code lm_head.} under the layout's head where it
     * took none (tied).
     */
    private static String headPrefix(Parameters parameters, InternVLLayout names) {
        List<String> heads = parameters.list().stream().map(Parameter::name)
                .filter(n -> n.startsWith(names.head) && !n.startsWith(names.text) && !n.startsWith(names.vision)
                        && !n.startsWith(names.connector)).toList();
        if (heads.isEmpty()) {
            return names.head + "lm_head.";
        }
        String first = heads.get(0);
        String prefix = first.substring(0, first.indexOf('.', names.head.length()) + 1);
        if (!heads.stream().allMatch(n -> n.startsWith(prefix))) {
            throw new IllegalStateException("the decoder took output tensors under several prefixes: " + heads);
        }
        return prefix;
    }

    private InternVLChatConfig config(ModelDirectory source) {
        if (!(source.config() instanceof InternVLChatConfig config) || !config.modelType().equals(modelType())) {
            throw new UnsupportedModelException(source.describe() + ": not an " + modelType() + " config");
        }
        return config;
    }

    /** The reference's dynamic_preprocess + build_transform for this config's tile size and tile counts. */
    static InternVLImageProcessor processor(InternVLChatConfig c) {
        return InternVLImageProcessor.forConfig(c);
    }

    /**
     * transformers' {@code InternVLForConditionalGeneration} ({@code internvl}, the InternVL3-*-hf checkpoints):
     * the same model under {@link InternVLLayout#HF}'s names.
     */
    public static final class Hf extends InternVLFamily {
        @Override
        public String modelType() {
            return InternVLChatConfig.HF_MODEL_TYPE;
        }
    }
}
