package org.vlmdistill.tiny;

import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SyntheticPhotoTest {

    @Test
    void syntheticPhotosAreDeterministicAndPhotoSized() throws Exception {
        var a = SyntheticPhoto.generate(80, 60, 5);
        var b = SyntheticPhoto.generate(80, 60, 5);
        var c = SyntheticPhoto.generate(80, 60, 6);
        byte[] pa = png(a);
        assertEquals(pa.length, png(b).length);
        assertTrue(pa.length != png(c).length || a.getRGB(7, 7) != c.getRGB(7, 7));
        // noise keeps PNG from shrinking it much below a photograph's size: over 2 bytes per pixel
        assertTrue(pa.length > 80 * 60 * 2, "PNG of " + pa.length + " bytes");
    }

    private static byte[] png(BufferedImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(image, "png", out));
        return out.toByteArray();
    }
}
