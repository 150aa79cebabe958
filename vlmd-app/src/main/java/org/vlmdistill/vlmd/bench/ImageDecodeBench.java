package org.vlmdistill.vlmd.bench;

import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.imgcodecs.Imgcodecs;
import org.vlmdistill.core.image.ImageResize;
import org.vlmdistill.datasets.image.ImageDecoder;
import org.vlmdistill.tiny.SyntheticPhoto;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Decoding throughput: {@link ImageDecoder}, alone and followed by {@link ImageResize} to a model's
 * input size, on photo-like images ({@link SyntheticPhoto}: gradients, blobs, noise; JPEG from
 * ImageIO's writer at 4:2:0, PNG from ImageIO's), as a ratio to OpenCV's plain {@code imdecode} of the
 * same bytes on the same number of threads. Each run times every variant once, one after the other,
 * so that all see the same machine state; figures are medians over runs, after one warm-up pass.
 *
 * @param images  how many distinct images per format (each variant decodes all of them per run)
 * @param quality JPEG quality, 0..1 (ImageIO's writer, 4:2:0)
 */
public record ImageDecodeBench(int images, int width, int height, int threads, int runs, int targetSize,
                               ImageResize.Filter filter, float quality) {

    public ImageDecodeBench {
        if (images < 1 || width < 1 || height < 1 || threads < 1 || runs < 1 || targetSize < 1) {
            throw new IllegalArgumentException("counts and sizes must be positive");
        }
        if (!(quality > 0 && quality <= 1)) {
            throw new IllegalArgumentException("JPEG quality must be in (0, 1], got " + quality);
        }
    }

    /** 64 images of 1024x768, 2 threads, 5 runs, to 384x384 with BICUBIC (SigLIP's), JPEG quality 0.9. */
    public static ImageDecodeBench defaults() {
        return new ImageDecodeBench(64, 1024, 768, 2, 5, 384, ImageResize.Filter.BICUBIC, 0.9f);
    }

    /** Images per second of one variant, one figure per run. */
    public record Series(String name, double[] imagesPerSecond) {
        public double median() {
            return Median.of(imagesPerSecond);
        }
    }

    /** The variants each run times, in this order; the last is the baseline. */
    public static final List<String> VARIANTS = List.of(
            "decode+resize", "decode", "ImageIO decode+resize", "ImageIO decode", "OpenCV imdecode");

    /**
     * One input format: each variant's throughput. "decode" is {@link ImageDecoder} as configured by
     * default (OpenCV where its pixels are Pillow's), "ImageIO" the same with OpenCV off, "+resize"
     * adds {@link ImageResize} to {@code targetSize}, and "OpenCV imdecode" is the plain call to BGR
     * with the copy to a Java array that any caller needs.
     */
    public record FormatResult(String format, int images, long encodedBytes, List<Series> series) {
        public Series series(String name) {
            return series.stream().filter(s -> s.name().equals(name)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no variant " + name));
        }

        /**
         * Median over runs of variant / baseline within each run (paired, so that slow spells of a
         * shared machine cancel out).
         */
        public double ratio(String name) {
            double[] v = series(name).imagesPerSecond();
            double[] base = series.getLast().imagesPerSecond();
            double[] r = new double[v.length];
            for (int i = 0; i < r.length; i++) {
                r[i] = v[i] / base[i];
            }
            return Median.of(r);
        }
    }

    public record Result(ImageDecodeBench config, List<FormatResult> formats) {}

    /**
     * Generates the images, then times each format.
     *
     * @throws IllegalStateException when OpenCV's native library does not load (there is no baseline)
     */
    public Result run(PrintStream out) throws Exception {
        ImageDecoder decoder = new ImageDecoder();
        if (!decoder.usesOpenCv()) {
            throw new IllegalStateException("OpenCV's native library did not load: no baseline to compare with");
        }
        ImageDecoder imageIo = new ImageDecoder(ImageDecoder.Options.defaults().withOpenCv(false));
        List<Consumer<byte[]>> work = List.of(
                f -> ImageResize.resize(decoder.decode("bench", f), targetSize, targetSize, filter),
                f -> decoder.decode("bench", f),
                f -> ImageResize.resize(imageIo.decode("bench", f), targetSize, targetSize, filter),
                f -> imageIo.decode("bench", f),
                f -> {
                    if (imdecodeBgr(f) == 0) {
                        throw new IllegalStateException("OpenCV could not decode a generated image");
                    }
                });
        List<byte[]> jpegs = new ArrayList<>();
        List<byte[]> pngs = new ArrayList<>();
        for (int i = 0; i < images; i++) {
            BufferedImage photo = SyntheticPhoto.generate(width, height, i);
            jpegs.add(encode(photo, "jpeg"));
            pngs.add(encode(photo, "png"));
        }
        List<FormatResult> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            for (var format : List.of(Map.entry("JPEG", jpegs), Map.entry("PNG", pngs))) {
                List<byte[]> files = format.getValue();
                long bytes = files.stream().mapToLong(f -> f.length).sum();
                out.printf("%s: %d images of %dx%d (%.2f Mpixel), %.0f KiB each on average (%.1f MiB in all); "
                                + "%d threads, resize to %dx%d %s%n", format.getKey(), images, width, height,
                        width * height / 1e6, bytes / 1024.0 / images, bytes / 1048576.0, threads, targetSize, targetSize, filter);
                double[][] perSecond = new double[work.size()][runs];
                for (Consumer<byte[]> w : work) {
                    timeAll(pool, files, w); // warm-up: JIT, native library state, page faults
                }
                for (int r = 0; r < runs; r++) {
                    StringBuilder line = new StringBuilder("  run " + (r + 1) + ":");
                    for (int v = 0; v < work.size(); v++) {
                        perSecond[v][r] = files.size() / timeAll(pool, files, work.get(v));
                        line.append(String.format(" %s %.1f,", VARIANTS.get(v), perSecond[v][r]));
                    }
                    out.println(line.substring(0, line.length() - 1) + " img/s");
                }
                List<Series> series = new ArrayList<>();
                for (int v = 0; v < work.size(); v++) {
                    series.add(new Series(VARIANTS.get(v), perSecond[v]));
                }
                results.add(new FormatResult(format.getKey(), images, bytes, series));
            }
        }
        return new Result(this, results);
    }

    /** Seconds for {@code threads} workers to run {@code work} on every file once. */
    private double timeAll(ExecutorService pool, List<byte[]> files, Consumer<byte[]> work) throws Exception {
        AtomicInteger next = new AtomicInteger();
        long t0 = System.nanoTime();
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            done.add(pool.submit(() -> {
                for (int i = next.getAndIncrement(); i < files.size(); i = next.getAndIncrement()) {
                    work.accept(files.get(i));
                }
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    private byte[] encode(BufferedImage image, String format) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName(format).next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            if (format.equals("jpeg")) {
                param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                param.setCompressionQuality(quality);
            }
            writer.write(null, new IIOImage(image, null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    /**
     * Plain {@code imdecode} to BGR, copied out to a Java array as any caller would need: the
     * baseline of the benchmark. Returns the number of bytes decoded (0 when it failed).
     */
    private static long imdecodeBgr(byte[] encoded) {
        MatOfByte buffer = new MatOfByte(encoded);
        Mat bgr = Imgcodecs.imdecode(buffer, Imgcodecs.IMREAD_COLOR);
        buffer.release();
        try {
            if (bgr.empty()) {
                return 0;
            }
            byte[] out = new byte[(int) (bgr.total() * bgr.channels())];
            bgr.get(0, 0, out);
            return out.length;
        } finally {
            bgr.release();
        }
    }
}
