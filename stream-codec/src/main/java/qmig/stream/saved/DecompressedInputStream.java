package qmig.stream.saved;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import qmig.stream.wire.Limits;
import qmig.stream.wire.StreamFormatException;
import qmig.stream.wire.Where;

/**
 * The output of a decompressor, guarded: it stops at {@link Limits#maxDecompressedBytes} (a
 * decompression bomb ends there with {@code LimitExceeded}), and a failure of the decompressor
 * becomes a {@link StreamFormatException} carrying the decompressed offset and the offset
 * reached in the compressed input ({@code Truncated} when the compressed data ends early).
 */
final class DecompressedInputStream extends InputStream {

    private static final int STEP = 1 << 16;

    private final InputStream decoder;
    private final CountingInputStream compressed;
    private final SavedForm form;
    private final long limit;
    private long pos;

    DecompressedInputStream(InputStream decoder, CountingInputStream compressed, SavedForm form, Limits limits) {
        this.decoder = decoder;
        this.compressed = compressed;
        this.form = form;
        this.limit = limits.maxDecompressedBytes();
    }

    /** Decompressed bytes handed out so far. */
    long position() {
        return pos;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (pos >= limit) {
            // one more byte would pass the limit: is there one?
            int probe = call(b, off, 1);
            if (probe > 0) {
                throw StreamFormatException.limitExceeded(Where.inFile(pos, compressed.count()),
                        form.label() + " data decompressed to more than", limit + 1, limit, "Limits.maxDecompressedBytes");
            }
            return -1;
        }
        // small steps, so that an error thrown inside the decompressor is placed within 64 KiB
        int n = call(b, off, (int) Math.min(Math.min(len, STEP), limit - pos));
        if (n > 0) {
            pos += n;
        }
        return n;
    }

    private int call(byte[] b, int off, int len) throws IOException {
        try {
            return decoder.read(b, off, len);
        } catch (StreamFormatException e) {
            if (e.where().fileOffset() < 0) {
                throw e.at(e.where().withFileOffset(compressed.count()));
            }
            throw e;
        } catch (IOException | RuntimeException e) {
            throw translate(e, form, pos, compressed.count());
        }
    }

    /** A decompressor's own exception as a {@code Truncated} (its input ended) or {@code Corrupt}. */
    static StreamFormatException translate(Exception e, SavedForm form, long pos, long fileAt) {
        if (e instanceof StreamFormatException sfe) {
            return sfe;
        }
        String m = String.valueOf(e.getMessage());
        String lower = m.toLowerCase(java.util.Locale.ROOT);
        if (e instanceof EOFException || lower.contains("truncated") || lower.contains("unexpected end")
                || lower.contains("premature") || lower.contains("end of stream") || lower.contains("eof")) {
            return StreamFormatException.truncated(Where.inFile(pos, fileAt), "truncated " + form.label()
                    + " data: the compressed input ended after " + fileAt + " bytes (" + m + ")", e);
        }
        return StreamFormatException.corrupt(Where.inFile(pos, fileAt), "corrupt " + form.label() + " data: " + m, e);
    }

    @Override
    public void close() throws IOException {
        decoder.close();
    }
}
