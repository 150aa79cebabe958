package org.vlmdistill.core.model;

import ai.djl.ndarray.NDManager;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.safetensors.SafetensorsCheckpoint;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Loading: open the directory, read {@code model_type}, ask the registry for the family, build, take
 * the weights by HF name. The model owns a fresh {@link NDManager} on the policy's device.
 */
public final class Models {
    private Models() {
    }

    /** The model in {@code dir}, its parameters in the policy's compute dtype. */
    public static Model load(Path dir, ComputePolicy policy) throws IOException {
        return load(ModelDirectory.open(dir), policy);
    }

    public static Model load(ModelDirectory source, ComputePolicy policy) throws IOException {
        ModelFamily family = ModelFamilies.installed().family(source.config().modelType(), source.describe());
        NDManager manager = NDManager.newBaseManager(policy.device());
        try (SafetensorsCheckpoint checkpoint = source.openCheckpoint()) {
            return family.create(source,
                    WeightLoading.fromCheckpoint(manager, checkpoint, policy.computeDType(), policy.ops()), policy);
        } catch (IOException | RuntimeException | Error e) {
            manager.close();
            throw e;
        }
    }

    /**
     * The model's structure checked against {@code dir}'s checkpoint, reading no tensor data: names,
     * shapes and parameter counts only (see {@link WeightLoading#shapesOnly}); its forward computes on zeros.
     */
    public static Model structure(ModelDirectory source, ComputePolicy policy) throws IOException {
        ModelFamily family = ModelFamilies.installed().family(source.config().modelType(), source.describe());
        NDManager manager = NDManager.newBaseManager(policy.device());
        try (SafetensorsCheckpoint checkpoint = source.openCheckpoint()) {
            return family.create(source, WeightLoading.shapesOnly(manager, checkpoint, policy.ops()), policy);
        } catch (IOException | RuntimeException | Error e) {
            manager.close();
            throw e;
        }
    }

    /**
     * The model's structure from {@code source}'s config alone, reading no weights even where the
     * directory has them: names, shapes and parameter counts as the family builds them (see
     * {@link WeightLoading#configOnly}); fp32 placeholders on the CPU, whatever the policy.
     */
    public static Model configStructure(ModelDirectory source) {
        ModelFamily family = ModelFamilies.installed().family(source.config().modelType(), source.describe());
        ComputePolicy policy = ComputePolicy.of(java.util.Map.of("device", "cpu", "dtype", "fp32"));
        NDManager manager = NDManager.newBaseManager(policy.device());
        try {
            return family.create(source, WeightLoading.configOnly(manager, policy.ops()), policy);
        } catch (RuntimeException | Error e) {
            manager.close();
            throw e;
        }
    }

    /** A model of {@code source}'s config with seeded random weights (tests, benchmarks, a fresh student). */
    public static Model random(ModelDirectory source, ComputePolicy policy, long seed) {
        ModelFamily family = ModelFamilies.installed().family(source.config().modelType(), source.describe());
        NDManager manager = NDManager.newBaseManager(policy.device());
        try {
            return family.create(source, WeightLoading.random(manager, policy.computeDType(), policy.ops(), seed),
                    policy);
        } catch (RuntimeException | Error e) {
            manager.close();
            throw e;
        }
    }

    /**
     * {@code source}'s image processor without its weights: see {@link ModelFamily#imageProcessor}.
     *
     * @throws UnsupportedModelException when the family has none (a text-only model)
     */
    public static ImageProcessor imageProcessor(ModelDirectory source) {
        ModelFamily family = ModelFamilies.installed().family(source.config().modelType(), source.describe());
        return family.imageProcessor(source).orElseThrow(() -> new UnsupportedModelException(source.describe()
                + ": model_type \"" + source.config().modelType() + "\" takes no images"));
    }
}
