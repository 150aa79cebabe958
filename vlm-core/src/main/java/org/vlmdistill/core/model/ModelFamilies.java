package org.vlmdistill.core.model;

import org.vlmdistill.core.config.TextConfig;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.multimodal.ImageTokenLayout;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * The registry of model families and text decoders found with {@link ServiceLoader}. Nothing here
 * names a concrete family: whichever modules are on the class path register theirs.
 */
public final class ModelFamilies {
    private final Map<String, ModelFamily> families;
    private final Map<String, TextDecoderFactory> decoders;

    private ModelFamilies(Map<String, ModelFamily> families, Map<String, TextDecoderFactory> decoders) {
        this.families = families;
        this.decoders = decoders;
    }

    /** The families and decoders registered on the class path of this class's loader. */
    public static ModelFamilies installed() {
        ClassLoader loader = ModelFamilies.class.getClassLoader();
        Map<String, ModelFamily> families = new TreeMap<>();
        for (ModelFamily f : ServiceLoader.load(ModelFamily.class, loader)) {
            register(families, f.modelType(), f);
        }
        Map<String, TextDecoderFactory> decoders = new TreeMap<>();
        for (TextDecoderFactory d : ServiceLoader.load(TextDecoderFactory.class, loader)) {
            register(decoders, d.modelType(), d);
        }
        return new ModelFamilies(Map.copyOf(families), Map.copyOf(decoders));
    }

    private static <T> void register(Map<String, T> map, String type, T value) {
        T old = map.putIfAbsent(type, value);
        if (old != null) {
            throw new IllegalStateException("model_type " + type + " is registered twice: by "
                    + old.getClass().getName() + " and " + value.getClass().getName());
        }
    }

    /** Sorted model types a whole model can be built for. */
    public List<String> modelTypes() {
        return List.copyOf(new TreeMap<>(families).keySet());
    }

    /** Sorted text model types a VLM can compose. */
    public List<String> textModelTypes() {
        return List.copyOf(new TreeMap<>(decoders).keySet());
    }

    /** The family of {@code modelType}, or an error listing the supported ones. */
    public ModelFamily family(String modelType, String source) {
        ModelFamily f = families.get(modelType);
        if (f == null) {
            throw new UnsupportedModelException(source + ": model_type \"" + modelType
                    + "\" has no model family here; supported: " + String.join(", ", modelTypes()));
        }
        return f;
    }

    /**
     * How {@code source}'s model spells an image in its token stream: the layout of the image processor
     * its family gives it ({@link ModelFamily#imageProcessor}), so the text side counts the image tokens
     * the model's image features fill. Empty for a text-only model.
     *
     * @throws UnsupportedModelException when no family is registered for the model type
     */
    public Optional<ImageTokenLayout> imageTokenLayout(ModelDirectory source) {
        return family(source.config().modelType(), source.describe()).imageProcessor(source)
                .map(ImageProcessor::layout);
    }

    /** A decoder for {@code config}'s model type, or an error listing the supported ones. */
    public TextDecoder textDecoder(TextConfig config, Weights body, Weights head, boolean tieWordEmbeddings,
                                   ComputePolicy policy) {
        TextDecoderFactory d = decoders.get(config.modelType());
        if (d == null) {
            throw new UnsupportedModelException("text_config: model_type \"" + config.modelType()
                    + "\" has no decoder here; supported: " + String.join(", ", textModelTypes()));
        }
        return d.create(config, body, head, tieWordEmbeddings, policy);
    }
}
