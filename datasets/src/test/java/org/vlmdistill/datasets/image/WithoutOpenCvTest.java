package org.vlmdistill.datasets.image;

import org.junit.jupiter.api.Test;
import org.vlmdistill.core.image.RgbImage;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The decoder with OpenCV's classes missing from the class path, as in the GPU bundle ({@code bench/gpu/pack}
 * leaves {@code org.openpnp:opencv} out): it is built (OpenCV not in use) and decodes a fresh random PNG to the
 * pixels written, through ImageIO. The decoder's package is loaded again by a class loader that cannot see
 * {@code org.opencv} or {@code nu.pattern}.
 */
class WithoutOpenCvTest {
    /** Loads this module's own classes itself (so that they link against what it can see); hides OpenCV. */
    private static final class WithoutOpenCv extends URLClassLoader {
        WithoutOpenCv(URL classes, ClassLoader parent) {
            super(new URL[] {classes}, parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (name.startsWith("org.opencv.") || name.startsWith("nu.pattern.")) {
                throw new ClassNotFoundException(name + " (hidden: OpenCV left out)");
            }
            synchronized (getClassLoadingLock(name)) {
                if (name.startsWith("org.vlmdistill.datasets.image.")) {
                    Class<?> c = findLoadedClass(name);
                    if (c == null) {
                        c = findClass(name);
                    }
                    if (resolve) {
                        resolveClass(c);
                    }
                    return c;
                }
            }
            return super.loadClass(name, resolve);
        }
    }

    @Test
    void decodesThroughImageIoWhenOpenCvIsMissing() throws Exception {
        SplittableRandom random = new SplittableRandom();
        int w = 5 + random.nextInt(40);
        int h = 5 + random.nextInt(40);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        byte[] expected = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = random.nextInt(1 << 24);
                img.setRGB(x, y, rgb);
                int i = (y * w + x) * 3;
                expected[i] = (byte) (rgb >> 16);
                expected[i + 1] = (byte) (rgb >> 8);
                expected[i + 2] = (byte) rgb;
            }
        }
        byte[] png = encode(img);

        URL classes = ImageDecoder.class.getProtectionDomain().getCodeSource().getLocation();
        try (WithoutOpenCv loader = new WithoutOpenCv(classes, WithoutOpenCvTest.class.getClassLoader())) {
            Class<?> decoderClass = loader.loadClass(ImageDecoder.class.getName());
            Object decoder = decoderClass.getConstructor().newInstance();
            assertEquals(false, decoderClass.getMethod("usesOpenCv").invoke(decoder));
            Method decode = decoderClass.getMethod("decode", String.class, byte[].class);
            RgbImage image = (RgbImage) decode.invoke(decoder, "random.png", png);
            assertEquals(w, image.width());
            assertEquals(h, image.height());
            assertArrayEquals(expected, image.rgb());
        }
    }

    private static byte[] encode(BufferedImage img) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }
}
