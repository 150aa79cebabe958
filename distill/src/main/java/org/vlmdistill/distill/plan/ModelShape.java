package org.vlmdistill.distill.plan;

import org.vlmdistill.core.config.TextConfig;
import org.vlmdistill.core.config.VisionConfig;
import org.vlmdistill.core.config.VisionLanguageConfig;
import org.vlmdistill.core.model.Model;
import org.vlmdistill.core.model.Parameter;
import org.vlmdistill.core.model.Parameters;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the memory estimate needs of one model: its text and vision configs, parameter counts per
 * component as the family builds them (from a structure built from config alone, {@code
 * Models.configStructure}, or a loaded model), which of them train, and the few structural facts the
 * activation formulas depend on.
 *
 * @param parameters          elements per component ({@code vision}, {@code connector}, {@code text}, {@code lm_head})
 * @param trainable           elements that train (the run's {@code freeze} applied)
 * @param largestTrainable    elements of the largest trainable tensor (the optimizer's per-tensor scratch)
 * @param visionTrainable     whether any vision tower parameter trains (then its activations are kept)
 * @param connectorTrainable  whether the connector or the tower under it trains (then the connector's activations are kept)
 * @param belowHeadTrainable  whether anything below the lm_head trains (then the decoder's activations are kept)
 * @param visionClassToken    whether each tile adds a class token to the patches (CLIP, InternViT; not SigLIP)
 * @param visionLayerScale    whether the tower's layers scale each branch ({@code ls1/ls2}, InternViT)
 * @param connectorLayers     the connector's layers as {@code {in, out}} widths ({@code in == out == 0}
 *                            never occurs; a norm is {@code {width, 0}})
 * @param imageTokensPerTile  image tokens one tile gives the text stream: patches / (connector input / tower width)
 */
public record ModelShape(String modelType, TextConfig text, VisionConfig vision, Map<String, Long> parameters,
                         long trainable, long largestTrainable, boolean visionTrainable, boolean connectorTrainable,
                         boolean belowHeadTrainable,
                         boolean visionClassToken, boolean visionLayerScale, List<long[]> connectorLayers,
                         long imageTokensPerTile) {

    public ModelShape {
        parameters = Map.copyOf(parameters);
        connectorLayers = List.copyOf(connectorLayers);
    }

    /**
     * The shape of {@code model}, with {@code trainableNames} the parameters that train (all of them
     * for a teacher, which trains none: pass an empty set and {@code frozen} true).
     */
    public static ModelShape of(Model model, Set<String> trainableNames) {
        if (!(model.config() instanceof VisionLanguageConfig vl)) {
            throw new IllegalArgumentException(model.source().describe() + ": a " + model.config().modelType()
                    + " model; the memory plan is for vision-language models");
        }
        Map<String, Long> counts = new LinkedHashMap<>();
        Map<String, Parameters> components = model.components();
        components.forEach((k, v) -> counts.put(k, v.elements()));
        long trainable = 0;
        long largest = 0;
        for (Parameter p : model.parameters().list()) {
            if (trainableNames.contains(p.name())) {
                trainable += p.size();
                largest = Math.max(largest, p.size());
            }
        }
        boolean visionTrainable = trains(components.get("vision"), trainableNames);
        boolean connector = visionTrainable || trains(components.get("connector"), trainableNames);
        boolean belowHead = connector || trains(components.get("text"), trainableNames);
        boolean cls = false;
        boolean layerScale = false;
        Parameters visionParams = components.getOrDefault("vision", Parameters.of(List.of()));
        for (Parameter p : visionParams.list()) {
            cls |= p.name().contains("class_embedding");
            layerScale |= p.name().endsWith(".ls1") || p.name().contains("lambda_1");
        }
        VisionConfig vc = vl.visionConfig();
        List<long[]> layers = new ArrayList<>();
        long firstIn = 0;
        for (Parameter p : components.getOrDefault("connector", Parameters.of(List.of())).list()) {
            var shape = p.array().getShape();
            if (p.name().endsWith("bias")) {
                continue;
            }
            if (shape.dimension() == 2) { // a Linear's [out, in]
                layers.add(new long[] {shape.get(1), shape.get(0)});
                firstIn = firstIn == 0 ? shape.get(1) : firstIn;
            } else if (shape.dimension() == 1) { // a norm's weight
                layers.add(new long[] {shape.get(0), 0});
                firstIn = firstIn == 0 ? shape.get(0) : firstIn;
            }
        }
        // the connector's input packs (in / tower width) patches into one token (pixel shuffle), or one (LLaVA)
        long perToken = firstIn == 0 ? 1 : Math.max(1, firstIn / vc.hiddenSize());
        long tokens = Math.max(1, vc.numPatches() / perToken);
        return new ModelShape(vl.modelType(), vl.textConfig(), vc, counts, trainable, largest, visionTrainable,
                connector, belowHead, cls, layerScale, layers, tokens);
    }

    /** A teacher's shape: nothing trains. */
    public static ModelShape frozen(Model model) {
        return of(model, Set.of());
    }

    /** All of a model's parameter names (everything trains). */
    public static Set<String> allNames(Model model) {
        Set<String> names = new HashSet<>();
        model.parameters().list().forEach(p -> names.add(p.name()));
        return names;
    }

    private static boolean trains(Parameters component, Set<String> trainableNames) {
        return component != null && component.list().stream().anyMatch(p -> trainableNames.contains(p.name()));
    }

    /** Every parameter, components summed. */
    public long total() {
        return parameters.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Positions one tile occupies in the tower: its patches, plus the class token where there is one. */
    public long visionPositionsPerTile() {
        return vision.numPatches() + (visionClassToken ? 1 : 0);
    }
}
