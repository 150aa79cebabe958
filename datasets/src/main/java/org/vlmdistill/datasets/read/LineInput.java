package org.vlmdistill.datasets.read;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Lines of a byte stream, one at a time, each kept only up to a limit: a longer line is read past
 * without being stored (so a file with no newline cannot fill the heap) and reported as too long.
 * Lines end at {@code \n}; a {@code \r} before it is dropped. Decoding is per line and strict, so
 * one line that is not UTF-8 is one bad line, not a broken file.
 */
final class LineInput implements Closeable {
    private static final int CHUNK = 1 << 16;

    private final InputStream in;
    private final int maxBytes;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    private final byte[] chunk = new byte[CHUNK];
    private int chunkPos;
    private int chunkEnd;
    private byte[] line = new byte[CHUNK];
    private int lineLength;
    private long fullLength;
    private long lineNumber;
    private boolean eof;

    LineInput(InputStream in, int maxBytes) {
        this.in = in;
        this.maxBytes = maxBytes;
    }

    /** Moves to the next line; false at the end of the stream. */
    boolean next() throws IOException {
        if (line.length > 4 * CHUNK) {
            line = new byte[CHUNK]; // one long line should not pin its buffer for the rest of the file
        }
        lineLength = 0;
        fullLength = 0;
        boolean any = false;
        while (true) {
            if (chunkPos == chunkEnd) {
                if (eof || !fill()) {
                    if (!any) {
                        return false;
                    }
                    break;
                }
            }
            any = true;
            int nl = -1;
            for (int i = chunkPos; i < chunkEnd; i++) {
                if (chunk[i] == '\n') {
                    nl = i;
                    break;
                }
            }
            int end = nl < 0 ? chunkEnd : nl;
            keep(chunkPos, end - chunkPos);
            chunkPos = nl < 0 ? chunkEnd : nl + 1;
            if (nl >= 0) {
                break;
            }
        }
        lineNumber++;
        if (fullLength <= maxBytes && lineLength > 0 && line[lineLength - 1] == '\r') {
            lineLength--;
            fullLength--;
        }
        if (lineNumber == 1 && lineLength >= 3 && (line[0] & 0xFF) == 0xEF && (line[1] & 0xFF) == 0xBB
                && (line[2] & 0xFF) == 0xBF) { // UTF-8 byte order mark
            System.arraycopy(line, 3, line, 0, lineLength - 3);
            lineLength -= 3;
            fullLength -= 3;
        }
        return true;
    }

    private void keep(int from, int count) {
        fullLength += count;
        if (fullLength > maxBytes) {
            return;
        }
        if (lineLength + count > line.length) {
            line = Arrays.copyOf(line, Math.max(lineLength + count, Math.min(maxBytes, 2 * line.length)));
        }
        System.arraycopy(chunk, from, line, lineLength, count);
        lineLength += count;
    }

    private boolean fill() throws IOException {
        int n = in.read(chunk, 0, CHUNK);
        if (n <= 0) {
            eof = true;
            return false;
        }
        chunkPos = 0;
        chunkEnd = n;
        return true;
    }

    /** 1-based number of the current line. */
    long lineNumber() {
        return lineNumber;
    }

    /** Bytes of the current line, newline excluded, whether or not they were kept. */
    long length() {
        return fullLength;
    }

    boolean tooLong() {
        return fullLength > maxBytes;
    }

    boolean isBlank() {
        for (int i = 0; i < lineLength; i++) {
            byte b = line[i];
            if (b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return true;
    }

    /** @throws CharacterCodingException when the line is not UTF-8 */
    String text() throws CharacterCodingException {
        CharBuffer chars = utf8.reset().decode(ByteBuffer.wrap(line, 0, lineLength));
        return chars.toString();
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
