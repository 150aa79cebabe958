package org.vlmdistill.datasets.sample;

import org.vlmdistill.core.model.ImageProcessor;
import org.vlmdistill.core.model.ModelDirectory;
import org.vlmdistill.core.model.ModelFamilies;
import org.vlmdistill.core.multimodal.ImageTokenLayout;
import org.vlmdistill.datasets.batch.SkipSampleException;
import org.vlmdistill.datasets.read.SkipReason;
import org.vlmdistill.datasets.template.ChatTemplates;
import org.vlmdistill.datasets.template.ModelChatTemplate;
import org.vlmdistill.datasets.tokenizer.ChatTokenizer;
import org.vlmdistill.datasets.tokenizer.Tokens;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * One model directory's way in: a {@link Conversation} and its {@link ConversationImages} become the
 * {@link ModelInput} the model takes, through its chat template (with its special tokens), its
 * tokenizer.json, its image-token layout and its image processor. Training, evaluation, agreement and
 * the command line all go through {@link #input} and {@link #prompt}. Teacher and student each get their own.
 */
public final class ModelSamples implements AutoCloseable {
    private final Path modelDir;
    private final ModelChatTemplate template;
    private final ChatTokenizer tokenizer;
    private final Optional<ImageTokenLayout> layout;
    private final Optional<ImageProcessor> processor;
    private final SampleBuilder builder;

    private ModelSamples(Path modelDir, ModelChatTemplate template, ChatTokenizer tokenizer,
                         Optional<ImageTokenLayout> layout, Optional<ImageProcessor> processor, SampleOptions options) {
        this.modelDir = modelDir;
        this.template = template;
        this.tokenizer = tokenizer;
        this.layout = layout;
        this.processor = processor;
        List<String> endOfTurn = new ArrayList<>();
        Object eos = template.specialTokens().get("eos_token");
        if (eos instanceof String s) {
            endOfTurn.add(s);
        }
        endOfTurn.addAll(List.of("<|im_end|>", "<end_of_utterance>", "<|eot_id|>", "<|end|>", "</s>"));
        // a text-only model gets a placeholder no text holds, so image records are refused below
        ImageTokenLayout l = layout.orElse(new org.vlmdistill.core.multimodal.FixedImageTokens("\u0000", 1));
        this.builder = new SampleBuilder((messages, gen) -> template.render(messages, gen, Map.of()),
                textEncoder(tokenizer), l, options, SampleBuilder.readsContentParts(template.template().source()), endOfTurn);
    }

    /**
     * Template, tokenizer, image processor and its image-token layout of {@code modelDir} (no processor nor
     * layout for a text-only family); the processor is made from preprocessor_config.json by the model's
     * family, and runs only when an input's pixel values are asked for. Errors name the file.
     */
    public static ModelSamples open(Path modelDir, SampleOptions options) throws IOException {
        ModelChatTemplate template = ChatTemplates.load(modelDir);
        ModelDirectory source = ModelDirectory.open(modelDir);
        Optional<ImageProcessor> processor = ModelFamilies.installed()
                .family(source.config().modelType(), source.describe()).imageProcessor(source);
        ChatTokenizer tokenizer = ChatTokenizer.load(modelDir);
        return new ModelSamples(modelDir, template, tokenizer, processor.map(ImageProcessor::layout), processor, options);
    }

    /** A tokenizer.json tokenizer as the sample builder takes it. */
    public static TextEncoder textEncoder(ChatTokenizer tokenizer) {
        return new TextEncoder() {
            @Override
            public Encoded encode(String text) {
                Tokens t = tokenizer.encode(text);
                int[] ids = new int[t.size()];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = Math.toIntExact(t.ids()[i]);
                }
                return new Encoded(ids, t.starts(), t.ends());
            }

            @Override
            public String tokenString(int id) {
                return tokenizer.token(id).orElse("<" + id + ">");
            }
        };
    }

    /**
     * A conversation as this model trains on it or scores it: rendered with the template, each image
     * expanded into this model's image tokens, tokenized, the assistant turns labelled, shortened to the
     * token limit as the options say.
     *
     * @throws SkipSampleException when the conversation cannot become an input for this model: images and
     *                             placeholders differ in number, images for a text-only model, too long
     */
    public ModelInput input(Conversation conversation, ConversationImages images) {
        refuseImagesIfTextOnly(conversation, images);
        return attach(builder.build(conversation, images.sizes()), conversation, images);
    }

    /**
     * A conversation as a prompt for generation: rendered with the template's generation prompt (the
     * assistant header), images expanded, no token labelled, no token limit.
     *
     * @throws SkipSampleException when images and placeholders differ in number, or images for a text-only model
     */
    public ModelInput prompt(Conversation conversation, ConversationImages images) {
        refuseImagesIfTextOnly(conversation, images);
        return attach(builder.prompt(conversation, images.sizes()), conversation, images);
    }

    private void refuseImagesIfTextOnly(Conversation conversation, ConversationImages images) {
        if (layout.isEmpty() && images.size() > 0) {
            throw new SkipSampleException(SkipReason.IMAGE_COUNT_MISMATCH,
                    "record " + conversation.id() + " has images, and " + modelDir + " is a text-only model");
        }
    }

    private ModelInput attach(EncodedConversation e, Conversation conversation, ConversationImages images) {
        return new ModelInput(e.id(), e.text(), e.inputIds(), e.labels(), e.imageRuns(), e.shortened(),
                conversation.provenance(), images, processor);
    }

    public String tokenString(int id) {
        return tokenizer.token(id).orElse("<" + id + ">");
    }

    /** Generated ids as text, special tokens left out (HF's {@code decode(..., skip_special_tokens=True)}). */
    public String decode(int[] ids) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            l[i] = ids[i];
        }
        return tokenizer.decode(l, true);
    }

    /** The id of a token string as the vocabulary spells it. */
    public OptionalLong tokenId(String token) {
        return tokenizer.tokenId(token);
    }

    /**
     * The id batches are padded with, as HF's collators take it: the tokenizer's {@code pad_token}
     * (tokenizer_config.json / special_tokens_map.json), else {@code fallback} (the generation or model
     * config's {@code pad_token_id}), else the {@code eos_token}'s id, else 0. Only the attention mask
     * tells a model what is padding, so any id is safe; this one makes dumps read as HF's do.
     */
    public int padId(OptionalInt fallback) {
        for (String name : List.of("pad_token", "eos_token")) {
            if (template.specialTokens().get(name) instanceof String t && tokenizer.tokenId(t).isPresent()) {
                return Math.toIntExact(tokenizer.tokenId(t).getAsLong());
            }
            if (name.equals("pad_token") && fallback.isPresent()) {
                return fallback.getAsInt();
            }
        }
        return 0;
    }

    public ModelChatTemplate template() {
        return template;
    }

    public Optional<ImageTokenLayout> layout() {
        return layout;
    }

    /** The image processor inputs' pixel values come from; empty for a text-only model. */
    public Optional<ImageProcessor> processor() {
        return processor;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
