package org.vlmdistill.tiny;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.util.SplittableRandom;

/** Photo-like test and benchmark images, generated in memory, the same for the same seed. */
public final class SyntheticPhoto {
    private SyntheticPhoto() {}

    /**
     * A photo-like picture: a linear colour gradient, six soft colour blobs, and Gaussian-ish sensor
     * noise (sigma about 6 levels), so that JPEG and PNG sizes are those of real photographs rather
     * than of flat synthetic images.
     */
    public static BufferedImage generate(int width, int height, long seed) {
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + 1);
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        byte[] bgr = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
        double[][] blobs = new double[6][];
        for (int i = 0; i < blobs.length; i++) {
            // centre x, centre y, radius, and a colour offset per channel
            blobs[i] = new double[] {random.nextDouble() * width, random.nextDouble() * height,
                    (0.05 + 0.2 * random.nextDouble()) * width, random.nextDouble(-90, 90),
                    random.nextDouble(-90, 90), random.nextDouble(-90, 90)};
        }
        double[] base = {random.nextDouble(40, 200), random.nextDouble(40, 200), random.nextDouble(40, 200)};
        double[] gx = {random.nextDouble(-80, 80), random.nextDouble(-80, 80), random.nextDouble(-80, 80)};
        double[] gy = {random.nextDouble(-80, 80), random.nextDouble(-80, 80), random.nextDouble(-80, 80)};
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int o = (y * width + x) * 3;
                for (int c = 0; c < 3; c++) {
                    double v = base[c] + gx[c] * x / width + gy[c] * y / height;
                    for (double[] b : blobs) {
                        double dx = x - b[0];
                        double dy = y - b[1];
                        v += b[3 + c] * Math.exp(-(dx * dx + dy * dy) / (2 * b[2] * b[2]));
                    }
                    // sum of three uniforms: cheap, roughly Gaussian, sigma 6
                    v += (random.nextDouble() + random.nextDouble() + random.nextDouble() - 1.5) * 12;
                    bgr[o + 2 - c] = (byte) Math.max(0, Math.min(255, (int) Math.round(v)));
                }
            }
        }
        return image;
    }
}
