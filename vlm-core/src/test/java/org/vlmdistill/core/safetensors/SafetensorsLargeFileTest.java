package org.vlmdistill.core.safetensors;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vlmdistill.core.safetensors.Bytes.json;

/**
 * Offsets past 2^31 without 2 GiB of disk: a sparse file whose header puts a tensor just above
 * 2^31 in the data area. The holes read as zeros and take no space. It also shows that opening
 * does not read the data area into the heap: a 2.2 GiB file could not fit one Java array.
 */
class SafetensorsLargeFileTest {
    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir
    Path dir;

    @Test
    void readsATensorBeyondTwoGibibytesThroughTheMapping() throws IOException {
        long pad = (1L << 31) + (200L << 20); // 2.2 GiB of U8 before the tensor we read
        String header = json("{'pad':{'dtype':'U8','shape':[" + pad + "],'data_offsets':[0," + pad + "]},"
                + "'tail':{'dtype':'F32','shape':[4],'data_offsets':[" + pad + "," + (pad + 16) + "]}}");
        byte[] headerBytes = header.getBytes(StandardCharsets.UTF_8);
        long dataStart = 8 + headerBytes.length;
        Path file = dir.resolve("sparse.safetensors");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(headerBytes.length).array());
            raf.write(headerBytes);
            raf.setLength(dataStart + pad + 16);
            raf.seek(dataStart + pad - 1);
            raf.write(0x5A);
            raf.write(Bytes.f32(1.5f, -2f, 3.25f, 1e30f));
        } catch (IOException e) {
            Assumptions.abort("the file system refused a 2.2 GiB sparse file: " + e);
        }

        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            TensorInfo tail = f.tensor("tail");
            assertTrue(f.dataAreaOffset() + tail.dataBegin() > Integer.MAX_VALUE);
            MemorySegment data = f.data(tail);
            assertEquals(16, data.byteSize());
            assertEquals(1.5f, data.get(F32_LE, 0));
            assertEquals(-2f, data.get(F32_LE, 4));
            assertEquals(3.25f, data.get(F32_LE, 8));
            assertEquals(1e30f, data.get(F32_LE, 12));

            MemorySegment padding = f.data("pad");
            assertEquals(pad, padding.byteSize());
            assertEquals(0x5A, padding.get(ValueLayout.JAVA_BYTE, pad - 1));
            assertEquals(0, padding.get(ValueLayout.JAVA_BYTE, pad / 2));
        }
    }
}
