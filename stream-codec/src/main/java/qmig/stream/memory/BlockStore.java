package qmig.stream.memory;

import java.io.IOException;

/**
 * Page storage of one RAMBlock, by page index. An absent page reads as zeros and costs no page
 * memory; {@link RamBlockImage} decides when a page becomes absent. Indexes and in-page ranges are
 * checked by the caller. Page tables are two-level (leaves of {@link #LEAF} pages) and allocated
 * on demand, so an announced but empty block costs {@code pages / 512} references.
 */
abstract class BlockStore implements AutoCloseable {

    static final int PAGE = 4096;
    static final int LEAF_BITS = 9;
    static final int LEAF = 1 << LEAF_BITS;
    static final int LEAF_MASK = LEAF - 1;

    /** The shared zero page: never written. */
    static final byte[] ZERO = new byte[PAGE];

    final long pages;
    long present;

    BlockStore(long pages) {
        this.pages = pages;
    }

    static int leaves(long pages) {
        return (int) ((pages + LEAF - 1) >>> LEAF_BITS);
    }

    abstract boolean present(long p);

    /** Copies {@code len} bytes of page {@code p} from {@code inPage}; zeros when absent. */
    abstract void read(long p, int inPage, byte[] dst, int off, int len);

    /** Stores a whole page, allocating it if absent. */
    abstract void writePage(long p, byte[] src, int off) throws IOException;

    /** Writes part of a page, allocating it (zero-filled) if absent. */
    abstract void write(long p, int inPage, byte[] src, int off, int len) throws IOException;

    /** Makes the page zero and releases what it can. */
    abstract void free(long p);

    /** 8 bytes little-endian at {@code inPage} (at most 4088); 0 when absent. */
    abstract long readLongLE(long p, int inPage);

    /**
     * The page's bytes at index 0 of the returned array, without copying when the store keeps
     * arrays: {@link #ZERO} when absent, an internal array, or {@code scratch} filled. Read only.
     */
    byte[] view(long p, byte[] scratch) {
        if (!present(p)) {
            return ZERO;
        }
        read(p, 0, scratch, 0, PAGE);
        return scratch;
    }

    /** Whether the (present) page holds only zeros. */
    boolean contentIsZero(long p, byte[] scratch) {
        byte[] v = view(p, scratch);
        return v == ZERO || isZero(v, 0);
    }

    static boolean isZero(byte[] b, int off) {
        return java.util.Arrays.mismatch(b, off, off + PAGE, ZERO, 0, PAGE) < 0;
    }

    /** Pushes written data to its medium (mapped files). */
    void flush() throws IOException {
    }

    @Override
    public abstract void close() throws IOException;

    // ---- heap ---------------------------------------------------------------------------------

    /** One {@code byte[4096]} per present page. */
    static final class HeapStore extends BlockStore {
        private final byte[][][] dir;

        HeapStore(long pages) {
            super(pages);
            dir = new byte[leaves(pages)][][];
        }

        private byte[] page(long p) {
            byte[][] leaf = dir[(int) (p >>> LEAF_BITS)];
            return leaf == null ? null : leaf[(int) (p & LEAF_MASK)];
        }

        private byte[] alloc(long p) {
            int d = (int) (p >>> LEAF_BITS);
            byte[][] leaf = dir[d];
            if (leaf == null) {
                leaf = dir[d] = new byte[LEAF][];
            }
            byte[] pg = leaf[(int) (p & LEAF_MASK)];
            if (pg == null) {
                pg = leaf[(int) (p & LEAF_MASK)] = new byte[PAGE];
                present++;
            }
            return pg;
        }

        @Override
        boolean present(long p) {
            return page(p) != null;
        }

        @Override
        void read(long p, int inPage, byte[] dst, int off, int len) {
            byte[] pg = page(p);
            System.arraycopy(pg == null ? ZERO : pg, inPage, dst, off, len);
        }

        @Override
        void writePage(long p, byte[] src, int off) {
            System.arraycopy(src, off, alloc(p), 0, PAGE);
        }

        @Override
        void write(long p, int inPage, byte[] src, int off, int len) {
            System.arraycopy(src, off, alloc(p), inPage, len);
        }

        @Override
        void free(long p) {
            byte[][] leaf = dir[(int) (p >>> LEAF_BITS)];
            if (leaf != null && leaf[(int) (p & LEAF_MASK)] != null) {
                leaf[(int) (p & LEAF_MASK)] = null;
                present--;
            }
        }

        @Override
        long readLongLE(long p, int inPage) {
            byte[] pg = page(p);
            return pg == null ? 0 : (long) LE_LONG.get(pg, inPage);
        }

        @Override
        byte[] view(long p, byte[] scratch) {
            byte[] pg = page(p);
            return pg == null ? ZERO : pg;
        }

        @Override
        public void close() {
            java.util.Arrays.fill(dir, null);
            present = 0;
        }
    }

    static final java.lang.invoke.VarHandle LE_LONG =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
}
