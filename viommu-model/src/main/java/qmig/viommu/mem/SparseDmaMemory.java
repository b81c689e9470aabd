package qmig.viommu.mem;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import qmig.viommu.DmaMemory;
import qmig.viommu.DmaReadException;

/**
 * Guest-physical memory kept as 4 KiB pages in a hash map, keyed by GPA page number. Pages never
 * written read as zero. Which addresses are RAM is a list of ranges: everything else fails to
 * read, as an unassigned region does in QEMU.
 *
 * <p>Not thread safe. The last page looked up is cached, which makes table walks cheap.
 */
public final class SparseDmaMemory implements DmaMemory {

    public static final int PAGE = 4096;
    private static final VarHandle LE64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final byte[] ZERO_PAGE = new byte[PAGE];

    /** RAM ranges [start, end), sorted, not overlapping. */
    private long[] starts = new long[0];
    private long[] ends = new long[0];
    private final Map<Long, byte[]> pages = new HashMap<>();
    private long cachedPfn = -1;
    private byte[] cachedPage;
    /** Whether every byte of the cached page is RAM: its reads need no range check. */
    private boolean cachedPageAllRam;

    /** An empty memory with no RAM at all. */
    public SparseDmaMemory() {
    }

    /** An empty memory whose RAM is {@code [0, size)}. */
    public static SparseDmaMemory withRam(long size) {
        SparseDmaMemory m = new SparseDmaMemory();
        m.addRam(0, size);
        return m;
    }

    /** Declares {@code [gpa, gpa + length)} as RAM. */
    public SparseDmaMemory addRam(long gpa, long length) {
        if (length <= 0) {
            return this;
        }
        if (gpa + length < gpa && gpa + length != 0) {
            throw new IllegalArgumentException("RAM range wraps: 0x" + Long.toHexString(gpa));
        }
        List<long[]> rs = new ArrayList<>();
        for (int i = 0; i < starts.length; i++) {
            rs.add(new long[] {starts[i], ends[i]});
        }
        rs.add(new long[] {gpa, gpa + length});
        rs.sort((a, b) -> Long.compareUnsigned(a[0], b[0]));
        List<long[]> merged = new ArrayList<>();
        for (long[] r : rs) {
            if (!merged.isEmpty() && Long.compareUnsigned(r[0], merged.get(merged.size() - 1)[1]) <= 0) {
                long[] last = merged.get(merged.size() - 1);
                if (Long.compareUnsigned(r[1], last[1]) > 0) {
                    last[1] = r[1];
                }
            } else {
                merged.add(r);
            }
        }
        starts = merged.stream().mapToLong(r -> r[0]).toArray();
        ends = merged.stream().mapToLong(r -> r[1]).toArray();
        cachedPfn = -1;
        cachedPage = null;
        return this;
    }

    /** The RAM ranges as {@code [start, end)} pairs. */
    public List<long[]> ramRanges() {
        List<long[]> out = new ArrayList<>();
        for (int i = 0; i < starts.length; i++) {
            out.add(new long[] {starts[i], ends[i]});
        }
        return out;
    }

    @Override
    public boolean isRam(long gpa) {
        return rangeOf(gpa) >= 0;
    }

    @Override
    public long readLongLE(long gpa) throws DmaReadException {
        int in = (int) (gpa & (PAGE - 1));
        // fast path: a table walk reads one page many times over
        if (gpa >>> 12 == cachedPfn && cachedPageAllRam && in <= PAGE - 8) {
            return (long) LE64.get(cachedPage, in);
        }
        if (!isRam(gpa) || !isRam(gpa + 7)) {
            throw new DmaReadException(gpa, 8);
        }
        if (in <= PAGE - 8) {
            return (long) LE64.get(page(gpa >>> 12), in);
        }
        long v = 0;
        for (int b = 7; b >= 0; b--) {
            v = (v << 8) | (readByte(gpa + b) & 0xff);
        }
        return v;
    }

    /** Whether the page at {@code pageGpa} lies inside one RAM range, so every byte is RAM. */
    private boolean isAllRam(long pageGpa) {
        int k = rangeOf(pageGpa);
        return k >= 0 && k == rangeOf(pageGpa + PAGE - 1);
    }

    /** The RAM range holding {@code gpa} (as {@link #isRam} finds it), or −1. */
    private int rangeOf(long gpa) {
        int i = Arrays.binarySearch(starts, gpa);
        if (i >= 0) {
            return i;
        }
        int k = -i - 2;
        return k >= 0 && Long.compareUnsigned(gpa, ends[k]) < 0 ? k : -1;
    }

    private byte readByte(long gpa) {
        return page(gpa >>> 12)[(int) (gpa & (PAGE - 1))];
    }

    private byte[] page(long pfn) {
        if (pfn == cachedPfn) {
            return cachedPage;
        }
        byte[] p = pages.get(pfn);
        cachedPfn = pfn;
        cachedPage = p == null ? ZERO_PAGE : p;
        cachedPageAllRam = isAllRam(pfn << 12);
        return cachedPage;
    }

    private byte[] writablePage(long pfn) {
        byte[] p = pages.get(pfn);
        if (p == null) {
            p = new byte[PAGE];
            pages.put(pfn, p);
        }
        if (pfn == cachedPfn) {
            cachedPage = p;
        }
        return p;
    }

    /** Stores a little-endian 64-bit word (RAM or not: tests build tables outside RAM on purpose). */
    public void writeLongLE(long gpa, long value) {
        int in = (int) (gpa & (PAGE - 1));
        if (in <= PAGE - 8) {
            LE64.set(writablePage(gpa >>> 12), in, value);
            return;
        }
        for (int b = 0; b < 8; b++) {
            writablePage((gpa + b) >>> 12)[(int) ((gpa + b) & (PAGE - 1))] = (byte) (value >>> (8 * b));
        }
    }

    /** Replaces the 4 KiB page at page-aligned {@code gpa} with {@code src[off, off+4096)}. */
    public void putPage(long gpa, byte[] src, int off) {
        long pfn = gpa >>> 12;
        byte[] p = writablePage(pfn);
        System.arraycopy(src, off, p, 0, PAGE);
    }

    /** The page at page-aligned {@code gpa} for in-place update (created zeroed). */
    public byte[] pageForUpdate(long gpa) {
        return writablePage(gpa >>> 12);
    }

    /** Forgets the page at {@code gpa}: it reads as zero again. */
    public void clearPage(long gpa) {
        long pfn = gpa >>> 12;
        pages.remove(pfn);
        if (pfn == cachedPfn) {
            cachedPage = ZERO_PAGE;
        }
    }

    /** Number of pages holding data. */
    public int storedPages() {
        return pages.size();
    }
}
