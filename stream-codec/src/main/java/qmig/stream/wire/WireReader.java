package qmig.stream.wire;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Reads the primitives of a migration stream: u8, be16, be32, be64, counted strings and raw
 * bytes, keeping the absolute byte offset. Sources: a byte array (no copy), a {@link ByteBuffer},
 * an {@link InputStream}, or a channel; a {@link FileChannel} skips large runs by seeking.
 *
 * <p>Look-ahead: {@link #peek(int)} sees up to {@link #PEEK_LIMIT} bytes ahead without consuming,
 * which is what vmstate's subsection rule needs (marker, length, up to 255 name bytes).
 *
 * <p>Running out of input throws {@link StreamFormatException.Truncated} naming what was
 * being read, the offset where it started, and how many bytes were missing.
 */
public final class WireReader {

    /** How far {@link #peek(int)} can look: enough for a subsection header (0x05, length, 255 name bytes, be32) or a footer plus the next record header. */
    public static final int PEEK_LIMIT = 1024;

    private static final int DEFAULT_BUFFER = 1 << 16;

    /** Bytes copied from a mapped file per refill: small, so that skipped page bodies are never touched. */
    private static final int MAPPED_WINDOW = 512;
    private static final long MAP_CHUNK = 1L << 30;

    private final InputStream in;              // null for array-backed readers
    private final ReadableByteChannel channel; // null unless channel-backed
    private final MappedByteBuffer[] maps;     // non-null for a memory-mapped file
    private final long mappedSize;
    private byte[] buf;
    private int pos;     // next unread byte in buf
    private int lim;     // end of valid bytes in buf
    private long base;   // stream offset of buf[0]
    private boolean eof; // the source has no more bytes beyond lim

    private WireReader(byte[] buf, int off, int len, long startOffset) {
        this.in = null;
        this.channel = null;
        this.maps = null;
        this.mappedSize = 0;
        this.buf = buf;
        this.pos = off;
        this.lim = off + len;
        this.base = startOffset - off;
        this.eof = true;
    }

    private WireReader(InputStream in, ReadableByteChannel channel, int bufferSize, long startOffset) {
        this.in = in;
        this.channel = channel;
        this.maps = null;
        this.mappedSize = 0;
        this.buf = new byte[Math.max(bufferSize, 4096)];
        this.pos = 0;
        this.lim = 0;
        this.base = startOffset;
        this.eof = false;
    }

    public static WireReader of(byte[] bytes) {
        return new WireReader(bytes, 0, bytes.length, 0);
    }

    /** Reads {@code len} bytes of {@code bytes} from {@code off}; offsets are reported from {@code startOffset}. */
    public static WireReader of(byte[] bytes, int off, int len, long startOffset) {
        Objects.checkFromIndexSize(off, len, bytes.length);
        return new WireReader(bytes, off, len, startOffset);
    }

    public static WireReader of(ByteBuffer buffer) {
        ByteBuffer b = buffer.slice();
        if (b.hasArray()) {
            return new WireReader(b.array(), b.arrayOffset(), b.remaining(), 0);
        }
        byte[] copy = new byte[b.remaining()];
        b.get(copy);
        return new WireReader(copy, 0, copy.length, 0);
    }

    public static WireReader of(InputStream in) {
        return new WireReader(Objects.requireNonNull(in), null, DEFAULT_BUFFER, 0);
    }

    public static WireReader of(InputStream in, int bufferSize) {
        return new WireReader(Objects.requireNonNull(in), null, bufferSize, 0);
    }

    /** Reads a channel from its current position; a {@link FileChannel} makes {@link #skip(long)} a seek. */
    public static WireReader of(ReadableByteChannel channel, int bufferSize) throws IOException {
        long start = channel instanceof FileChannel fc ? fc.position() : 0;
        return new WireReader(null, Objects.requireNonNull(channel), bufferSize, start);
    }

    private WireReader(MappedByteBuffer[] maps, long size) {
        this.in = null;
        this.channel = null;
        this.maps = maps;
        this.mappedSize = size;
        this.buf = new byte[4 * PEEK_LIMIT];
        this.eof = false;
    }

    /**
     * Reads a whole file through memory mappings. Only the bytes the decoder looks at are
     * copied: a skipped RAM page is never read from the page cache, which is what makes
     * listing a large stream fast. Offsets are file offsets.
     */
    public static WireReader mapped(FileChannel file) throws IOException {
        return mapped(file, 0);
    }

    /**
     * The same over the part of a file from {@code fileOffset} to its end (a stream inside a
     * wrapper such as a libvirt save image); offsets are counted from {@code fileOffset}.
     */
    public static WireReader mapped(FileChannel file, long fileOffset) throws IOException {
        long size = file.size() - fileOffset;
        if (fileOffset < 0 || size < 0) {
            throw new IllegalArgumentException("file offset " + fileOffset + " outside the file");
        }
        int n = (int) ((size + MAP_CHUNK - 1) / MAP_CHUNK);
        MappedByteBuffer[] maps = new MappedByteBuffer[n];
        for (int i = 0; i < n; i++) {
            long start = i * MAP_CHUNK;
            maps[i] = file.map(FileChannel.MapMode.READ_ONLY, fileOffset + start, Math.min(MAP_CHUNK, size - start));
        }
        return new WireReader(maps, size);
    }

    /** Absolute offset of the next byte to be read. */
    public long position() {
        return base + pos;
    }

    /** Bytes that can be read without touching the source. */
    public int buffered() {
        return lim - pos;
    }

    /** True when no byte is left. May block to find out. */
    public boolean atEnd() throws IOException {
        return !ensure(1);
    }

    // ---- primitives ------------------------------------------------------------------------

    public int u8(String what) throws IOException {
        require(1, what);
        return buf[pos++] & 0xff;
    }

    public int u8() throws IOException {
        return u8("u8");
    }

    public int be16(String what) throws IOException {
        require(2, what);
        int v = ((buf[pos] & 0xff) << 8) | (buf[pos + 1] & 0xff);
        pos += 2;
        return v;
    }

    public int be16() throws IOException {
        return be16("be16");
    }

    /** A big-endian 32-bit value as a Java int (callers needing unsigned use {@link #be32u}). */
    public int be32(String what) throws IOException {
        require(4, what);
        int v = ((buf[pos] & 0xff) << 24) | ((buf[pos + 1] & 0xff) << 16)
                | ((buf[pos + 2] & 0xff) << 8) | (buf[pos + 3] & 0xff);
        pos += 4;
        return v;
    }

    public int be32() throws IOException {
        return be32("be32");
    }

    public long be32u(String what) throws IOException {
        return be32(what) & 0xffffffffL;
    }

    public long be64(String what) throws IOException {
        require(8, what);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (buf[pos + i] & 0xff);
        }
        pos += 8;
        return v;
    }

    public long be64() throws IOException {
        return be64("be64");
    }

    /** A counted string: u8 length then that many bytes (ISO-8859-1, so every byte survives). */
    public String cstr8(String what) throws IOException {
        long at = position();
        int len = u8(what + " length");
        if (!ensure(len)) {
            throw StreamFormatException.truncated(at, what, 1 + len, 1 + buffered());
        }
        String s = new String(buf, pos, len, StandardCharsets.ISO_8859_1);
        pos += len;
        return s;
    }

    /** Reads exactly {@code n} bytes into a new array; the caller has checked {@code n} against a limit. */
    public byte[] bytes(int n, String what) throws IOException {
        byte[] out = new byte[n];
        readFully(out, 0, n, what);
        return out;
    }

    public void readFully(byte[] dst, int off, int len, String what) throws IOException {
        long at = position();
        int done = 0;
        if (maps != null && len - (lim - pos) > MAPPED_WINDOW) {
            int k = lim - pos;
            System.arraycopy(buf, pos, dst, off, k);
            long src = base + lim;
            int rest = len - k;
            if (src + rest > mappedSize) {
                throw StreamFormatException.truncated(at, what, len, k + (mappedSize - src));
            }
            copyMapped(src, dst, off + k, rest);
            base = src + rest;
            pos = 0;
            lim = 0;
            return;
        }
        while (done < len) {
            if (pos == lim && !fill(1)) {
                throw StreamFormatException.truncated(at, what, len, done);
            }
            int k = Math.min(len - done, lim - pos);
            System.arraycopy(buf, pos, dst, off + done, k);
            pos += k;
            done += k;
        }
    }

    /** Skips {@code n} bytes; on a file channel a long skip is a seek. */
    public void skip(long n, String what) throws IOException {
        long at = position();
        long left = n;
        int k = (int) Math.min(left, lim - pos);
        pos += k;
        left -= k;
        if (left == 0) {
            return;
        }
        if (maps != null) {
            long sourcePos = base + lim;
            if (sourcePos + left > mappedSize) {
                throw StreamFormatException.truncated(at, what, n, n - left + (mappedSize - sourcePos));
            }
            base = sourcePos + left;
            pos = 0;
            lim = 0;
            return;
        }
        if (channel instanceof FileChannel fc) {
            long sourcePos = base + lim; // == fc.position()
            long size = fc.size();
            if (sourcePos + left <= size) {
                fc.position(sourcePos + left);
                base = sourcePos + left;
                pos = 0;
                lim = 0;
                return;
            }
            throw StreamFormatException.truncated(at, what, n, n - left + (size - sourcePos));
        }
        while (left > 0) {
            if (!fill(1)) {
                throw StreamFormatException.truncated(at, what, n, n - left);
            }
            int step = (int) Math.min(left, lim - pos);
            pos += step;
            left -= step;
        }
    }

    /**
     * The byte {@code ahead} positions after the next one (0 = the next byte), or -1 if the
     * input ends before it. {@code ahead} must be below {@link #PEEK_LIMIT}.
     */
    public int peek(int ahead) throws IOException {
        if (ahead < 0 || ahead >= PEEK_LIMIT) {
            throw new IllegalArgumentException("peek distance " + ahead);
        }
        if (!ensure(ahead + 1)) {
            return -1;
        }
        return buf[pos + ahead] & 0xff;
    }

    /**
     * Copies up to {@code len} bytes that are buffered or can be made so without consuming
     * them; returns how many are available (fewer only at the end of input).
     */
    public int peekBytes(byte[] dst, int ahead, int len) throws IOException {
        if (ahead + len > PEEK_LIMIT) {
            throw new IllegalArgumentException("peek window " + ahead + "+" + len);
        }
        ensure(ahead + len);
        int avail = Math.max(0, Math.min(len, lim - pos - ahead));
        System.arraycopy(buf, pos + ahead, dst, 0, avail);
        return avail;
    }

    // ---- buffering -------------------------------------------------------------------------

    private void require(int n, String what) throws IOException {
        if (lim - pos < n && !ensure(n)) {
            throw StreamFormatException.truncated(position(), what, n, lim - pos);
        }
    }

    /** Makes {@code n} bytes available if the source has them. */
    private boolean ensure(int n) throws IOException {
        if (lim - pos >= n) {
            return true;
        }
        return fill(n);
    }

    private boolean fill(int n) throws IOException {
        if (eof) {
            return lim - pos >= n;
        }
        if (pos > 0 && (buf.length - pos < n || pos == lim || pos > buf.length / 2)) {
            int keep = lim - pos;
            System.arraycopy(buf, pos, buf, 0, keep);
            base += pos;
            pos = 0;
            lim = keep;
        }
        if (buf.length < n) {
            byte[] bigger = new byte[Math.max(n, buf.length * 2)];
            System.arraycopy(buf, pos, bigger, 0, lim - pos);
            lim -= pos;
            base += pos;
            pos = 0;
            buf = bigger;
        }
        while (lim - pos < n) {
            int r = readSource(buf, lim, buf.length - lim);
            if (r < 0) {
                eof = true;
                return false;
            }
            lim += r;
        }
        return true;
    }

    private int readSource(byte[] b, int off, int len) throws IOException {
        if (maps != null) {
            long src = base + lim;
            if (src >= mappedSize) {
                return -1;
            }
            int k = (int) Math.min(Math.min(len, MAPPED_WINDOW), mappedSize - src);
            copyMapped(src, b, off, k);
            return k;
        }
        if (in != null) {
            int r;
            do {
                r = in.read(b, off, len);
            } while (r == 0);
            return r;
        }
        ByteBuffer bb = ByteBuffer.wrap(b, off, len);
        int r;
        do {
            r = channel.read(bb);
        } while (r == 0);
        return r;
    }

    private void copyMapped(long src, byte[] dst, int off, int len) {
        while (len > 0) {
            int chunk = (int) (src / MAP_CHUNK);
            int within = (int) (src % MAP_CHUNK);
            MappedByteBuffer m = maps[chunk];
            int k = Math.min(len, m.capacity() - within);
            m.get(within, dst, off, k);
            src += k;
            off += k;
            len -= k;
        }
    }
}
