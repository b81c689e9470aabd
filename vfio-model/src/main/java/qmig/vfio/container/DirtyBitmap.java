package qmig.vfio.container;

import java.util.Arrays;

/**
 * A VFIO dirty bitmap (type1 GET_BITMAP, device DMA_LOGGING_REPORT, iommufd GET_DIRTY_BITMAP all
 * share it): bit {@code i} is the page at {@code base + i*pageSize}, LSB first within
 * little-endian u64 words. Its buffer is {@code ceil(pages/64)*8} bytes.
 */
public final class DirtyBitmap {

    private final long base;
    private final long length;
    private final long pageSize;
    private final int shift;
    private final long[] words;

    public DirtyBitmap(long base, long length, long pageSize) {
        if (Long.bitCount(pageSize) != 1) {
            throw new IllegalArgumentException("page size 0x" + Long.toHexString(pageSize) + " is not a power of two");
        }
        long pages = pages(length, pageSize);
        if (pages > (long) Integer.MAX_VALUE * 64) {
            throw new IllegalArgumentException("bitmap of " + pages + " pages is too large");
        }
        this.base = base;
        this.length = length;
        this.pageSize = pageSize;
        this.shift = Long.numberOfTrailingZeros(pageSize);
        this.words = new long[(int) ((pages + 63) >>> 6)];
    }

    /** Pages in {@code length} bytes, rounded up (length is unsigned). */
    public static long pages(long length, long pageSize) {
        int s = Long.numberOfTrailingZeros(pageSize);
        return (length >>> s) + ((length & (pageSize - 1)) != 0 ? 1 : 0);
    }

    /** {@code ceil(pages/64)*8}: the buffer size for {@code length} bytes of address space. */
    public static long bitmapBytes(long length, long pageSize) {
        return ((pages(length, pageSize) + 63) >>> 6) * 8;
    }

    public long base() {
        return base;
    }

    public long length() {
        return length;
    }

    public long pageSize() {
        return pageSize;
    }

    public long pageCount() {
        return pages(length, pageSize);
    }

    /** Sets the pages overlapping {@code [addr, addr+len)}, clipped to the bitmap. */
    public void setRange(long addr, long len) {
        if (len == 0) {
            return;
        }
        long first = Math.max(0, (addr - base) >> shift);
        long lastPage = ((addr - base) + len - 1) >> shift;
        lastPage = Math.min(lastPage, pageCount() - 1);
        if (first <= lastPage) {
            setBits(words, first, lastPage + 1);
        }
    }

    /** Sets bits {@code [from, to)} ({@code from < to}) of {@code w}, a word at a time. */
    public static void setBits(long[] w, long from, long to) {
        int fw = (int) (from >>> 6);
        int lw = (int) ((to - 1) >>> 6);
        long fm = -1L << (from & 63);
        long lm = -1L >>> (63 - ((to - 1) & 63));
        if (fw == lw) {
            w[fw] |= fm & lm;
            return;
        }
        w[fw] |= fm;
        for (int i = fw + 1; i < lw; i++) {
            w[i] = -1L;
        }
        w[lw] |= lm;
    }

    /** Clears page indices {@code [from, to)} (clipped to the bitmap). */
    public void clearPages(long from, long to) {
        to = Math.min(to, pageCount());
        if (from >= to) {
            return;
        }
        int fw = (int) (from >>> 6);
        int lw = (int) ((to - 1) >>> 6);
        long fm = -1L << (from & 63);
        long lm = -1L >>> (63 - ((to - 1) & 63));
        if (fw == lw) {
            words[fw] &= ~(fm & lm);
            return;
        }
        words[fw] &= ~fm;
        Arrays.fill(words, fw + 1, lw, 0L);
        words[lw] &= ~lm;
    }

    /**
     * The page indices {@code [first, end)} whose page starts inside {@code [addr, addr+len)}
     * (unsigned, {@code len} up to 2^64-1), or null when there is none.
     */
    public long[] pagesStartingIn(long addr, long len) {
        long startOff;
        long endOff;
        if (Long.compareUnsigned(addr, base) >= 0) {
            startOff = addr - base;
            if (Long.compareUnsigned(startOff, length) >= 0) {
                return null;
            }
            long room = length - startOff;
            endOff = startOff + (Long.compareUnsigned(len, room) < 0 ? len : room);
        } else {
            long gap = base - addr;
            if (Long.compareUnsigned(gap, len) >= 0) {
                return null;
            }
            startOff = 0;
            long rest = len - gap;
            endOff = Long.compareUnsigned(rest, length) < 0 ? rest : length;
        }
        long first = ceilPages(startOff);
        long end = ceilPages(endOff);
        return first < end ? new long[] {first, end} : null;
    }

    private long ceilPages(long off) {
        return (off >>> shift) + ((off & (pageSize - 1)) != 0 ? 1 : 0);
    }

    public void set(long pageIndex) {
        words[(int) (pageIndex >>> 6)] |= 1L << (pageIndex & 63);
    }

    public boolean get(long pageIndex) {
        return (words[(int) (pageIndex >>> 6)] & (1L << (pageIndex & 63))) != 0;
    }

    /** True when the page holding {@code addr} is dirty. */
    public boolean isDirty(long addr) {
        long off = addr - base;
        if (Long.compareUnsigned(off, length) >= 0) {
            return false;
        }
        return get(off >>> shift);
    }

    public long cardinality() {
        long n = 0;
        for (long w : words) {
            n += Long.bitCount(w);
        }
        return n;
    }

    /** The next set page index at or after {@code from}, or -1. */
    public long nextSet(long from) {
        long pages = pageCount();
        if (from >= pages) {
            return -1;
        }
        int wi = (int) (from >>> 6);
        long w = words[wi] & (-1L << (from & 63));
        while (true) {
            if (w != 0) {
                long p = ((long) wi << 6) + Long.numberOfTrailingZeros(w);
                return p < pages ? p : -1;
            }
            if (++wi >= words.length) {
                return -1;
            }
            w = words[wi];
        }
    }

    /** ORs {@code other}'s pages, which must share this bitmap's page size, at their addresses. */
    public void or(DirtyBitmap other) {
        for (long p = other.nextSet(0); p >= 0; p = other.nextSet(p + 1)) {
            setRange(other.base + (p << other.shift), pageSize);
        }
    }

    /** The wire form: little-endian u64 words. */
    public byte[] toBytes() {
        byte[] b = new byte[words.length * 8];
        for (int i = 0; i < words.length; i++) {
            for (int k = 0; k < 8; k++) {
                b[i * 8 + k] = (byte) (words[i] >>> (8 * k));
            }
        }
        return b;
    }

    public void clear() {
        Arrays.fill(words, 0);
    }
}
