package qmig.stream.ram;

import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import qmig.stream.wire.StreamFormatException;

/**
 * The body of a COMPRESS_PAGE record (spec/ram.md §6): one complete zlib stream (RFC 1950) per
 * page, made with {@code deflateReset} + {@code deflate(Z_FINISH)} at {@code compress-level}
 * (default 1, streams start {@code 78 01}) by QEMU 7.2's compression threads.
 *
 * <p>An instance holds one {@link Inflater} and one {@link Deflater}, reset per page; it is not
 * thread safe. Close it to free zlib's native memory.
 *
 * <p>Strictness: QEMU 7.2's loader ({@code qemu_uncompress_data}) only fails on a zlib error; a
 * stream that inflates to fewer bytes passes there. Here the stream must end and produce exactly
 * 4096 bytes. Bytes after the end of the zlib stream are ignored, as zlib does.
 */
public final class ZlibPage implements AutoCloseable {

    public static final int PAGE = RamSaveFlag.TARGET_PAGE_SIZE;

    private final Inflater inflater = new Inflater();
    private Deflater deflater;
    private int deflaterLevel = Integer.MIN_VALUE;
    private final byte[] probe = new byte[1];

    /**
     * Inflates {@code src[off, off+len)} onto {@code page[pageOff, pageOff+4096)}.
     *
     * @param at stream offset of {@code src[off]} for error messages, or -1
     * @throws StreamFormatException.Corrupt if the data is not a zlib stream of exactly one page
     */
    public void inflate(byte[] src, int off, int len, byte[] page, int pageOff, long at)
            throws StreamFormatException.Corrupt {
        if (pageOff < 0 || pageOff > page.length - PAGE) {
            throw new IndexOutOfBoundsException("page of 4096 bytes at " + pageOff + " in " + page.length);
        }
        inflater.reset();
        inflater.setInput(src, off, len);
        int n = 0;
        try {
            while (n < PAGE) {
                int k = inflater.inflate(page, pageOff + n, PAGE - n);
                n += k;
                if (k == 0) {
                    break; // finished, or needs input or a dictionary that will not come
                }
            }
            if (!inflater.finished()) {
                if (n == PAGE && inflater.inflate(probe) > 0) {
                    throw StreamFormatException.corrupt(at, "compressed page inflates to more than 4096 bytes");
                }
                if (!inflater.finished()) {
                    throw StreamFormatException.corrupt(at, "compressed page: zlib stream of " + len
                            + " bytes ends early (" + n + " of 4096 bytes inflated)");
                }
            }
        } catch (DataFormatException e) {
            throw StreamFormatException.corrupt(at, "compressed page: invalid zlib data (" + e.getMessage() + ")", e);
        }
        if (n != PAGE) {
            throw StreamFormatException.corrupt(at, "compressed page inflates to " + n + " bytes, expected 4096");
        }
    }

    /** Inflates into a new page. */
    public byte[] inflate(byte[] zlib, long at) throws StreamFormatException.Corrupt {
        byte[] page = new byte[PAGE];
        inflate(zlib, 0, zlib.length, page, 0, at);
        return page;
    }

    /**
     * Deflates one page into a zlib stream as QEMU's compression thread does, at {@code level}
     * (0-9). Output equals QEMU's when both use the same zlib build.
     */
    public byte[] deflate(byte[] page, int pageOff, int level) {
        if (deflater == null || deflaterLevel != level) {
            if (deflater != null) {
                deflater.end();
            }
            deflater = new Deflater(level);
            deflaterLevel = level;
        }
        deflater.reset();
        deflater.setInput(page, pageOff, PAGE);
        deflater.finish();
        byte[] out = new byte[RamRecord.MAX_COMPRESSED_LENGTH];
        int n = 0;
        while (!deflater.finished()) {
            if (n == out.length) {
                out = java.util.Arrays.copyOf(out, out.length * 2);
            }
            n += deflater.deflate(out, n, out.length - n);
        }
        return java.util.Arrays.copyOf(out, n);
    }

    @Override
    public void close() {
        inflater.end();
        if (deflater != null) {
            deflater.end();
        }
    }
}
