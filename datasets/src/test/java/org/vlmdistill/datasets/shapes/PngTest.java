package org.vlmdistill.datasets.shapes;

import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class PngTest {
    @Test
    void pngIsLosslessAndTheSameBytesEachTime() throws Exception {
        for (ShapesSample s : new ShapesGenerator(ShapesConfig.defaults(), 5).samples(0, 50).toList()) {
            byte[] png = Png.encode(s.image());
            assertArrayEquals(png, Png.encode(s.image()));
            BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(png));
            assertEquals(64, decoded.getWidth());
            assertEquals(64, decoded.getHeight());
            byte[] rgb = new byte[64 * 64 * 3];
            for (int y = 0; y < 64; y++) {
                for (int x = 0; x < 64; x++) {
                    int p = decoded.getRGB(x, y);
                    rgb[(y * 64 + x) * 3] = (byte) (p >> 16);
                    rgb[(y * 64 + x) * 3 + 1] = (byte) (p >> 8);
                    rgb[(y * 64 + x) * 3 + 2] = (byte) p;
                }
            }
            assertArrayEquals(s.image().rgb(), rgb, s.id());
        }
    }
}
