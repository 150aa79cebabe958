package org.vlmdistill.eval.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.datasets.image.ImageDecoder;
import org.vlmdistill.datasets.read.ReaderOptions;
import org.vlmdistill.datasets.shapes.ShapesDataset;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchmarksTest {
    @TempDir
    Path dir;

    private static String png(int rgb) throws IOException {
        BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                img.setRGB(x, y, rgb + x * y);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return Base64.getEncoder().encodeToString(out.toByteArray());
    }

    private Benchmark load(String name, String content, BenchmarkKind kind, int limit) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, content);
        return Benchmarks.load(new Benchmarks.Spec(f, Optional.ofNullable(kind)), limit, ReaderOptions.DEFAULTS,
                new ImageDecoder());
    }

    @Test
    void multipleChoiceTableKeepsGoodRowsAndListsEveryBadOne() throws IOException {
        String ok = png(0x102030);
        String tsv = String.join("\n",
                "index\timage\tquestion\thint\tA\tB\tC\tD\tanswer\tcategory",
                "1\t" + ok + "\tWhat color?\tLook closely.\tred\tblue\tgreen\tyellow\tB\tcolor",
                "2\t" + Base64.getEncoder().encodeToString("not an image, though long enough not to read as a reference to another row".getBytes()) + "\tQ2\tnan\tx\ty\tnan\tnan\tA\tcolor",
                "3\t" + ok + "\tQ3\tnan\tx\ty\tz\tnan\t\tcount",
                "4\t" + ok + "\tQ4\tnan\tx\ty\tz\tnan\tD\tcount",
                "5\t" + ok + "\tQ5\tnan\tone\ttwo\tthree\tnan\tthree\tcount",
                "6\t" + ok + "\tQ6\tnan\tx\ty\tnan\tnan\tA") + "\n";
        Benchmark b = load("mmb.tsv", tsv, null, 0);
        assertEquals(BenchmarkKind.MULTIPLE_CHOICE, b.kind());
        assertEquals(6, b.records());
        assertEquals(List.of("1", "5"), b.items().stream().map(BenchItem::id).toList());
        BenchItem first = b.items().getFirst();
        assertEquals("Look closely.\nWhat color?", first.question());
        assertEquals(List.of("A", "B", "C", "D"), first.choices().stream().map(Choice::letter).toList());
        assertEquals("B", first.answer());
        assertEquals("C", b.items().get(1).answer(), "an answer given as the option's text becomes its letter");
        assertEquals(3, b.items().get(1).choices().size(), "a missing option column is not offered");
        Map<String, String> reasons = b.problems().stream().collect(Collectors.toMap(BenchProblem::id, BenchProblem::reason));
        assertEquals(Map.of("2", "undecodable_image", "3", "no_answer", "4", "answer_not_an_option",
                "row 6", "wrong_column_count"), reasons, b.problems().toString());
        assertTrue(b.problems().stream().allMatch(p -> p.location().contains("mmb.tsv row")), b.problems().toString());
        assertEquals((1.0 / 4 + 1.0 / 3) / 2, b.chance(), 1e-12);
        assertEquals(64, b.sha256().length());
    }

    @Test
    void yesNoIsDetectedAndPairsShareTheImageKey() throws IOException {
        String a = png(0x404040);
        String c = png(0x808080);
        String tsv = String.join("\n", "index\timage\tquestion\tanswer\tcategory",
                "1\t" + a + "\tIs there a dog? Please answer yes or no.\tYes\texistence",
                "2\t" + a + "\tIs there a cat? Please answer yes or no.\tNo\texistence",
                "3\t" + c + "\tIs it red?\tyes.\tcolor") + "\n";
        Benchmark b = load("mme.tsv", tsv, null, 0);
        assertEquals(BenchmarkKind.YES_NO, b.kind());
        assertEquals(b.items().get(0).imageKey(), b.items().get(1).imageKey());
        assertTrue(!b.items().get(0).imageKey().equals(b.items().get(2).imageKey()));
        assertEquals("yes", b.items().get(2).answer(), "the final period goes");
        assertEquals(0.5, b.chance());
    }

    @Test
    void vqaJsonlWithTenAnswersIsOpenAndLimitStopsReading() throws IOException {
        Files.write(dir.resolve("img.png"), Base64.getDecoder().decode(png(0x203040)));
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            jsonl.append("{\"id\": \"q").append(i).append("\", \"image\": \"img.png\", \"conversations\": ")
                    .append("[{\"from\": \"human\", \"value\": \"<image>\\nWhat is written?\"}], ")
                    .append("\"answers\": [\"stop\",\"stop\",\"stop\",\"Stop.\",\"halt\",\"stop\",\"stop\",\"stop\",\"stop\",\"stop\"]}\n");
        }
        Benchmark b = load("textvqa.jsonl", jsonl.toString(), null, 3);
        assertEquals(BenchmarkKind.OPEN, b.kind());
        assertEquals(3, b.items().size());
        assertEquals(10, b.items().getFirst().references().size());
        assertEquals("What is written?", b.items().getFirst().question());
    }

    @Test
    void mmbenchCircularCopiesGroupByIndexModuloAMillion() throws IOException {
        String ok = png(0x112233);
        String tsv = String.join("\n", "index\timage\tquestion\tA\tB\tanswer",
                "7\t" + ok + "\tQ\tx\ty\tA",
                "1000007\t7\tQ\ty\tx\tB",
                "8\t" + ok + "\tR\tu\tv\tB") + "\n";
        Benchmark b = load("mmbench_circ.tsv", tsv, null, 0);
        assertEquals(List.of(7L, 7L, 8L), b.items().stream().map(BenchItem::group).toList());
    }

    @Test
    void shapesFilesLoadAsExactAndMultipleChoice() throws IOException {
        ShapesDataset.write(dir.resolve("shapes"), 0, 40, 7);
        Benchmark open = Benchmarks.load(new Benchmarks.Spec(dir.resolve("shapes/test.tsv"), Optional.empty()), 0,
                ReaderOptions.DEFAULTS, new ImageDecoder());
        Benchmark mcq = Benchmarks.load(new Benchmarks.Spec(dir.resolve("shapes/test_mcq.tsv"), Optional.empty()), 0,
                ReaderOptions.DEFAULTS, new ImageDecoder());
        Benchmark jsonl = Benchmarks.load(new Benchmarks.Spec(dir.resolve("shapes/test.jsonl"), Optional.empty()), 0,
                ReaderOptions.DEFAULTS, new ImageDecoder());
        assertEquals(BenchmarkKind.EXACT, open.kind());
        assertEquals(40, open.items().size());
        assertTrue(open.problems().isEmpty(), open.problems().toString());
        assertEquals(BenchmarkKind.MULTIPLE_CHOICE, mcq.kind());
        assertTrue(mcq.items().size() > 5 && mcq.items().stream().allMatch(i -> i.choices().size() == 4));
        assertEquals(BenchmarkKind.EXACT, jsonl.kind());
        assertEquals(open.items().stream().map(BenchItem::references).toList(),
                jsonl.items().stream().map(BenchItem::references).toList(), "the TSV and the JSONL hold the same answers");
        assertEquals(open.items().stream().map(BenchItem::category).toList(),
                jsonl.items().stream().map(BenchItem::category).toList());
    }

    @Test
    void aKindCanBeNamedAfterTheFile() {
        Benchmarks.Spec s = Benchmarks.Spec.parse("data/pope.tsv:yes_no");
        assertEquals(Path.of("data/pope.tsv"), s.file());
        assertEquals(Optional.of(BenchmarkKind.YES_NO), s.kind());
        assertEquals(Optional.empty(), Benchmarks.Spec.parse("C:dir/x.tsv").kind());
    }
}
