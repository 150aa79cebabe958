package org.vlmdistill.vision.llava;

import org.vlmdistill.core.config.LlavaConfig;
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
 * {@code LlavaForConditionalGeneration}: a CLIP or SigLIP tower, the two-layer projector and a decoder.
 * Two tensor layouts exist: the hub's ({@link Layout#LEGACY}: {@code vision_tower.vision_model.},
 * {@code multi_modal_projector.}, {@code language_model.model.}, {@code language_model.lm_head.}) and
 * transformers ≥ 4.52's ({@link Layout#NEW}: {@code model.vision_tower.vision_model.},
 * {@code model.multi_modal_projector.}, {@code model.language_model.}, {@code lm_head.}). A checkpoint's
 * layout is detected from its patch embedding; random weights use the legacy one, which every
 * transformers version loads.
 */
public final class LlavaFamily implements ModelFamily {

    /** Where each part's tensors live. */
    public enum Layout {
        LEGACY("vision_tower.vision_model.", "multi_modal_projector.", "language_model.model.", "language_model."),
        NEW("model.vision_tower.vision_model.", "model.multi_modal_projector.", "model.language_model.", "");

        public final String vision;
        public final String projector;
        public final String text;
        /** The prefix of {@code lm_head.weight}. */
        public final String head;

        Layout(String vision, String projector, String text, String head) {
            this.vision = vision;
            this.projector = projector;
            this.text = text;
            this.head = head;
        }

        static Layout detect(WeightLoading weights) {
            return weights.has(NEW.vision + "embeddings.patch_embedding.weight") ? NEW : LEGACY;
        }
    }

    @Override
    public String modelType() {
        return LlavaConfig.MODEL_TYPE;
    }

    @Override
    public Optional<ImageProcessor> imageProcessor(ModelDirectory source) {
        if (!(source.config() instanceof LlavaConfig config)) {
            throw new UnsupportedModelException(source.describe() + ": not a llava config");
        }
        return Optional.of(LlavaImageProcessors.forModel(source.preprocessor(), config));
    }

    @Override
    public VisionLanguageModel create(ModelDirectory source, WeightLoading weights, ComputePolicy policy) {
        if (!(source.config() instanceof LlavaConfig config)) {
            throw new UnsupportedModelException(source.describe() + ": not a llava config");
        }
        ImageProcessor processor = LlavaImageProcessors.forModel(source.preprocessor(), config);
        Layout layout = Layout.detect(weights);
        VisionTransformer vision = VisionTransformer.take(config.visionConfig(), weights.at(layout.vision),
                FeatureSelection.llava(config), VisionTransformer.usesHead(config.visionConfig()));
        LlavaMultiModalProjector projector = LlavaMultiModalProjector.take(weights.at(layout.projector),
                vision.featureSize(), config.textConfig().hiddenSize(), config.projectorHiddenAct(),
                config.multimodalProjectorBias());
        TextDecoder text = ModelFamilies.installed().textDecoder(config.textConfig(), weights.at(layout.text),
                weights.at(layout.head), config.tieWordEmbeddings(), policy);
        Parameters parameters = weights.finish();
        Map<String, String> prefixes = new LinkedHashMap<>();
        prefixes.put("vision", layout.vision);
        prefixes.put("connector", layout.projector);
        prefixes.put("text", layout.text);
        prefixes.put("lm_head", layout.head + "lm_head.");
        return new VisionLanguageModel(source, config, policy, weights.manager(), weights.checkpoints(), parameters,
                parameters.split(prefixes), vision, projector, text, processor);
    }
}
