package org.vlmdistill.vision.internvl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vlmdistill.core.config.InternVLChatConfig;
import org.vlmdistill.core.image.ImageResize;
import org.vlmdistill.core.image.RgbImage;
import org.vlmdistill.core.model.PixelValues;
import org.vlmdistill.vision.Npy;
import org.vlmdistill.vision.Tiny;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * InternVL's tiling and normalisation against the reference's ({@code OpenGVLab/InternVL} 2410d1dbf208,
 * {@code dynamic_preprocess} + {@code build_transform}, Pillow 9.4, torchvision), from
 * {@code src/test/resources/internvl}: the eight cases of {@code preprocess/preprocess.json} (two images,
 * tiles of 28 and 448, max_num 6 and 12) and the pixel values of the model cases (56-pixel tiles, max 2,
 * thumbnail). Every comparison is exact: the uint8 tiles byte for byte, the fp32 pixel values bit for bit
 * (their SHA-256 where the fixture gives only that); the channel means, which torch sums in another order,
 * to 1e-6.
 */
class InternVLImageProcessorTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final long seed = System.nanoTime();
    private final java.util.Random random = new java.util.Random(seed);
    private final NDManager manager = NDManager.newBaseManager();

    @AfterEach
    void close() {
        manager.close();
    }

    private static Path resource(String name) {
        try {
            var url = InternVLImageProcessorTest.class.getResource("/internvl/" + name);
            if (url == null) {
                throw new IllegalStateException("missing test resource internvl/" + name);
            }
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An 8-bit RGB PNG as the reference's {@code Image.open(...).convert('RGB')} sees it. */
    static RgbImage png(String name) {
        try {
            BufferedImage b = ImageIO.read(resource(name).toFile());
            byte[] rgb = new byte[b.getWidth() * b.getHeight() * 3];
            for (int y = 0, p = 0; y < b.getHeight(); y++) {
                for (int x = 0; x < b.getWidth(); x++, p += 3) {
                    int argb = b.getRGB(x, y);
                    rgb[p] = (byte) (argb >> 16);
                    rgb[p + 1] = (byte) (argb >> 8);
                    rgb[p + 2] = (byte) argb;
                }
            }
            return new RgbImage(b.getWidth(), b.getHeight(), rgb);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode cases() {
        try {
            return JSON.readTree(resource("preprocess/preprocess.json").toFile()).get("cases");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Stream<String> caseNames() {
        List<String> names = new ArrayList<>();
        cases().fieldNames().forEachRemaining(names::add);
        return names.stream();
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] littleEndian(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return b.array();
    }

    private static double maxAbsDiff(float[] want, float[] got) {
        assertEquals(want.length, got.length, "value count");
        double max = 0;
        for (int i = 0; i < want.length; i++) {
            max = Math.max(max, Math.abs((double) want[i] - got[i]));
        }
        return max;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("caseNames")
    void tilingEqualsTheReference(String name) throws IOException {
        JsonNode c = cases().get(name);
        int s = c.get("image_size").asInt();
        RgbImage image = png(c.get("image").asText());
        assertEquals(c.get("width").asInt(), image.width());
        assertEquals(c.get("height").asInt(), image.height());
        InternVLImageProcessor p = InternVLImageProcessor.of(s, c.get("min_num").asInt(), c.get("max_num").asInt(),
                c.get("use_thumbnail").asBoolean(), true, 256);

        InternVLImageTokens.Grid grid = p.layout().grid(image.width(), image.height());
        assertEquals(c.get("grid_cols_rows").get(0).asInt(), grid.cols(), "cols");
        assertEquals(c.get("grid_cols_rows").get(1).asInt(), grid.rows(), "rows");
        assertEquals(c.get("blocks").asInt(), grid.blocks(), "blocks");
        assertEquals(c.get("thumbnail").asBoolean(), p.layout().thumbnail(grid), "thumbnail");
        int tiles = c.get("num_tiles").asInt();
        assertEquals(tiles, p.layout().tiles(image.width(), image.height()), "tiles");
        assertEquals(256 * tiles, p.layout().imageTokenCount(image.width(), image.height()));

        InternVLImageProcessor.Tiles t = p.tiles(image);
        assertEquals(tiles, t.tiles().size());
        byte[] uint8 = new byte[tiles * s * s * 3];
        for (int i = 0; i < tiles; i++) {
            System.arraycopy(t.tiles().get(i).rgb(), 0, uint8, i * s * s * 3, s * s * 3);
        }
        PixelValues px = p.process(image);
        assertArrayEquals(new int[] {tiles, 3, s, s}, new int[] {px.tiles(), px.channels(), px.height(), px.width()});
        assertArrayEquals(JSON.convertValue(c.get("pixel_values_shape"), int[].class),
                new int[] {px.tiles(), px.channels(), px.height(), px.width()});
        assertEquals(grid.blocks() > 1 ? grid.rows() : 0, px.rows());
        assertEquals(grid.blocks() > 1 ? grid.cols() : 0, px.cols());

        if (c.has("tiles_uint8_file")) {
            NDArray want = Npy.read(manager, resource("preprocess/" + c.get("tiles_uint8_file").asText()));
            assertArrayEquals(new long[] {tiles, s, s, 3}, want.getShape().getShape());
            assertArrayEquals(want.toByteArray(), uint8, "uint8 tiles");
            float[] wantPx = Npy.read(manager, resource("preprocess/" + c.get("pixel_values_file").asText()))
                    .toFloatArray();
            double diff = maxAbsDiff(wantPx, px.values());
            System.out.printf("InternVL tiling %s: grid %dx%d, %d tiles, pixel values max |diff| %.3g%n", name,
                    grid.cols(), grid.rows(), tiles, diff);
            assertArrayEquals(wantPx, px.values(), 0f, "pixel values");
        }
        assertEquals(c.get("tiles_uint8_sha256").asText(), sha256(uint8), "SHA-256 of the uint8 tiles");
        assertEquals(c.get("pixel_values_sha256_f32le").asText(), sha256(littleEndian(px.values())),
                "SHA-256 of the fp32 pixel values");

        int plane = s * s;
        for (int i = 0; i < tiles; i++) {
            for (int ch = 0; ch < 3; ch++) {
                double sum = 0;
                for (int k = 0; k < plane; k++) {
                    sum += px.values()[(i * 3 + ch) * plane + k];
                }
                assertEquals(c.get("tile_channel_mean").get(i).get(ch).asDouble(), sum / plane, 1e-6,
                        "mean of tile " + i + " channel " + ch);
            }
        }
        if (c.has("samples")) {
            JsonNode index = c.get("samples").get("flat_index");
            JsonNode value = c.get("samples").get("value");
            for (int k = 0; k < index.size(); k++) {
                assertEquals((float) value.get(k).asDouble(), px.values()[index.get(k).asInt()], 0f,
                        "flat index " + index.get(k).asInt());
            }
            JsonNode row = c.get("tile0_row0_channel0");
            for (int x = 0; x < s; x++) {
                assertEquals((float) row.get(x).asDouble(), px.values()[x], 0f, "tile 0 row 0 channel 0 x " + x);
            }
            RgbImage last = t.tiles().getLast();
            for (int ch = 0; ch < 3; ch++) {
                assertEquals(c.get("last_tile_center_rgb_uint8").get(ch).asInt(), last.at(s / 2, s / 2, ch));
            }
        }
    }

    /** The reference's pixel values of the whole-model cases: 56-pixel tiles, at most 2 blocks, thumbnail. */
    @Test
    void modelCasesPixelValuesEqualTheReference() throws IOException {
        InternVLImageProcessor p = InternVLImageProcessor.of(56, 1, 2, true, true, 4);
        String[][] cases = {{"model_one_tile.png", "internlm2_1tile", "1"}, {"model_three_tiles.png", "internlm2_3tiles", "3"}};
        for (String[] c : cases) {
            RgbImage image = png("images/" + c[0]);
            NDArray want = Npy.read(manager, resource(c[1] + "/pixel_values.npy"));
            PixelValues px = p.process(image);
            int tiles = Integer.parseInt(c[2]);
            assertArrayEquals(new long[] {tiles, 3, 56, 56}, want.getShape().getShape());
            assertEquals(tiles, px.tiles(), c[0]);
            assertEquals(4 * tiles, p.layout().imageTokenCount(image.width(), image.height()));
            double diff = maxAbsDiff(want.toFloatArray(), px.values());
            System.out.printf("InternVL model case %s: %d tiles, pixel values max |diff| %.3g%n", c[1], tiles, diff);
            assertArrayEquals(want.toFloatArray(), px.values(), 0f, c[1]);
        }
    }

    /** The fixture models' config.json fields give the processor the model cases were tiled with. */
    @Test
    void configGivesTheModelCasesProcessor() {
        InternVLChatConfig config = (InternVLChatConfig) Tiny.config("{'model_type': 'internvl_chat',"
                + " 'force_image_size': 56, 'dynamic_image_size': true, 'use_thumbnail': true, 'min_dynamic_patch': 1,"
                + " 'max_dynamic_patch': 2, 'downsample_ratio': 0.5, 'ps_version': 'v2', 'vision_config': {"
                + "'model_type': 'intern_vit_6b', 'hidden_size': 32, 'intermediate_size': 64, 'num_hidden_layers': 3,"
                + " 'num_attention_heads': 4, 'image_size': 56, 'patch_size': 14}, 'llm_config': {'architectures':"
                + " ['Qwen2ForCausalLM'], 'model_type': 'qwen2', 'vocab_size': 64, 'hidden_size': 16,"
                + " 'intermediate_size': 32, 'num_hidden_layers': 1, 'num_attention_heads': 2, 'num_key_value_heads': 2}}");
        assertEquals(new InternVLImageTokens(56, 1, 2, true, true, 4), InternVLImageProcessor.forConfig(config).layout());
        // without force_image_size the tower's size; dynamic_image_size defaults to off: one tile
        InternVLChatConfig plain = (InternVLChatConfig) Tiny.config("{'model_type': 'internvl_chat', 'vision_config': {"
                + "'model_type': 'intern_vit_6b', 'hidden_size': 32, 'intermediate_size': 64, 'num_hidden_layers': 3,"
                + " 'num_attention_heads': 4, 'image_size': 56, 'patch_size': 14}, 'llm_config': {'architectures':"
                + " ['Qwen2ForCausalLM'], 'model_type': 'qwen2', 'vocab_size': 64, 'hidden_size': 16,"
                + " 'intermediate_size': 32, 'num_hidden_layers': 1, 'num_attention_heads': 2, 'num_key_value_heads': 2}}");
        InternVLImageTokens l = InternVLImageProcessor.forConfig(plain).layout();
        assertEquals(56, l.imageSize());
        assertEquals(4, l.imageTokenCount(1000, 300));
    }

    /** torchvision's float32 {@code v / 255} is the shared {@code Normalization}'s {@code float(v * (1/255))}. */
    @Test
    void toTensorEqualsTheSharedRescaleForEveryByte() {
        for (int v = 0; v < 256; v++) {
            assertEquals((float) v / 255f, (float) (v * (1.0 / 255)), 0f, "byte " + v);
        }
    }

    /**
     * The grid rule stated without the reference's loop: the chosen grid is a candidate; no candidate's
     * ratio is nearer {@code w/h} (distances in float64, see {@link #compareDistance}); among the equally near ones it has the largest area of those the image covers
     * more than half of at the tile size ({@code 2 w h > s^2 c r}), or the smallest area when none does.
     * The tile count is cols * rows, plus the thumbnail when there is more than one block.
     */
    @Test
    void gridChoiceFollowsTheRuleForRandomSizes() {
        for (int n = 0; n < 1000; n++) {
            int w = 1 + random.nextInt(random.nextBoolean() ? 100 : 5000);
            int h = 1 + random.nextInt(random.nextBoolean() ? 100 : 5000);
            int s = switch (random.nextInt(4)) {
                case 0 -> 448;
                case 1 -> 28;
                case 2 -> 1 + random.nextInt(64);
                default -> 1 + random.nextInt(1024);
            };
            int min = random.nextInt(4) == 0 ? 1 + random.nextInt(3) : 1;
            int max = min + random.nextInt(random.nextBoolean() ? 12 : 40);
            boolean thumbnail = random.nextBoolean();
            InternVLImageTokens layout = new InternVLImageTokens(s, min, max, thumbnail, true, 1 + random.nextInt(300));
            InternVLImageTokens.Grid g = layout.grid(w, h);
            String at = "seed " + seed + ": " + w + "x" + h + ", tile " + s + ", blocks " + min + ".." + max;

            assertTrue(g.blocks() >= min && g.blocks() <= max, at + ": grid " + g);
            List<long[]> nearest = new ArrayList<>(); // {cols, rows}
            for (int c = 1; c <= max; c++) {
                for (int r = 1; c * r <= max; r++) {
                    if (c * r < min) {
                        continue;
                    }
                    if (nearest.isEmpty() || compareDistance(w, h, c, r, nearest.getFirst()) < 0) {
                        nearest.clear();
                        nearest.add(new long[] {c, r});
                    } else if (compareDistance(w, h, c, r, nearest.getFirst()) == 0) {
                        nearest.add(new long[] {c, r});
                    }
                }
            }
            assertEquals(0, compareDistance(w, h, g.cols(), g.rows(), nearest.getFirst()), at + ": grid " + g
                    + " is not among the nearest ratios");
            // the first of the nearest (smallest area) is replaced by each later one the image covers more than
            // half of; coverage falls with the area, so the last replacement is the largest covered area
            long smallest = nearest.stream().mapToLong(x -> x[0] * x[1]).min().orElseThrow();
            long largestCovered = nearest.stream().mapToLong(x -> x[0] * x[1])
                    .filter(area -> 2L * w * h > (long) s * s * area).max().orElse(0);
            assertEquals(Math.max(smallest, largestCovered), g.blocks(), at + ": grid " + g);

            int tiles = g.blocks() + (thumbnail && g.blocks() > 1 ? 1 : 0);
            assertEquals(tiles, layout.tiles(w, h), at);
            assertEquals(layout.numImageToken() * tiles, layout.imageTokenCount(w, h), at);
            String text = layout.expand(w, h);
            assertTrue(text.startsWith("<img>") && text.endsWith("</img>"), at);
            assertEquals("<img>" + "<IMG_CONTEXT>".repeat(layout.imageTokenCount(w, h)) + "</img>", text, at);
        }
    }

    /**
     * {@code sign(|w/h - c/r| - |w/h - c'/r'|)} with each quotient and difference a float64, as the reference
     * computes them: exact fractions would differ where a ratio lies midway between two grids' (21x36 is
     * 1/12 from both 1/2 and 2/3; in float64 2/3 is nearer, and the reference picks 2x3).
     */
    private static int compareDistance(long w, long h, long c, long r, long[] other) {
        double aspect = (double) w / h;
        return Double.compare(Math.abs(aspect - (double) c / r), Math.abs(aspect - (double) other[0] / other[1]));
    }

    /** The processor cuts the tiles the layout counts, each the right pixels of the BICUBIC-resized image. */
    @Test
    void processorCutsTheLayoutsTilesFromTheResizedImage() {
        InternVLImageProcessor p = InternVLImageProcessor.of(16, 1, 6, true, true, 4);
        for (int n = 0; n < 40; n++) {
            int w = 1 + random.nextInt(120);
            int h = 1 + random.nextInt(120);
            RgbImage image = Tiny.image(random, w, h);
            InternVLImageProcessor.Tiles t = p.tiles(image);
            InternVLImageTokens.Grid g = t.grid();
            String at = "seed " + seed + ": " + w + "x" + h;
            assertEquals(p.layout().tiles(w, h), t.tiles().size(), at);
            assertEquals(p.layout().tiles(w, h), p.process(image).tiles(), at);
            RgbImage resized = ImageResize.resize(image, 16 * g.cols(), 16 * g.rows(), ImageResize.Filter.BICUBIC);
            int k = random.nextInt(g.blocks());
            RgbImage tile = t.tiles().get(k);
            for (int y = 0; y < 16; y++) {
                for (int x = 0; x < 16; x++) {
                    for (int ch = 0; ch < 3; ch++) {
                        assertEquals(resized.at((k % g.cols()) * 16 + x, (k / g.cols()) * 16 + y, ch),
                                tile.at(x, y, ch), at + ": block " + k);
                    }
                }
            }
            if (g.blocks() > 1) {
                assertArrayEquals(ImageResize.resize(image, 16, 16, ImageResize.Filter.BICUBIC).rgb(),
                        t.tiles().getLast().rgb(), at + ": thumbnail");
            }
        }
    }

    @Test
    void withoutDynamicSizeEveryImageIsOneResizedTile() {
        InternVLImageProcessor p = InternVLImageProcessor.of(16, 1, 12, true, false, 4);
        RgbImage image = Tiny.image(random, 90, 20);
        PixelValues px = p.process(image);
        assertEquals(1, px.tiles());
        assertEquals(0, px.rows());
        assertEquals(4, p.layout().imageTokenCount(90, 20));
        assertArrayEquals(ImageResize.resize(image, 16, 16, ImageResize.Filter.BICUBIC).rgb(),
                p.tiles(image).tiles().getFirst().rgb());
    }

    /** {@code convert('RGB')}: the alpha band is dropped before any resize, the colour under it kept. */
    @Test
    void alphaIsDroppedAsConvertRgbDoes() {
        InternVLImageProcessor p = InternVLImageProcessor.of(16, 1, 6, true, true, 4);
        RgbImage opaque = Tiny.image(random, 40, 17);
        byte[] alpha = new byte[40 * 17];
        random.nextBytes(alpha);
        RgbImage withAlpha = new RgbImage(40, 17, opaque.rgb(), alpha);
        assertArrayEquals(p.process(opaque).values(), p.process(withAlpha).values(), 0f);
        assertFalse(p.tiles(withAlpha).tiles().getFirst().hasAlpha());
    }

    @Test
    void badSettingsNameTheField() {
        IllegalArgumentException min = assertThrows(IllegalArgumentException.class,
                () -> new InternVLImageTokens(448, 0, 6, true, true, 256));
        assertTrue(min.getMessage().contains("min_dynamic_patch 0"), min.getMessage());
        IllegalArgumentException max = assertThrows(IllegalArgumentException.class,
                () -> new InternVLImageTokens(448, 4, 3, true, true, 256));
        assertTrue(max.getMessage().contains("max_dynamic_patch 3"), max.getMessage());
        IllegalArgumentException tokens = assertThrows(IllegalArgumentException.class,
                () -> new InternVLImageTokens(448, 1, 6, true, true, 0));
        assertTrue(tokens.getMessage().contains("num_image_token 0"), tokens.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new InternVLImageTokens(448, 1, 6, true, true, 256).grid(0, 5));
    }

    /** The layout's published numbers: 448-pixel tiles, 256 tokens each, max 12 blocks (InternVL2-2B, -8B). */
    @Test
    void publishedLayoutSpellsTheImage() {
        InternVLImageTokens l = new InternVLImageTokens(448, 1, 12, true, true, 256);
        assertEquals("<image>", l.placeholder());
        assertEquals("<IMG_CONTEXT>", l.imageToken());
        assertEquals(new InternVLImageTokens.Grid(1, 1), l.grid(448, 448));
        assertEquals(256, l.imageTokenCount(448, 448));
        // 1344x896 is 3:2 exactly: 3x2 blocks and the thumbnail
        assertEquals(new InternVLImageTokens.Grid(3, 2), l.grid(1344, 896));
        assertEquals(7 * 256, l.imageTokenCount(1344, 896));
        // 800x800: ratio 1 ties 1x1, 2x2, 3x3; 640000 > 0.5*448^2*4 = 401408 but not > 903168: 2x2
        assertEquals(new InternVLImageTokens.Grid(2, 2), l.grid(800, 800));
        // exact midpoints, decided by float64 rounding as the reference's loop decides them (its picks, run in
        // Python): 21/36 is 1/12 from 1/2 and from 2/3, 40/96 from 1/2 and from 1/3
        assertEquals(new InternVLImageTokens.Grid(2, 3), new InternVLImageTokens(28, 1, 10, true, true, 4).grid(21, 36));
        assertEquals(new InternVLImageTokens.Grid(1, 2), new InternVLImageTokens(28, 1, 6, true, true, 4).grid(40, 96));
    }
}
