package qmig.stream.memory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * The content of one RAMBlock: {@code usedLength} bytes in 4096-byte pages, sparse. Offsets are
 * byte offsets inside the block, as in the {@code ram} records. A page holding only zeros is
 * absent and costs no page memory: writing a zero page (or zeroing a page by a later write)
 * releases it.
 *
 * <p>Out-of-range arguments are programming errors ({@link IndexOutOfBoundsException});
 * {@link RamLoader} checks stream values before it calls in and reports them as
 * {@code StreamFormatException}s. Not thread safe.
 */
public final class RamBlockImage {

    public static final int PAGE = BlockStore.PAGE;

    private final String idstr;
    private final long usedLength;
    private final BlockStore store;
    private final byte[] scratch = new byte[PAGE];

    RamBlockImage(String idstr, long usedLength, BlockStore store) {
        this.idstr = Objects.requireNonNull(idstr, "idstr");
        this.usedLength = usedLength;
        this.store = store;
    }

    public String idstr() {
        return idstr;
    }

    /** Bytes, a multiple of 4096. */
    public long usedLength() {
        return usedLength;
    }

    public long pageCount() {
        return usedLength / PAGE;
    }

    /** Pages that hold something other than zeros (the pages that cost memory). */
    public long nonZeroPages() {
        return store.present;
    }

    /** Whether the page at {@code offset} (any offset inside it) holds only zeros. */
    public boolean isZeroPage(long offset) {
        return !store.present(page(offset));
    }

    /** Copies the page at the page-aligned {@code offset} to {@code dst[dstOff ..]}. */
    public void readPage(long offset, byte[] dst, int dstOff) {
        long p = alignedPage(offset);
        Objects.checkFromIndexSize(dstOff, PAGE, dst.length);
        store.read(p, 0, dst, dstOff, PAGE);
    }

    /** Stores a whole page from {@code src[srcOff ..]}; an all-zero page is released instead. */
    public void writePage(long offset, byte[] src, int srcOff) throws IOException {
        long p = alignedPage(offset);
        Objects.checkFromIndexSize(srcOff, PAGE, src.length);
        if (BlockStore.isZero(src, srcOff)) {
            store.free(p);
        } else {
            store.writePage(p, src, srcOff);
        }
    }

    /** Fills the page with {@code fill} (a ZERO record); 0 releases it. */
    public void fillPage(long offset, int fill) throws IOException {
        long p = alignedPage(offset);
        if ((fill & 0xff) == 0) {
            store.free(p);
        } else {
            byte[] b = new byte[PAGE];
            java.util.Arrays.fill(b, (byte) fill);
            store.writePage(p, b, 0);
        }
    }

    /** Makes the page zero. */
    public void zeroPage(long offset) {
        store.free(alignedPage(offset));
    }

    /** Copies {@code len} bytes from {@code offset}, across page edges. */
    public void read(long offset, byte[] dst, int off, int len) {
        checkRange(offset, len);
        Objects.checkFromIndexSize(off, len, dst.length);
        while (len > 0) {
            int in = (int) (offset & (PAGE - 1));
            int n = Math.min(len, PAGE - in);
            store.read(offset / PAGE, in, dst, off, n);
            offset += n;
            off += n;
            len -= n;
        }
    }

    /** Writes {@code len} bytes at {@code offset}, across page edges; pages left all-zero are released. */
    public void write(long offset, byte[] src, int off, int len) throws IOException {
        checkRange(offset, len);
        Objects.checkFromIndexSize(off, len, src.length);
        while (len > 0) {
            int in = (int) (offset & (PAGE - 1));
            int n = Math.min(len, PAGE - in);
            long p = offset / PAGE;
            if (n == PAGE) {
                writePage(offset, src, off);
            } else if (store.present(p)) {
                store.write(p, in, src, off, n);
                if (store.contentIsZero(p, scratch)) {
                    store.free(p);
                }
            } else if (java.util.Arrays.mismatch(src, off, off + n, BlockStore.ZERO, 0, n) >= 0) {
                store.write(p, in, src, off, n); // non-zero data into an absent page
            }
            offset += n;
            off += n;
            len -= n;
        }
    }

    /** 8 bytes little-endian at {@code offset} (a page-table entry); any alignment. */
    public long readLongLE(long offset) {
        checkRange(offset, 8);
        int in = (int) (offset & (PAGE - 1));
        if (in <= PAGE - 8) {
            return store.readLongLE(offset / PAGE, in);
        }
        byte[] b = new byte[8];
        read(offset, b, 0, 8);
        return (long) BlockStore.LE_LONG.get(b, 0);
    }

    /** 4 bytes little-endian at {@code offset}. */
    public int readIntLE(long offset) {
        byte[] b = new byte[4];
        read(offset, b, 0, 4);
        return (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
    }

    /**
     * Writes the block's raw image to {@code file} (created or truncated), leaving zero pages as
     * holes: the file of {@code stream-info.py --ram-out}.
     */
    public void writeImage(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (long p = 0; p < pageCount(); p++) {
                if (store.present(p)) {
                    ByteBuffer bb = ByteBuffer.wrap(store.view(p, scratch), 0, PAGE);
                    long at = p * PAGE;
                    while (bb.hasRemaining()) {
                        at += ch.write(bb, at);
                    }
                }
            }
            if (ch.size() < usedLength) { // trailing zero pages: extend sparsely
                ch.write(ByteBuffer.wrap(new byte[1]), usedLength - 1);
            }
        }
    }

    /** Page bytes at index 0 of the result (read only): the shared zero page, an internal array or {@code buf}. */
    byte[] view(long pageIndex, byte[] buf) {
        return store.view(pageIndex, buf);
    }

    BlockStore store() {
        return store;
    }

    private long page(long offset) {
        if (offset < 0 || offset >= usedLength) {
            throw new IndexOutOfBoundsException(String.format("offset 0x%x outside block '%s' (used_length 0x%x)",
                    offset, idstr, usedLength));
        }
        return offset / PAGE;
    }

    private long alignedPage(long offset) {
        if ((offset & (PAGE - 1)) != 0) {
            throw new IllegalArgumentException("offset 0x" + Long.toHexString(offset) + " is not page aligned");
        }
        return page(offset);
    }

    private void checkRange(long offset, int len) {
        if (len < 0 || offset < 0 || offset > usedLength - len) {
            throw new IndexOutOfBoundsException(String.format("%d bytes at 0x%x outside block '%s' (used_length 0x%x)",
                    len, offset, idstr, usedLength));
        }
    }

    @Override
    public String toString() {
        return "RamBlockImage[" + idstr + ", 0x" + Long.toHexString(usedLength) + ", " + store.present + " non-zero pages]";
    }
}
