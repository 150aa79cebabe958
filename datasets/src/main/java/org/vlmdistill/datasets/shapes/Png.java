package org.vlmdistill.datasets.shapes;

import org.vlmdistill.core.image.RgbImage;

import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;

/**
 * PNG bytes of an RGB image, through the JDK's own PNG writer: lossless, so the decoded pixels are
 * exactly the rendered ones. The compressed bytes come from the platform's zlib and may differ
 * between JDK builds; the pixels do not.
 */
final class Png {
    private Png() {
    }

    static byte[] encode(RgbImage image) {
        int w = image.width();
        int h = image.height();
        // Wraps the RGB bytes as they are (band offsets 0, 1, 2), no copy and no BGR reordering.
        WritableRaster raster = Raster.createInterleavedRaster(new DataBufferByte(image.rgb(), image.rgb().length),
                w, h, w * 3, 3, new int[] {0, 1, 2}, null);
        ComponentColorModel model = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB),
                false, false, Transparency.OPAQUE, DataBuffer.TYPE_BYTE);
        BufferedImage buffered = new BufferedImage(model, raster, false, null);
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("png");
        if (!writers.hasNext()) {
            throw new IllegalStateException("this JDK has no PNG writer");
        }
        ImageWriter writer = writers.next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(4096);
        // An explicit memory stream: ImageIO.write would go through a temp-file cache by default.
        try (ImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            writer.write(buffered);
        } catch (IOException e) {
            throw new UncheckedIOException("encoding a " + w + "x" + h + " PNG in memory", e);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }
}
