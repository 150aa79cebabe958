package org.vlmdistill.vlmd.cli;

import org.vlmdistill.core.text.TerminalText;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.vlmdistill.core.image.RgbImage;
import org.vlmdistill.datasets.batch.SkipSampleException;
import org.vlmdistill.datasets.image.ImageDecoder;
import org.vlmdistill.datasets.read.ReaderOptions;
import org.vlmdistill.datasets.read.Readers;
import org.vlmdistill.datasets.read.RecordReader;
import org.vlmdistill.datasets.record.ImageSource;
import org.vlmdistill.datasets.record.Provenance;
import org.vlmdistill.datasets.record.Record;
import org.vlmdistill.datasets.record.Role;
import org.vlmdistill.datasets.record.Turn;
import org.vlmdistill.datasets.sample.Conversation;
import org.vlmdistill.datasets.sample.ConversationImages;
import org.vlmdistill.datasets.sample.ModelInput;
import org.vlmdistill.datasets.sample.ModelSamples;
import org.vlmdistill.datasets.sample.SampleOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code vlmd data show}: one record as a model sees it — the rendered text, then every token with
 * its id, its string and whether it carries a label. What users debug templates and masks with.
 */
@Command(name = "show", mixinStandardHelpOptions = true,
        description = "One record as the model sees it: rendered text, then each token id, its string, and its label.")
final class DataShowCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "The model directory (chat template, tokenizer, image layout).")
    Path model;

    @Parameters(arity = "0..1", paramLabel = "FILE", description = "A data file (.json, .jsonl, .tsv, .tar).")
    String file;

    @Option(names = "--index", defaultValue = "0", description = "Which record of the file, counting good records from 0 (default ${DEFAULT-VALUE}).")
    long index;

    @Option(names = "--messages", description = "A conversation instead of a file record: "
            + "[{\"role\": \"user\", \"content\": \"<image>\\nWhat is this?\"}, {\"role\": \"assistant\", \"content\": \"...\"}]")
    String messages;

    @Option(names = "--image", description = "Image files for --messages, one per <image>, in order.")
    List<Path> images = new ArrayList<>();

    @Option(names = "--image-root", description = "Directory image paths are relative to (default: the data file's directory).")
    Path imageRoot;

    @Option(names = "--max-tokens", defaultValue = "2048", description = "Token limit (default ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--verbatim", description = "Print runs of image tokens in full instead of <image>×N.")
    boolean verbatim;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if ((file == null) == (messages == null)) {
            throw new Vlmd.UsageException("give either a FILE or --messages");
        }
        PrintWriter out = spec.commandLine().getOut();
        Record record = messages != null ? fromMessages() : fromFile();
        ConversationImages images = ConversationImages.decode(record.images(), new ImageDecoder());
        // the token view only: no pixel values are asked for, so the processor never runs
        try (ModelSamples samples = ModelSamples.open(model, SampleOptions.defaults().withMaxTokens(maxTokens))) {
            ModelInput e;
            try {
                e = samples.input(Conversation.of(record), images);
            } catch (SkipSampleException skip) {
                throw new IllegalStateException(record.provenance() + ": the record would be skipped: " + skip.getMessage());
            }
            out.printf("record %s from %s%n", TerminalText.escape(record.id()),
                    TerminalText.escape(record.provenance().toString()));
            for (int k = 0; k < images.size(); k++) {
                RgbImage image = images.images().get(k);
                out.printf("image %d: %s, %dx%d%n", k, TerminalText.escape(record.images().get(k).name()),
                        image.width(), image.height());
            }
            String imageToken = samples.layout().map(l -> l.imageToken()).orElse(null);
            out.printf("--- rendered text (%d chars%s) ---%n", e.text().length(),
                    verbatim || imageToken == null ? "" : "; runs of " + imageToken + " shown as " + imageToken + "×N");
            out.println(TerminalText.escapeKeepingLines(verbatim || imageToken == null ? e.text()
                    : collapse(e.text(), imageToken)));
            out.printf("--- tokens: %d, labelled %d%s ---%n", e.length(), e.labelledTokens(),
                    e.shortened() ? ", shortened to the limit" : "");
            printTokens(out, e, samples);
            out.flush();
        }
        return Vlmd.EXIT_OK;
    }

    private Record fromFile() throws Exception {
        ReaderOptions options = imageRoot != null ? ReaderOptions.DEFAULTS.withImageRoot(imageRoot) : ReaderOptions.DEFAULTS;
        try (RecordReader reader = Readers.open(Readers.expand(file), options)) {
            long i = 0;
            for (Optional<Record> r = reader.next(); r.isPresent(); r = reader.next()) {
                if (i++ == index) {
                    return r.get();
                }
            }
            throw new Vlmd.UsageException(file + ": has " + i + " good record(s), no index " + index
                    + (reader.stats().skipped() > 0 ? " (" + reader.stats().skipped() + " skipped: see vlmd data check)" : ""));
        }
    }

    private Record fromMessages() {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(messages);
        } catch (Exception e) {
            throw new Vlmd.UsageException("--messages is not valid JSON: " + e.getMessage());
        }
        if (root == null || !root.isArray()) {
            throw new Vlmd.UsageException("--messages must be a JSON array of {\"role\", \"content\"}");
        }
        List<Turn> turns = new ArrayList<>();
        for (int i = 0; i < root.size(); i++) {
            JsonNode m = root.get(i);
            if (!m.path("role").isTextual() || !m.path("content").isTextual()) {
                throw new Vlmd.UsageException("--messages[" + i + "]: needs string fields role and content");
            }
            try {
                turns.add(new Turn(Role.parse(m.get("role").asText()), m.get("content").asText()));
            } catch (IllegalArgumentException e) {
                throw new Vlmd.UsageException("--messages[" + i + "].role: " + e.getMessage());
            }
        }
        List<ImageSource> srcs = images.stream().<ImageSource>map(ImageSource.File::new).toList();
        return new Record("messages", turns, srcs, Map.of(), new Provenance(Path.of("--messages"), "argument"));
    }

    private static String collapse(String text, String token) {
        StringBuilder s = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            int j = i;
            while (text.startsWith(token, j)) {
                j += token.length();
            }
            int run = (j - i) / token.length();
            if (run > 1) {
                s.append(token).append('×').append(run);
                i = j;
            } else {
                s.append(text.charAt(i));
                i++;
            }
        }
        return s.toString();
    }

    private void printTokens(PrintWriter out, ModelInput e, ModelSamples samples) {
        out.printf("%6s %8s  %-5s %s%n", "pos", "id", "label", "token");
        int i = 0;
        while (i < e.length()) {
            int id = e.inputIds()[i];
            int j = i + 1;
            while (!verbatim && j < e.length() && e.inputIds()[j] == id && e.labels()[j] == e.labels()[i]) {
                j++;
            }
            String label = e.labels()[i] == ModelInput.IGNORE_INDEX ? "" : "yes";
            String token = TerminalText.escape(samples.tokenString(id));
            if (j - i > 2) {
                out.printf("%6s %8d  %-5s %s ×%d%n", i + ".." + (j - 1), id, label, token, j - i);
                i = j;
            } else {
                out.printf("%6d %8d  %-5s %s%n", i, id, label, token);
                i++;
            }
        }
    }
}
