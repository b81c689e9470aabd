package qmig.viommu.vtd;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The per-address-space record of what notifiers were told (QEMU {@code util/iova-tree.c}):
 * non-overlapping {@link DmaMap}s. "Find" returns an entry overlapping the inclusive range
 * {@code [iova, iova + size]} (the highest one when several do); insert refuses overlaps, remove
 * drops every overlapping entry.
 *
 * <p>Representation: QEMU keeps one GTree node per mapping and merges nothing. The set of entries
 * is the same here, but stored as runs: a run is {@code count} entries of equal size and
 * permission, each starting one byte after the previous one ends and translating to the GPA right
 * after the previous one's. A replay inserts in ascending IOVA order, so a contiguous domain
 * (the 4 GiB identity map of a Linux passthrough-less group) is one run that grows in place. A
 * run is an internal grouping only: every operation behaves as on the individual entries.
 *
 * <p>Not thread safe.
 */
public final class IovaTree {

    /**
     * A {@code DMAMap}.
     *
     * @param iova           first IOVA
     * @param translatedAddr GPA
     * @param size           inclusive size (the addr_mask)
     * @param perm           permission
     */
    public record DmaMap(long iova, long translatedAddr, long size, Perm perm) {
        public long last() {
            return iova + size;
        }
    }

    /** {@code count} entries: entry k is at {@code iova + k * step} → {@code xlat + k * step}. */
    private static final class Run {
        final long iova;
        final long xlat;
        final long size;
        final int perm;
        /** size + 1; 0 (size = 2^64 − 1) only in a run of one. */
        final long step;
        /** log2(step) when step is a power of two, else −1. */
        final int shift;
        long count;

        Run(long iova, long xlat, long size, int perm, long count) {
            this.iova = iova;
            this.xlat = xlat;
            this.size = size;
            this.perm = perm;
            this.step = size + 1;
            this.shift = step != 0 && (step & (step - 1)) == 0 ? Long.numberOfTrailingZeros(step) : -1;
            this.count = count;
        }

        long entryIova(long k) {
            return iova + k * step;
        }

        long entryXlat(long k) {
            return xlat + k * step;
        }

        /** Last byte of the last entry. */
        long last() {
            return entryIova(count - 1) + size;
        }

        /** Unsigned {@code off / step}. */
        long div(long off) {
            if (count == 1) {
                return 0;
            }
            return shift >= 0 ? off >>> shift : Long.divideUnsigned(off, step);
        }

        /** The highest entry whose start is at or below {@code x} (this run starts at or below x). */
        long indexAtOrBelow(long x) {
            long k = div(x - iova);
            return Long.compareUnsigned(k, count - 1) < 0 ? k : count - 1;
        }
    }

    private static final Perm[] PERMS = Perm.values();

    /** Runs by first IOVA (unsigned). */
    private final TreeMap<Long, Run> runs = new TreeMap<>(Long::compareUnsigned);
    /** The run of the last lookup: replays look up ascending IOVAs, mostly in the same run. */
    private Run hot;
    /** The highest run, or null when empty. */
    private Run top;
    private long entries;
    // the result of the last locate()
    private Run foundRun;
    private long foundIndex;

    /** The run with the greatest first IOVA at or below {@code x}, or null. */
    private Run floorRun(long x) {
        Run h = hot;
        if (h != null && Long.compareUnsigned(h.iova, x) <= 0
                && (h == top || Long.compareUnsigned(x, h.last()) <= 0)) {
            return h;
        }
        Map.Entry<Long, Run> e = runs.floorEntry(x);
        if (e == null) {
            return null;
        }
        hot = e.getValue();
        return hot;
    }

    /**
     * Finds the highest entry overlapping {@code [iova, iova + size]} into {@link #foundRun} /
     * {@link #foundIndex}: the entry with the greatest start at or below {@code iova + size}, if
     * it ends at or above {@code iova} (entries are sorted and disjoint, so their ends ascend too).
     */
    private boolean locate(long iova, long size) {
        long last = iova + size;
        Run r = floorRun(last);
        if (r == null) {
            return false;
        }
        long k = r.indexAtOrBelow(last);
        if (Long.compareUnsigned(r.entryIova(k) + r.size, iova) < 0) {
            return false;
        }
        foundRun = r;
        foundIndex = k;
        return true;
    }

    /** An entry overlapping {@code [iova, iova + size]}, or null. */
    public DmaMap find(long iova, long size) {
        if (!locate(iova, size)) {
            return null;
        }
        Run r = foundRun;
        long k = foundIndex;
        return new DmaMap(r.entryIova(k), r.entryXlat(k), r.size, PERMS[r.perm]);
    }

    /** Whether an entry overlaps {@code [iova, iova + size]}: {@code find(iova, size) != null}. */
    public boolean overlaps(long iova, long size) {
        return locate(iova, size);
    }

    /**
     * Whether the tree holds exactly this entry: {@code new DmaMap(iova, translatedAddr, size,
     * perm).equals(find(iova, size))}, as entries are disjoint.
     */
    public boolean contains(long iova, long translatedAddr, long size, Perm perm) {
        Run r = floorRun(iova);
        if (r == null || r.size != size || r.perm != perm.ordinal()) {
            return false;
        }
        long off = iova - r.iova;
        long k = r.div(off);
        return Long.compareUnsigned(k, r.count) < 0 && r.entryIova(k) == iova && r.entryXlat(k) == translatedAddr;
    }

    /** Inserts unless the range wraps or overlaps an entry; returns whether it was inserted. */
    public boolean insert(DmaMap m) {
        return insert(m.iova(), m.translatedAddr(), m.size(), m.perm());
    }

    /** {@link #insert(DmaMap)} without the record. */
    public boolean insert(long iova, long translatedAddr, long size, Perm perm) {
        if (Long.compareUnsigned(iova + size, iova) < 0) {
            return false;
        }
        if (locate(iova, size)) {
            return false;
        }
        Run r = floorRun(iova);
        if (r != null && r.size == size && r.perm == perm.ordinal() && r.step != 0) {
            long end = r.last() + 1;
            if (end != 0 && end == iova && r.entryXlat(r.count) == translatedAddr) {
                r.count++;
                entries++;
                return true;
            }
        }
        Run n = new Run(iova, translatedAddr, size, perm.ordinal(), 1);
        runs.put(iova, n);
        if (top == null || Long.compareUnsigned(iova, top.iova) > 0) {
            top = n;
        }
        hot = n;
        entries++;
        return true;
    }

    /** Removes every entry overlapping {@code [iova, iova + size]}; returns how many. */
    public int remove(long iova, long size) {
        long last = iova + size;
        long removed = 0;
        Run r = floorRun(last);
        while (r != null) {
            long hi = r.indexAtOrBelow(last);
            if (Long.compareUnsigned(r.entryIova(hi) + r.size, iova) < 0) {
                break;
            }
            // lo: the first entry of r ending at or above iova
            long lo = 0;
            long firstEnd = r.iova + r.size;
            if (Long.compareUnsigned(firstEnd, iova) < 0) {
                long d = iova - firstEnd;
                lo = r.div(d);
                if (lo * r.step != d) {
                    lo++;
                }
            }
            removed += hi - lo + 1;
            runs.remove(r.iova);
            if (hi + 1 < r.count) {
                Run right = new Run(r.entryIova(hi + 1), r.entryXlat(hi + 1), r.size, r.perm, r.count - hi - 1);
                runs.put(right.iova, right);
            }
            if (lo > 0) {
                r.count = lo;
                runs.put(r.iova, r);
                break;
            }
            Map.Entry<Long, Run> below = runs.lowerEntry(r.iova);
            r = below == null ? null : below.getValue();
        }
        if (removed > 0) {
            entries -= removed;
            hot = null;
            Map.Entry<Long, Run> t = runs.lastEntry();
            top = t == null ? null : t.getValue();
        }
        return (int) Math.min(removed, Integer.MAX_VALUE);
    }

    public void clear() {
        runs.clear();
        hot = null;
        top = null;
        entries = 0;
    }

    /** Number of entries (not runs). */
    public int size() {
        return (int) Math.min(entries, Integer.MAX_VALUE);
    }

    /** Every entry, ascending. */
    public List<DmaMap> entries() {
        List<DmaMap> out = new ArrayList<>();
        for (Run r : runs.values()) {
            for (long k = 0; k < r.count; k++) {
                out.add(new DmaMap(r.entryIova(k), r.entryXlat(k), r.size, PERMS[r.perm]));
            }
        }
        return out;
    }
}
