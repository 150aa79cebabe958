package org.vlmdistill.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import org.vlmdistill.core.config.VisionLanguageConfig;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.nn.ActivationCheckpoints;
import org.vlmdistill.core.tensor.HostReads;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A vision encoder, a connector and a text decoder: the connector's output replaces the embeddings
 * of the image tokens ({@code image_token_id}) in the text stream, in order (HF's
 * {@code inputs_merger} / {@code masked_scatter}), then the decoder runs on the merged embeddings.
 * Families build the parts; this class only composes them.
 */
public final class VisionLanguageModel implements Model {
    private final ModelDirectory source;
    private final VisionLanguageConfig config;
    private final ComputePolicy policy;
    private final NDManager manager;
    private final ActivationCheckpoints checkpoints;
    private final Parameters parameters;
    private final Map<String, Parameters> components;
    private final VisionEncoder visionEncoder;
    private final Connector connector;
    private final TextDecoder textDecoder;
    private final ImageProcessor imageProcessor;

    public VisionLanguageModel(ModelDirectory source, VisionLanguageConfig config, ComputePolicy policy,
                               NDManager manager, ActivationCheckpoints checkpoints, Parameters parameters, Map<String, Parameters> components,
                               VisionEncoder visionEncoder, Connector connector, TextDecoder textDecoder,
                               ImageProcessor imageProcessor) {
        this.source = Objects.requireNonNull(source, "source");
        this.config = Objects.requireNonNull(config, "config");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.manager = Objects.requireNonNull(manager, "manager");
        this.checkpoints = Objects.requireNonNull(checkpoints, "checkpoints");
        this.parameters = Objects.requireNonNull(parameters, "parameters");
        this.components = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(components));
        this.visionEncoder = Objects.requireNonNull(visionEncoder, "visionEncoder");
        this.connector = Objects.requireNonNull(connector, "connector");
        this.textDecoder = Objects.requireNonNull(textDecoder, "textDecoder");
        this.imageProcessor = Objects.requireNonNull(imageProcessor, "imageProcessor");
    }

    @Override
    public ModelDirectory source() {
        return source;
    }

    @Override
    public VisionLanguageConfig config() {
        return config;
    }

    @Override
    public Parameters parameters() {
        return parameters;
    }

    @Override
    public ComputePolicy policy() {
        return policy;
    }

    @Override
    public Map<String, Parameters> components() {
        return components;
    }

    /**
     * The model's activation checkpointing: off unless turned on; when on, a training step calls its
     * {@link ActivationCheckpoints#backward()} after the backward from the loss.
     */
    public ActivationCheckpoints activationCheckpoints() {
        return checkpoints;
    }

    public VisionEncoder visionEncoder() {
        return visionEncoder;
    }

    public Connector connector() {
        return connector;
    }

    public TextDecoder textDecoder() {
        return textDecoder;
    }

    public ImageProcessor imageProcessor() {
        return imageProcessor;
    }

    /** {@code [tiles, C, H, W]} to the decoder's image-token embeddings {@code [tiles, tokens, text_hidden]}. */
    public NDArray imageFeatures(NDArray pixelValues) {
        return connector.forward(visionEncoder.forward(pixelValues));
    }

    /**
     * The token embeddings with every image token's replaced by the next image feature.
     *
     * @param inputIds    {@code [batch, seq]} int64
     * @param pixelValues {@code [tiles, C, H, W]}, the tiles of every image in the order the images appear
     *                    in the batch (row by row); null when there are no images
     * @throws IllegalArgumentException when the text's image tokens and the images' features differ in number
     */
    public NDArray inputEmbeddings(NDArray inputIds, NDArray pixelValues) {
        return mergeImageFeatures(inputIds, pixelValues == null ? null : imageFeatures(pixelValues));
    }

    /**
     * {@link #inputEmbeddings(NDArray, NDArray)} for a caller that counted the image tokens of
     * {@code inputIds} on the host: nothing is read back from the device.
     */
    public NDArray inputEmbeddings(NDArray inputIds, NDArray pixelValues, long imageTokens) {
        return mergeImageFeatures(inputIds, pixelValues == null ? null : imageFeatures(pixelValues), imageTokens);
    }

    /**
     * {@link #inputEmbeddings} with the image features already computed ({@link #imageFeatures}), so that
     * rows sharing an image (one question, several answers to score) encode it once. Counting the
     * text's image tokens for the check is one read of the device; see
     * {@link #mergeImageFeatures(NDArray, NDArray, long)} for callers that counted them on the host.
     *
     * @param features {@code [tiles, tokens, text_hidden]} in the order the image tokens appear, or null
     * @throws IllegalArgumentException when the text's image tokens and the features differ in number
     */
    public NDArray mergeImageFeatures(NDArray inputIds, NDArray features) {
        long imageTokens;
        try (NDArray isImage = inputIds.eq(config.imageTokenId()); NDArray nonzero = isImage.countNonzero();
             NDArray count = nonzero.toType(DataType.INT64, false)) {
            imageTokens = HostReads.scalarLong(count, "image tokens counted to check them against the images");
        }
        return mergeImageFeatures(inputIds, features, imageTokens);
    }

    /**
     * {@link #mergeImageFeatures(NDArray, NDArray)} for a caller that knows how many image tokens
     * {@code inputIds} holds (it made the ids on the host): the merge then reads nothing back from the
     * device. The gather index is built there: row p of the result is row {@code index[p]} of
     * {@code [text embeddings; image features]}, {@code index = where(image, n + cumsum(image) - 1, p)}.
     *
     * @param imageTokens the number of {@code image_token_id} in {@code inputIds}
     * @throws IllegalArgumentException when {@code imageTokens} and the features differ in number
     */
    public NDArray mergeImageFeatures(NDArray inputIds, NDArray features, long imageTokens) {
        NDArray embeds = textDecoder.embedTokens(inputIds);
        int imageTokenId = config.imageTokenId();
        if (features == null) {
            if (imageTokens != 0) {
                throw new IllegalArgumentException("the text holds " + imageTokens + " image tokens (id "
                        + imageTokenId + ") but no images were given");
            }
            return embeds;
        }
        long hidden = embeds.getShape().get(2);
        long tiles = features.getShape().get(0);
        long perTile = features.getShape().get(1);
        if (imageTokens != tiles * perTile) {
            throw new IllegalArgumentException("the text holds " + imageTokens + " image tokens (id " + imageTokenId
                    + ") but the images give " + tiles * perTile + " features (" + tiles + " tiles x "
                    + perTile + ")");
        }
        // a gather, so gradients reach both the embedding table and the connector
        long n = inputIds.size();
        NDArray isImage = inputIds.reshape(n).eq(imageTokenId);
        NDArray nextFeature = isImage.toType(DataType.INT64, false).cumSum(0).add(n - 1);
        NDArray gather = NDArrays.where(isImage, nextFeature, inputIds.getManager().arange(0, n, 1, DataType.INT64));
        NDArray rows = NDArrays.concat(new NDList(embeds.reshape(n, hidden),
                features.reshape(tiles * perTile, hidden)), 0);
        NDArray merged = rows.get(new NDIndex("{}", gather));
        return merged.reshape(embeds.getShape());
    }

    /**
     * A full forward: merged embeddings, decoder, logits.
     *
     * @param attentionMask {@code [batch, past + seq]} or null; see {@link TextDecoder#forward}
     * @param cache         null, or the cache to attend to and extend
     */
    public ModelOutput forward(NDArray inputIds, NDArray pixelValues, NDArray attentionMask, KvCache cache) {
        NDArray hidden = textDecoder.forward(inputEmbeddings(inputIds, pixelValues), attentionMask, cache);
        return new ModelOutput(hidden, textDecoder.lmHead(hidden));
    }

    @Override
    public void close() {
        manager.close();
    }
}
