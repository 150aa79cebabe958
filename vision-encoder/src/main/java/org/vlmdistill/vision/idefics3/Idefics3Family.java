package org.vlmdistill.vision.idefics3;

import org.vlmdistill.core.config.Idefics3Config;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.model.ImageProcessor;
import org.vlmdistill.core.model.ModelDirectory;
import org.vlmdistill.core.model.ModelFamilies;
import org.vlmdistill.core.model.ModelFamily;
import org.vlmdistill.core.model.Parameters;
import org.vlmdistill.core.model.TextDecoder;
import org.vlmdistill.core.model.UnsupportedModelException;
import org.vlmdistill.core.model.VisionLanguageModel;
import org.vlmdistill.core.model.WeightLoading;
import org.vlmdistill.vision.vit.FeatureSelection;
import org.vlmdistill.vision.vit.VisionTransformer;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code Idefics3ForConditionalGeneration} (Idefics3, SmolVLM): the SigLIP tower at
 * {@code model.vision_model.} (last hidden state, no head), the pixel-shuffle connector at
 * {@code model.connector.}, the decoder at {@code model.text_model.}, {@code lm_head.weight} at the root.
 */
public final class Idefics3Family implements ModelFamily {
    public static final String VISION = "model.vision_model.";
    public static final String CONNECTOR = "model.connector.";
    public static final String TEXT = "model.text_model.";
    public static final String LM_HEAD = "lm_head.";

    @Override
    public String modelType() {
        return Idefics3Config.MODEL_TYPE;
    }

    @Override
    public Optional<ImageProcessor> imageProcessor(ModelDirectory source) {
        if (!(source.config() instanceof Idefics3Config config)) {
            throw new UnsupportedModelException(source.describe() + ": not an idefics3 config");
        }
        return Optional.of(new Idefics3ImageProcessor(source.preprocessor(), config));
    }

    @Override
    public VisionLanguageModel create(ModelDirectory source, WeightLoading weights, ComputePolicy policy) {
        if (!(source.config() instanceof Idefics3Config config)) {
            throw new UnsupportedModelException(source.describe() + ": not an idefics3 config");
        }
        ImageProcessor processor = new Idefics3ImageProcessor(source.preprocessor(), config);
        VisionTransformer vision = VisionTransformer.take(config.visionConfig(), weights.at(VISION),
                FeatureSelection.lastHiddenState(), false);
        Idefics3Connector connector = Idefics3Connector.take(weights.at(CONNECTOR),
                config.visionConfig().hiddenSize(), config.scaleFactor(), config.textConfig().hiddenSize());
        TextDecoder text = ModelFamilies.installed().textDecoder(config.textConfig(), weights.at(TEXT),
                weights.at(""), config.tieWordEmbeddings(), policy);
        Parameters parameters = weights.finish();
        Map<String, String> prefixes = new LinkedHashMap<>();
        prefixes.put("vision", VISION);
        prefixes.put("connector", CONNECTOR);
        prefixes.put("text", TEXT);
        prefixes.put("lm_head", LM_HEAD);
        return new VisionLanguageModel(source, config, policy, weights.manager(), weights.checkpoints(), parameters,
                parameters.split(prefixes), vision, connector, text, processor);
    }
}
