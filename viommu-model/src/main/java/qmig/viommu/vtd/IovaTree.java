package qmig.viommu.vtd;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The per-address-space record of what notifiers were told (QEMU {@code util/iova-tree.c}):
 * non-overlapping {@link DmaMap}s. "Find" returns an entry overlapping the inclusive range
 * {@code [iova, iova + size]}; insert refuses overlaps, remove drops every overlapping entry.
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

    private final TreeMap<Long, DmaMap> map = new TreeMap<>(Long::compareUnsigned);

    /** An entry overlapping {@code [iova, iova + size]}, or null. */
    public DmaMap find(long iova, long size) {
        long last = iova + size;
        Map.Entry<Long, DmaMap> e = map.floorEntry(last);
        if (e != null && Long.compareUnsigned(e.getValue().last(), iova) >= 0) {
            return e.getValue();
        }
        return null;
    }

    /** Inserts unless the range wraps or overlaps an entry; returns whether it was inserted. */
    public boolean insert(DmaMap m) {
        if (Long.compareUnsigned(m.iova() + m.size(), m.iova()) < 0) {
            return false;
        }
        if (find(m.iova(), m.size()) != null) {
            return false;
        }
        map.put(m.iova(), m);
        return true;
    }

    /** Removes every entry overlapping {@code [iova, iova + size]}. */
    public int remove(long iova, long size) {
        int n = 0;
        for (DmaMap m; (m = find(iova, size)) != null; n++) {
            map.remove(m.iova());
        }
        return n;
    }

    public void clear() {
        map.clear();
    }

    public int size() {
        return map.size();
    }

    public List<DmaMap> entries() {
        return new ArrayList<>(map.values());
    }
}
