package org.vlmdistill.datasets.image;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ImageFormatTest {

    @Test
    void signatures() {
        assertEquals(Optional.of(ImageFormat.JPEG), ImageFormat.sniff(Fixtures.bytes("jpeg-cmyk.jpg")));
        assertEquals(Optional.of(ImageFormat.PNG), ImageFormat.sniff(Fixtures.bytes("pattern.png")));
        assertEquals(Optional.of(ImageFormat.GIF), ImageFormat.sniff(Fixtures.bytes("gif-framed.gif")));
        assertEquals(Optional.of(ImageFormat.WEBP), ImageFormat.sniff(Fixtures.bytes("webp-lossy.webp")));
        assertEquals(Optional.of(ImageFormat.TIFF), ImageFormat.sniff(Fixtures.bytes("tiff-cmyk.tif")));
        byte[] bmp = new byte[54];
        bmp[0] = 'B';
        bmp[1] = 'M';
        bmp[14] = 40;
        assertEquals(Optional.of(ImageFormat.BMP), ImageFormat.sniff(bmp));
        bmp[14] = 41;
        assertEquals(Optional.empty(), ImageFormat.sniff(bmp), "BM followed by no DIB header size");
        assertEquals(Optional.empty(), ImageFormat.sniff(new byte[0]));
        assertEquals(Optional.empty(), ImageFormat.sniff("RIFF".getBytes(StandardCharsets.ISO_8859_1)));
    }

    @Test
    void recognisedButUnsupported() {
        assertEquals(Optional.of("PDF"), ImageFormat.sniffUnsupported("%PDF-1.3".getBytes(StandardCharsets.ISO_8859_1)));
        assertEquals(Optional.of("SVG"), ImageFormat.sniffUnsupported("\uFEFF <svg/>".getBytes(StandardCharsets.UTF_8)));
        assertEquals(Optional.of("AVIF"), ImageFormat.sniffUnsupported("\0\0\0\u001cftypavif".getBytes(StandardCharsets.ISO_8859_1)));
        assertEquals(Optional.of("JPEG XL"), ImageFormat.sniffUnsupported(new byte[] {(byte) 0xFF, 0x0A, 1, 2}));
        assertEquals(Optional.of("RIFF container ('AVI ')"), ImageFormat.sniffUnsupported("RIFF\0\0\0\0AVI LIST".getBytes(StandardCharsets.ISO_8859_1)));
        assertEquals(Optional.empty(), ImageFormat.sniffUnsupported("hello".getBytes(StandardCharsets.ISO_8859_1)));
        assertEquals(Optional.empty(), ImageFormat.sniffUnsupported("RIFF".getBytes(StandardCharsets.ISO_8859_1)));
    }
}
