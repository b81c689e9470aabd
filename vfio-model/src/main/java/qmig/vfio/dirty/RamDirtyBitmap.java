package qmig.vfio.dirty;

import java.util.Arrays;
import java.util.TreeSet;

/**
 * QEMU's RAM dirty bitmap for migration ({@code ram_list.dirty_memory[DIRTY_MEMORY_MIGRATION]}):
 * one bit per 4 KiB page of ram_addr space, bit {@code i} of word {@code i/64} for page {@code
 * ram_addr >> 12}. What {@link DirtySync} writes into. It grows when a page beyond its size is
 * set, so a caller that does not know the ram_addr space in advance may start empty.
 * Not thread-safe.
 */
public final class RamDirtyBitmap {

    /** The target page size: {@code TARGET_PAGE_SIZE} on x86. */
    public static final long PAGE_SIZE = 4096;
    public static final int PAGE_SHIFT = 12;

    private long[] words;

    /** A bitmap for {@code ramBytes} of ram_addr space (rounded up to whole pages). */
    public RamDirtyBitmap(long ramBytes) {
        long pages = (ramBytes + PAGE_SIZE - 1) >>> PAGE_SHIFT;
        if (pages > (long) Integer.MAX_VALUE * 64) {
            throw new IllegalArgumentException("ram_addr space of 0x" + Long.toHexString(ramBytes) + " bytes is too large");
        }
        this.words = new long[(int) ((pages + 63) >>> 6)];
    }

    /** Marks page {@code page} (ram_addr / 4 KiB). */
    public void set(long page) {
        int w = (int) (page >>> 6);
        if (w >= words.length) {
            grow(w);
        }
        words[w] |= 1L << (page & 63);
    }

    /** Marks the pages overlapping {@code [ramAddr, ramAddr+len)}. */
    public void setRange(long ramAddr, long len) {
        if (len <= 0) {
            return;
        }
        long first = ramAddr >>> PAGE_SHIFT;
        long end = ((ramAddr + len - 1) >>> PAGE_SHIFT) + 1;
        int lw = (int) ((end - 1) >>> 6);
        if (lw >= words.length) {
            grow(lw);
        }
        if (end - first == 1) {
            words[(int) (first >>> 6)] |= 1L << (first & 63);
            return;
        }
        qmig.vfio.container.DirtyBitmap.setBits(words, first, end);
    }

    private void grow(int word) {
        words = Arrays.copyOf(words, Math.max(word + 1, words.length + (words.length >>> 1)));
    }

    public boolean get(long page) {
        int w = (int) (page >>> 6);
        return w < words.length && (words[w] & (1L << (page & 63))) != 0;
    }

    /** Dirty pages. */
    public long cardinality() {
        long n = 0;
        for (long w : words) {
            n += Long.bitCount(w);
        }
        return n;
    }

    /** The next dirty page at or after {@code from}, or -1. */
    public long nextSet(long from) {
        int wi = (int) (from >>> 6);
        if (wi >= words.length) {
            return -1;
        }
        long w = words[wi] & (-1L << (from & 63));
        while (true) {
            if (w != 0) {
                return ((long) wi << 6) + Long.numberOfTrailingZeros(w);
            }
            if (++wi >= words.length) {
                return -1;
            }
            w = words[wi];
        }
    }

    /** The dirty pages as ram_addr page numbers, ascending. */
    public TreeSet<Long> pages() {
        TreeSet<Long> out = new TreeSet<>();
        for (long p = nextSet(0); p >= 0; p = nextSet(p + 1)) {
            out.add(p);
        }
        return out;
    }

    /** The words, LSB first (a copy). */
    public long[] words() {
        return words.clone();
    }

    public void clear() {
        Arrays.fill(words, 0);
    }
}
