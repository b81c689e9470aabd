package qmig.stream.ram;

import qmig.stream.wire.StreamFormatException;

/**
 * XBZRLE, the xor-based zero-run-length page delta of QEMU 7.2 {@code migration/xbzrle.c}
 * (spec/ram.md §5), for 4096-byte pages:
 * <pre>
 *   encoded := (zrun nzrun)+
 *   zrun    := uleb(count)                 count unchanged bytes; 0 only for the first run
 *   nzrun   := uleb(count) bytes(count)    count &gt;= 1 changed bytes, literally
 *   uleb    := 1 byte (v &lt; 0x80) | (v &amp; 0x7f | 0x80), v &gt;&gt; 7  (second byte &lt; 0x80)
 * </pre>
 * The decoder mirrors {@code xbzrle_decode_buffer} check for check; the encoder produces the
 * maximal-run encoding of {@code xbzrle_encode_buffer}, including where it gives up.
 */
public final class Xbzrle {

    public static final int PAGE = RamSaveFlag.TARGET_PAGE_SIZE;

    private Xbzrle() {
    }

    /**
     * Checks that {@code src[off, off+len)} is a valid encoding for a 4096-byte page without applying it.
     *
     * @param at stream offset of {@code src[off]} for error messages, or -1
     * @return the page extent the delta reaches (end of its last run)
     * @throws StreamFormatException.Corrupt "decode error" at the offending byte
     */
    public static int validate(byte[] src, int off, int len, long at) throws StreamFormatException.Corrupt {
        return run(src, off, len, null, 0, at);
    }

    /**
     * Applies the delta in place onto {@code page[pageOff, pageOff+4096)}; bytes outside its runs
     * keep their value. The encoding is validated first, so on error the page is untouched.
     *
     * @return the page extent the delta reaches
     */
    public static int decode(byte[] src, int off, int len, byte[] page, int pageOff, long at)
            throws StreamFormatException.Corrupt {
        if (pageOff < 0 || pageOff > page.length - PAGE) {
            throw new IndexOutOfBoundsException("page of 4096 bytes at " + pageOff + " in " + page.length);
        }
        validate(src, off, len, at);
        return run(src, off, len, page, pageOff, at);
    }

    /** One pass over the runs; copies literals iff {@code page != null}. */
    private static int run(byte[] src, int off, int len, byte[] page, int pageOff, long at)
            throws StreamFormatException.Corrupt {
        if (off < 0 || len < 0 || off > src.length - len) {
            throw new IndexOutOfBoundsException("encoding of " + len + " bytes at " + off + " in " + src.length);
        }
        int i = 0;
        int d = 0;
        while (i < len) {
            // zrun: the loader wants two bytes left even for a one-byte count
            if (len - i < 2) {
                throw error(at, i, "zero run needs 2 bytes, " + (len - i) + " left");
            }
            int zc = uleb(src, off + i);
            if (zc < 0) {
                throw error(at, i, "zero-run count has more than 2 bytes");
            }
            if (i > 0 && zc == 0) {
                throw error(at, i, "empty zero run after the first");
            }
            i += zc < 0x80 ? 1 : 2;
            d += zc;
            if (d > PAGE) {
                throw error(at, i, "zero run reaches page byte " + d + " > 4096");
            }
            if (len - i < 2) {
                throw error(at, i, "non-zero run needs 2 bytes, " + (len - i) + " left");
            }
            int nc = uleb(src, off + i);
            if (nc < 0) {
                throw error(at, i, "non-zero-run count has more than 2 bytes");
            }
            if (nc == 0) {
                throw error(at, i, "empty non-zero run");
            }
            i += nc < 0x80 ? 1 : 2;
            if (d + nc > PAGE || i + nc > len) {
                throw error(at, i, "non-zero run of " + nc + " bytes at page byte " + d
                        + (d + nc > PAGE ? " passes the page end" : " passes the encoding end"));
            }
            if (page != null) {
                System.arraycopy(src, off + i, page, pageOff + d, nc);
            }
            d += nc;
            i += nc;
        }
        return d;
    }

    /** {@code uleb128_decode_small}: the value, or -1 when a second byte has bit 7 set. */
    private static int uleb(byte[] b, int p) {
        int b0 = b[p] & 0xff;
        if (b0 < 0x80) {
            return b0;
        }
        int b1 = b[p + 1] & 0xff;
        if (b1 >= 0x80) {
            return -1;
        }
        return (b0 & 0x7f) | (b1 << 7);
    }

    private static StreamFormatException.Corrupt error(long at, int i, String why) {
        return StreamFormatException.corrupt(at < 0 ? -1 : at + i,
                "Failed to load XBZRLE page - decode error: " + why + " (encoding byte " + i + ")");
    }

    // ---- encoder ----------------------------------------------------------------------------

    /**
     * Encodes {@code cur} against {@code old} into {@code dst[dstOff, dstOff+dstLen)} exactly as
     * QEMU 7.2's {@code xbzrle_encode_buffer} with {@code slen} = 4096: maximal runs, no trailing
     * zero run, and the same give-up points ("2 more bytes fit" before each run, literals fit).
     *
     * @return the encoded length; 0 for identical pages; -1 when it does not fit (QEMU then sends a
     *         normal page; it calls this with {@code dstLen} = 4096)
     */
    public static int encode(byte[] old, int oldOff, byte[] cur, int curOff, byte[] dst, int dstOff, int dstLen) {
        int i = 0;
        int d = 0;
        while (i < PAGE) {
            if (d + 2 > dstLen) {
                return -1;
            }
            int zrun = 0;
            while (i < PAGE && old[oldOff + i] == cur[curOff + i]) {
                i++;
                zrun++;
            }
            if (zrun == PAGE) {
                return 0;
            }
            if (i == PAGE) {
                return d; // the trailing zero run is not encoded
            }
            d += putUleb(dst, dstOff + d, zrun);
            int start = i;
            if (d + 2 > dstLen) {
                return -1;
            }
            while (i < PAGE && old[oldOff + i] != cur[curOff + i]) {
                i++;
            }
            int nzrun = i - start;
            d += putUleb(dst, dstOff + d, nzrun);
            if (d + nzrun > dstLen) {
                return -1;
            }
            System.arraycopy(cur, curOff + start, dst, dstOff + d, nzrun);
            d += nzrun;
        }
        return d;
    }

    /**
     * The XBZRLE record body QEMU would send for this page change: empty for identical pages
     * (QEMU then sends nothing), null when the encoding exceeds 4096 bytes (QEMU sends a PAGE).
     */
    public static byte[] encode(byte[] old, byte[] cur) {
        if (old.length != PAGE || cur.length != PAGE) {
            throw new IllegalArgumentException("XBZRLE pages are 4096 bytes");
        }
        byte[] dst = new byte[PAGE];
        int n = encode(old, 0, cur, 0, dst, 0, PAGE);
        return n < 0 ? null : java.util.Arrays.copyOf(dst, n);
    }

    /** {@code uleb128_encode_small}: values up to 0x3fff in 1 or 2 bytes. */
    private static int putUleb(byte[] dst, int p, int v) {
        if (v < 0x80) {
            dst[p] = (byte) v;
            return 1;
        }
        dst[p] = (byte) ((v & 0x7f) | 0x80);
        dst[p + 1] = (byte) (v >>> 7);
        return 2;
    }
}
