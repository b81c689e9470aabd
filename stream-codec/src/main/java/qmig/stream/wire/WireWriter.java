package qmig.stream.wire;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Writes the primitives of a migration stream (the mirror of {@link WireReader}): u8, be16,
 * be32, be64, counted strings, raw bytes, with a running byte offset. Buffers internally;
 * {@link #flush()} pushes the bytes to the underlying stream.
 */
public final class WireWriter implements AutoCloseable {

    private final OutputStream out;
    private final byte[] buf;
    private int n;
    private long flushed;

    public WireWriter(OutputStream out) {
        this(out, 1 << 16);
    }

    public WireWriter(OutputStream out, int bufferSize) {
        this.out = out;
        this.buf = new byte[Math.max(bufferSize, 64)];
    }

    /** A writer that collects into memory; see {@link #toByteArray()}. */
    public static WireWriter inMemory() {
        return new WireWriter(new ByteArrayOutputStream());
    }

    public long position() {
        return flushed + n;
    }

    public WireWriter u8(int v) throws IOException {
        if (n == buf.length) {
            drain();
        }
        buf[n++] = (byte) v;
        return this;
    }

    public WireWriter be16(int v) throws IOException {
        room(2);
        buf[n++] = (byte) (v >>> 8);
        buf[n++] = (byte) v;
        return this;
    }

    public WireWriter be32(int v) throws IOException {
        room(4);
        buf[n++] = (byte) (v >>> 24);
        buf[n++] = (byte) (v >>> 16);
        buf[n++] = (byte) (v >>> 8);
        buf[n++] = (byte) v;
        return this;
    }

    public WireWriter be32(long v) throws IOException {
        return be32((int) v);
    }

    public WireWriter be64(long v) throws IOException {
        room(8);
        for (int s = 56; s >= 0; s -= 8) {
            buf[n++] = (byte) (v >>> s);
        }
        return this;
    }

    /** A counted string; ISO-8859-1 so that any byte string read by {@link WireReader#cstr8} round-trips. */
    public WireWriter cstr8(String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        if (b.length > 255) {
            throw new IllegalArgumentException("counted string longer than 255 bytes: " + s);
        }
        u8(b.length);
        return bytes(b);
    }

    public WireWriter bytes(byte[] b) throws IOException {
        return bytes(b, 0, b.length);
    }

    public WireWriter bytes(byte[] b, int off, int len) throws IOException {
        if (len > buf.length - n) {
            drain();
            if (len >= buf.length) {
                out.write(b, off, len);
                flushed += len;
                return this;
            }
        }
        System.arraycopy(b, off, buf, n, len);
        n += len;
        return this;
    }

    /** Writes {@code count} zero bytes (vmstate's {@code unused} fields). */
    public WireWriter zeros(long count) throws IOException {
        long left = count;
        while (left > 0) {
            if (n == buf.length) {
                drain();
            }
            int k = (int) Math.min(left, buf.length - n);
            java.util.Arrays.fill(buf, n, n + k, (byte) 0);
            n += k;
            left -= k;
        }
        return this;
    }

    public void flush() throws IOException {
        drain();
        out.flush();
    }

    /** The bytes written so far, for writers made by {@link #inMemory()}. */
    public byte[] toByteArray() {
        if (!(out instanceof ByteArrayOutputStream bos)) {
            throw new IllegalStateException("not an in-memory writer");
        }
        try {
            drain();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bos.toByteArray();
    }

    @Override
    public void close() throws IOException {
        flush();
        out.close();
    }

    private void room(int k) throws IOException {
        if (buf.length - n < k) {
            drain();
        }
    }

    private void drain() throws IOException {
        if (n > 0) {
            out.write(buf, 0, n);
            flushed += n;
            n = 0;
        }
    }
}
