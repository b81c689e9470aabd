package qmig.stream.grammar;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Finds the VMDESCRIPTION trailer of a complete stream from its end, so that an offline
 * reader can decode device sections with the source's own descriptions while reading forward.
 *
 * <p>The trailer is {@code 00 06 be32 len json(len)} ending at the last byte. JSON text never
 * contains a raw control byte, so the position {@code p} with {@code bytes[p] == 0x06},
 * {@code bytes[p-1] == 0x00}, {@code be32(p+1) == size - p - 5} and {@code bytes[p+5] == '{'}
 * is unique. (QEMU's analyze-migration.py searches for the last NUL instead, which fails for
 * some lengths; this check uses the length itself.)
 */
public final class TrailerLocator {

    private TrailerLocator() {
    }

    /** The offset of the 0x06 byte, or -1 when the bytes end without a trailer. */
    public static long locate(byte[] b, int off, int len, long maxJson) {
        long lowest = Math.max(1, len - 5 - maxJson);
        for (long p = len - 6; p >= lowest; p--) {
            int i = off + (int) p;
            if (b[i] == 0x06 && b[i - 1] == 0x00 && b[i + 5] == '{') {
                long l = ((b[i + 1] & 0xffL) << 24) | ((b[i + 2] & 0xffL) << 16)
                        | ((b[i + 3] & 0xffL) << 8) | (b[i + 4] & 0xffL);
                if (l == len - p - 5) {
                    return p;
                }
            }
        }
        return -1;
    }

    /** The same over a file, reading only its tail (at most {@code maxJson + 6} bytes). */
    public static long locate(FileChannel ch, long maxJson) throws IOException {
        return locate(ch, 0, maxJson);
    }

    /**
     * The same for a stream that starts at {@code fileOffset} of the file and runs to its end;
     * the answer is an offset in the stream (add {@code fileOffset} for the file offset).
     */
    public static long locate(FileChannel ch, long fileOffset, long maxJson) throws IOException {
        long size = ch.size() - fileOffset;
        long tail = Math.min(size, maxJson + 6);
        if (tail < 7 || tail > Integer.MAX_VALUE - 8) {
            return -1;
        }
        ByteBuffer bb = ByteBuffer.allocate((int) tail);
        long start = size - tail;
        while (bb.hasRemaining()) {
            if (ch.read(bb, fileOffset + start + bb.position()) < 0) {
                break;
            }
        }
        long p = locate(bb.array(), 0, bb.position(), maxJson);
        return p < 0 ? -1 : start + p;
    }
}
