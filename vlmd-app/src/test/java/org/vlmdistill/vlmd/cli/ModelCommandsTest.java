package org.vlmdistill.vlmd.cli;

import org.vlmdistill.tiny.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.core.safetensors.SafetensorsCheckpoint;
import org.vlmdistill.core.safetensors.TensorInfo;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.imageio.ImageIO;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code vlmd inspect} and {@code vlmd generate} on a tiny SmolVLM-shaped directory with every real file. */
class ModelCommandsTest {
    private final long seed = System.nanoTime();

    @Test
    void inspectReportsFamilyComponentsThatAddUpTokenizerAndImageTokens(@TempDir Path tmp) throws Exception {
        Path dir = TinyModels.idefics3(tmp.resolve("tiny"), seed);
        CliRun r = CliRun.run("inspect", "--model", dir.toString());
        assertEquals(0, r.code(), r.err());
        String out = r.out();
        assertTrue(out.contains("family: idefics3 (Idefics3Family)"), out);
        long inFiles;
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(dir)) {
            inFiles = c.tensors().stream().mapToLong(TensorInfo::numElements).sum();
        }
        long sum = 0;
        for (String component : new String[] {"vision", "connector", "text", "lm_head"}) {
            Matcher m = Pattern.compile("\\n  " + component + "\\s+\\d+ tensors\\s+([\\d,]+) parameters").matcher(out);
            assertTrue(m.find(), component + " in " + out);
            sum += Long.parseLong(m.group(1).replace(",", ""));
        }
        assertEquals(inFiles, sum, out);
        assertTrue(out.contains("check: components %,d + tensors that are not parameters 0 = %,d in the files: equal"
                .formatted(sum, inFiles)), out);
        assertTrue(out.contains("tokenizer: %d tokens".formatted(TinyModels.vocabSize())), out);
        assertTrue(out.contains("eos_token: <end_of_utterance> (id %d)".formatted(TinyModels.EOS_ID)), out);
        // 32x32 tower, scale 2: 4 tokens per tile; every image goes to longest edge 64, then 2x2 tiles + global
        assertTrue(out.contains("image tokens per image (<image>): 32x32 -> 20; 640x480 -> 20;"), out);
    }

    @Test
    void generateAnswersWithTheModelsTemplateAndStopsWhereAsked(@TempDir Path tmp) throws Exception {
        Path dir = TinyModels.idefics3(tmp.resolve("tiny"), seed);
        Path image = tmp.resolve("img.png");
        BufferedImage img = new BufferedImage(50, 30, BufferedImage.TYPE_INT_RGB);
        Random random = new Random(seed);
        for (int y = 0; y < 30; y++) {
            for (int x = 0; x < 50; x++) {
                img.setRGB(x, y, random.nextInt(1 << 24));
            }
        }
        ImageIO.write(img, "png", image.toFile());
        CliRun greedy = CliRun.run("generate", "--model", dir.toString(), "--image", image.toString(),
                "--prompt", "what color is the shape ?", "--max-new-tokens", "7");
        assertEquals(0, greedy.code(), greedy.err());
        String answer = greedy.out().strip();
        // every generated token is a word or special of the tiny vocabulary, at most 7 of them; the decoder
        // joins them with spaces but drops the one before "?" (WordPiece's cleanup: "is ?" reads "is?")
        String[] words = answer.isEmpty() ? new String[0] : answer.split(" |(?=\\?)");
        assertTrue(words.length <= 7, answer);
        for (String w : words) {
            assertTrue(TinyModels.WORDS.contains(w) || TinyModels.SPECIAL.contains(w), w + " in " + answer);
        }
        Matcher m = Pattern.compile("\\((\\d+) prompt tokens, (\\d+) generated").matcher(greedy.err());
        assertTrue(m.find(), greedy.err());
        // <|im_start|> User : <image run for 50x30 -> 64x38 -> 64x64 = 2x2 tiles + global, 5 x (4 + 2 or 3)>
        assertTrue(Integer.parseInt(m.group(1)) > 5 * 4, greedy.err());
        assertEquals(greedy.out(), CliRun.run("generate", "--model", dir.toString(), "--image", image.toString(),
                "--prompt", "what color is the shape ?", "--max-new-tokens", "7").out(), "greedy is deterministic");

        CliRun sampled = CliRun.run("generate", "--model", dir.toString(), "--image", image.toString(),
                "--prompt", "what color is the shape ?", "--max-new-tokens", "5", "--sample", "--seed", "3");
        assertEquals(0, sampled.code(), sampled.err());
        assertEquals(sampled.out(), CliRun.run("generate", "--model", dir.toString(), "--image", image.toString(),
                "--prompt", "what color is the shape ?", "--max-new-tokens", "5", "--sample", "--seed", "3").out(),
                "a seed fixes the sample");
    }

    @Test
    void theDataSideAndTheModelCountImageTokensAlike(@TempDir Path tmp) throws Exception {
        Path dir = TinyModels.idefics3(tmp.resolve("tiny"), seed);
        try (var m = (org.vlmdistill.core.model.VisionLanguageModel) org.vlmdistill.core.model.Models.structure(
                org.vlmdistill.core.model.ModelDirectory.open(dir),
                org.vlmdistill.core.device.ComputePolicy.of(java.util.Map.of("dtype", "fp32")));
             var samples = org.vlmdistill.datasets.sample.ModelSamples.open(dir,
                     org.vlmdistill.datasets.sample.SampleOptions.defaults())) {
            assertEquals(m.imageProcessor().layout(), samples.layout().orElseThrow());
        }
    }

    @Test
    void generateRejectsAnImageItCannotDecodeNamingTheFile(@TempDir Path tmp) throws Exception {
        Path dir = TinyModels.idefics3(tmp.resolve("tiny"), seed);
        Path bad = tmp.resolve("broken.jpg");
        Files.write(bad, new byte[] {(byte) 0xFF, (byte) 0xD8, 1, 2, 3});
        CliRun r = CliRun.run("generate", "--model", dir.toString(), "--image", bad.toString(), "--prompt", "what");
        assertEquals(2, r.code(), r.out());
        assertTrue(r.err().contains("broken.jpg"), r.err());
    }
}
