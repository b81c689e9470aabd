package qmig.stream.memory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Off-heap pages: a slab of direct {@link ByteBuffer} chunks of {@code chunkPages} pages each,
 * allocated when the first page needs a slot in them. The page table maps a page index to
 * {@code slot + 1} (0 = absent); a freed page's slot goes on a free list and is reused. Chunks are
 * not returned before {@link #close()} (the JDK releases direct memory when the buffer is
 * collected).
 */
final class DirectStore extends BlockStore {

    private final int chunkPages;
    private final int[][] dir;
    private final List<ByteBuffer> chunks = new ArrayList<>();
    private int nextSlot;
    private int[] freeSlots = new int[16];
    private int freeCount;

    DirectStore(long pages, int chunkPages) {
        super(pages);
        if (pages > Integer.MAX_VALUE - 1) {
            throw new IllegalArgumentException("block of " + pages + " pages: off-heap slots are int-indexed");
        }
        this.chunkPages = chunkPages;
        this.dir = new int[leaves(pages)][];
    }

    private int slot(long p) {
        int[] leaf = dir[(int) (p >>> LEAF_BITS)];
        return leaf == null ? -1 : leaf[(int) (p & LEAF_MASK)] - 1;
    }

    private ByteBuffer chunk(int slot) {
        return chunks.get(slot / chunkPages);
    }

    private int pos(int slot) {
        return (slot % chunkPages) * PAGE;
    }

    /** The page's slot, taking one (zero-filled) when absent. */
    private int alloc(long p) {
        int d = (int) (p >>> LEAF_BITS);
        int[] leaf = dir[d];
        if (leaf == null) {
            leaf = dir[d] = new int[LEAF];
        }
        int i = (int) (p & LEAF_MASK);
        if (leaf[i] != 0) {
            return leaf[i] - 1;
        }
        int s;
        if (freeCount > 0) {
            s = freeSlots[--freeCount];
            chunk(s).put(pos(s), ZERO, 0, PAGE); // a reused slot holds its old page
        } else {
            s = nextSlot++;
            if (s / chunkPages == chunks.size()) {
                chunks.add(ByteBuffer.allocateDirect(chunkPages * PAGE).order(ByteOrder.LITTLE_ENDIAN));
            }
        }
        leaf[i] = s + 1;
        present++;
        return s;
    }

    @Override
    boolean present(long p) {
        return slot(p) >= 0;
    }

    @Override
    void read(long p, int inPage, byte[] dst, int off, int len) {
        int s = slot(p);
        if (s < 0) {
            System.arraycopy(ZERO, 0, dst, off, len);
        } else {
            chunk(s).get(pos(s) + inPage, dst, off, len);
        }
    }

    @Override
    void writePage(long p, byte[] src, int off) {
        int s = alloc(p);
        chunk(s).put(pos(s), src, off, PAGE);
    }

    @Override
    void write(long p, int inPage, byte[] src, int off, int len) {
        int s = alloc(p);
        chunk(s).put(pos(s) + inPage, src, off, len);
    }

    @Override
    void free(long p) {
        int[] leaf = dir[(int) (p >>> LEAF_BITS)];
        int i = (int) (p & LEAF_MASK);
        if (leaf == null || leaf[i] == 0) {
            return;
        }
        if (freeCount == freeSlots.length) {
            freeSlots = Arrays.copyOf(freeSlots, freeSlots.length * 2);
        }
        freeSlots[freeCount++] = leaf[i] - 1;
        leaf[i] = 0;
        present--;
    }

    @Override
    long readLongLE(long p, int inPage) {
        int s = slot(p);
        return s < 0 ? 0 : chunk(s).getLong(pos(s) + inPage);
    }

    /** Bytes of direct memory held (for reports). */
    long reservedBytes() {
        return (long) chunks.size() * chunkPages * PAGE;
    }

    @Override
    public void close() {
        chunks.clear();
        Arrays.fill(dir, null);
        present = 0;
    }
}
