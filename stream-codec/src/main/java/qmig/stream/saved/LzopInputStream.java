package qmig.stream.saved;

import java.io.IOException;
import java.io.InputStream;
import java.util.zip.Adler32;
import java.util.zip.CRC32;
import java.util.zip.Checksum;
import qmig.stream.wire.Limits;
import qmig.stream.wire.StreamFormatException;
import qmig.stream.wire.Where;

/**
 * Reads an lzop file (what {@code lzop -c} writes) as its decompressed content. Commons
 * Compress has no lzop, so the container is read here and each block decompressed by
 * {@link Lzo1x}. Checksums present in the file are verified.
 *
 * <pre>
 *   89 4C 5A 4F 00 0D 0A 1A 0A   magic
 *   be16 version, be16 lib_version, [be16 version_needed  if version &gt;= 0x0940]
 *   u8 method (1..3: LZO1X), [u8 level  if version &gt;= 0x0940]
 *   be32 flags, [be32 filter  if flags &amp; 0x800], be32 mode, be32 mtime_low,
 *   [be32 mtime_high  if version &gt;= 0x0940], u8 name_len, name,
 *   be32 header checksum (adler32 of version..name; crc32 if flags &amp; 0x1000)
 *   [be32 extra_len, extra, be32 checksum  if flags &amp; 0x40]
 * then blocks:
 *   be32 dst_len (0 = end), be32 src_len,
 *   [be32 adler32(dst)  if flags &amp; 0x1], [be32 crc32(dst)  if flags &amp; 0x100],
 *   [be32 adler32(src)  if flags &amp; 0x2 and src_len &lt; dst_len], [be32 crc32(src)  if 0x200 and src_len &lt; dst_len],
 *   src_len bytes: stored when src_len == dst_len, else LZO1X
 * </pre>
 */
final class LzopInputStream extends InputStream {

    static final byte[] MAGIC = {(byte) 0x89, 0x4c, 0x5a, 0x4f, 0x00, 0x0d, 0x0a, 0x1a, 0x0a};

    private static final int F_ADLER32_D = 0x1;
    private static final int F_ADLER32_C = 0x2;
    private static final int F_H_EXTRA_FIELD = 0x40;
    private static final int F_CRC32_D = 0x100;
    private static final int F_CRC32_C = 0x200;
    private static final int F_H_FILTER = 0x800;
    private static final int F_H_CRC32 = 0x1000;
    /** lzop's own MAX_BLOCK_SIZE. */
    private static final int MAX_BLOCK = 64 << 20;

    private final InputStream in;
    private final Limits limits;
    private long inPos;       // file offset of the next byte of in
    private long outPos;      // decompressed bytes handed out
    private int flags;
    private boolean headerRead;
    private boolean done;
    private byte[] block = new byte[0];
    private int blockPos;
    private int blockLen;

    /** @param start the offset of the lzop data in the file (for error messages) */
    LzopInputStream(InputStream in, long start, Limits limits) {
        this.in = in;
        this.inPos = start;
        this.limits = limits;
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
        while (blockPos == blockLen) {
            if (done || !nextBlock()) {
                return -1;
            }
        }
        int n = Math.min(len, blockLen - blockPos);
        System.arraycopy(block, blockPos, b, off, n);
        blockPos += n;
        outPos += n;
        return n;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    private void header() throws IOException {
        byte[] magic = readN(MAGIC.length, "lzop magic");
        for (int i = 0; i < MAGIC.length; i++) {
            if (magic[i] != MAGIC[i]) {
                throw StreamFormatException.corrupt(where(inPos - MAGIC.length + i), "not an lzop file: bad magic byte " + i);
            }
        }
        Checksum sum = new Adler32();
        HeaderReader h = new HeaderReader(sum);
        int version = h.u16("lzop version");
        h.u16("lzop lib_version");
        if (version >= 0x0940) {
            h.u16("lzop version_needed_to_extract");
        }
        long methodAt = inPos;
        int method = h.u8("lzop method");
        if (method < 1 || method > 3) {
            throw StreamFormatException.unsupportedVersion(where(methodAt),
                    "lzop method " + method + " is not LZO1X (expected 1, 2 or 3)");
        }
        if (version >= 0x0940) {
            h.u8("lzop level");
        }
        flags = (int) h.u32("lzop flags");
        if ((flags & F_H_CRC32) != 0) {
            // the header checksum is a CRC-32 instead; recompute over what was read so far
            sum = new CRC32();
            sum.update(h.seen, 0, h.seenLen);
            h.sum = sum;
        }
        if ((flags & F_H_FILTER) != 0) {
            h.u32("lzop filter");
        }
        h.u32("lzop mode");
        h.u32("lzop mtime_low");
        if (version >= 0x0940) {
            h.u32("lzop mtime_high");
        }
        int nameLen = h.u8("lzop name length");
        h.skip(nameLen, "lzop name");
        long expected = sum.getValue();
        long at = inPos;
        long found = u32("lzop header checksum");
        if (found != expected) {
            throw StreamFormatException.corrupt(where(at), "lzop header checksum: expected 0x"
                    + Long.toHexString(expected) + ", found 0x" + Long.toHexString(found));
        }
        if ((flags & F_H_EXTRA_FIELD) != 0) {
            long extra = u32("lzop extra field length");
            if (extra > limits.maxWrapperTableBytes()) {
                throw StreamFormatException.limitExceeded(where(inPos - 4), "lzop extra field", extra,
                        limits.maxWrapperTableBytes(), "Limits.maxWrapperTableBytes");
            }
            skipN(extra, "lzop extra field");
            u32("lzop extra field checksum");
        }
        headerRead = true;
    }

    private boolean nextBlock() throws IOException {
        if (!headerRead) {
            header();
        }
        long at = inPos;
        long dst = u32("lzop block length");
        if (dst == 0) {
            done = true;
            return false;
        }
        long src = u32("lzop compressed block length");
        if (dst > MAX_BLOCK || dst > limits.maxWrapperTableBytes()) {
            throw StreamFormatException.limitExceeded(where(at), "lzop block length", dst,
                    Math.min(MAX_BLOCK, limits.maxWrapperTableBytes()), "Limits.maxWrapperTableBytes");
        }
        if (src > dst) {
            throw StreamFormatException.corrupt(where(at + 4), "lzop compressed block length " + src
                    + " is larger than the block (" + dst + " bytes)");
        }
        long dAdler = (flags & F_ADLER32_D) != 0 ? u32("lzop block adler32") : -1;
        long dCrc = (flags & F_CRC32_D) != 0 ? u32("lzop block crc32") : -1;
        if (src < dst) {
            if ((flags & F_ADLER32_C) != 0) {
                u32("lzop compressed block adler32");
            }
            if ((flags & F_CRC32_C) != 0) {
                u32("lzop compressed block crc32");
            }
        }
        long dataAt = inPos;
        byte[] comp = readN((int) src, "lzop block");
        if (block.length < dst) {
            block = new byte[(int) dst];
        }
        byte[] out = block.length == dst ? block : new byte[(int) dst];
        if (src == dst) {
            System.arraycopy(comp, 0, out, 0, (int) dst);
        } else {
            try {
                Lzo1x.decompress(comp, (int) src, out);
            } catch (Lzo1x.BadBlock e) {
                throw StreamFormatException.corrupt(Where.inFile(outPos, dataAt + e.position),
                        "lzop block of " + dst + " bytes: " + e.getMessage(), e);
            }
        }
        check(new Adler32(), dAdler, out, (int) dst, at, "adler32");
        check(new CRC32(), dCrc, out, (int) dst, at, "crc32");
        block = out;
        blockPos = 0;
        blockLen = (int) dst;
        return true;
    }

    private void check(Checksum c, long expected, byte[] data, int len, long at, String name) throws StreamFormatException {
        if (expected < 0) {
            return;
        }
        c.update(data, 0, len);
        if (c.getValue() != expected) {
            throw StreamFormatException.corrupt(Where.inFile(outPos, at), "lzop block " + name + ": expected 0x"
                    + Long.toHexString(expected) + ", found 0x" + Long.toHexString(c.getValue()));
        }
    }

    private Where where(long fileAt) {
        return Where.inFile(outPos, fileAt);
    }

    private long u32(String what) throws IOException {
        byte[] b = readN(4, what);
        return ((b[0] & 0xffL) << 24) | ((b[1] & 0xffL) << 16) | ((b[2] & 0xffL) << 8) | (b[3] & 0xffL);
    }

    private byte[] readN(int n, String what) throws IOException {
        long at = inPos;
        byte[] b = in.readNBytes(n);
        inPos += b.length;
        if (b.length < n) {
            throw StreamFormatException.truncated(Where.inFile(outPos, at),
                    "truncated " + what + " (expected " + n + " bytes, got " + b.length + ")");
        }
        return b;
    }

    private void skipN(long n, String what) throws IOException {
        long left = n;
        while (left > 0) {
            byte[] b = readN((int) Math.min(left, 1 << 16), what);
            left -= b.length;
        }
    }

    /** Reads header fields while feeding them to the header checksum. */
    private final class HeaderReader {
        Checksum sum;
        final byte[] seen = new byte[64];
        int seenLen;

        HeaderReader(Checksum sum) {
            this.sum = sum;
        }

        private byte[] take(int n, String what) throws IOException {
            byte[] b = readN(n, what);
            sum.update(b, 0, n);
            if (seenLen + n <= seen.length) {
                System.arraycopy(b, 0, seen, seenLen, n);
                seenLen += n;
            }
            return b;
        }

        int u8(String what) throws IOException {
            return take(1, what)[0] & 0xff;
        }

        int u16(String what) throws IOException {
            byte[] b = take(2, what);
            return ((b[0] & 0xff) << 8) | (b[1] & 0xff);
        }

        long u32(String what) throws IOException {
            byte[] b = take(4, what);
            return ((b[0] & 0xffL) << 24) | ((b[1] & 0xffL) << 16) | ((b[2] & 0xffL) << 8) | (b[3] & 0xffL);
        }

        void skip(int n, String what) throws IOException {
            take(n, what);
        }
    }
}
