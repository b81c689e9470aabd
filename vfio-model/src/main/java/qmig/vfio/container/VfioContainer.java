package qmig.vfio.container;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A type1 v2 VFIO container ({@code VFIO_TYPE1v2_IOMMU}): a set of non-overlapping DMA mappings
 * with the kernel's rules (vfio.md §7.3, {@code drivers/vfio/vfio_iommu_type1.c}).
 *
 * <ul>
 *   <li>MAP: size non-zero, iova/size/gpa aligned to the minimum page size, no wrap → else
 *       EINVAL; any overlap → EEXIST; no free entry → ENOSPC. Each MAP uses one entry whatever its
 *       size; mappings are never merged.</li>
 *   <li>UNMAP: size non-zero and aligned, no wrap; a mapping that contains {@code iova} but starts
 *       before it, or contains the last byte but ends after it, is bisected → EINVAL. Every mapping
 *       wholly inside is removed and the removed byte count returned (0 is success).</li>
 *   <li>DIRTY_PAGES START/STOP, and GET_BITMAP: type1 has no hardware dirty bits, so every mapped
 *       page is reported dirty (vfio.md §7.3).</li>
 * </ul>
 * A failing call leaves the container unchanged. Keys are compared as unsigned 64-bit IOVAs.
 * Not thread-safe.
 */
public final class VfioContainer {

    private final ContainerConfig config;
    private final long pageMask;
    private final TreeMap<Long, DmaMapping> maps = new TreeMap<>(Long::compareUnsigned);
    private boolean dirtyTracking;
    private long mapCalls;
    private long unmapCalls;

    public VfioContainer(ContainerConfig config) {
        this.config = config;
        this.pageMask = config.minPageSize() - 1;
    }

    public VfioContainer() {
        this(ContainerConfig.defaults());
    }

    public ContainerConfig config() {
        return config;
    }

    /** {@code VFIO_IOMMU_MAP_DMA}: map {@code size} bytes at {@code iova} onto {@code gpa}. */
    public DmaMapping map(long iova, long size, long gpa, boolean readOnly) throws VfioDmaException {
        if (size == 0 || ((iova | size | gpa) & pageMask) != 0) {
            throw new VfioDmaException(Errno.EINVAL, req("MAP_DMA", iova, size)
                    + " not aligned to the minimum page size 0x" + Long.toHexString(config.minPageSize()));
        }
        long last = iova + size - 1;
        if (Long.compareUnsigned(last, iova) < 0) {
            throw new VfioDmaException(Errno.EINVAL, req("MAP_DMA", iova, size) + " wraps around");
        }
        DmaMapping hit = firstOverlap(iova, last);
        if (hit != null) {
            throw new VfioDmaException(Errno.EEXIST, req("MAP_DMA", iova, size) + " overlaps " + hit);
        }
        if (maps.size() >= config.entryLimit()) {
            throw new VfioDmaException(Errno.ENOSPC, req("MAP_DMA", iova, size) + " would exceed the "
                    + config.entryLimit() + " entries of the container (dma_entry_limit)");
        }
        DmaMapping m = new DmaMapping(iova, size, gpa, readOnly);
        maps.put(iova, m);
        mapCalls++;
        return m;
    }

    /**
     * {@code VFIO_IOMMU_UNMAP_DMA}: remove every mapping inside {@code [iova, iova+size)}.
     *
     * @return the bytes unmapped (the kernel writes it back into {@code size}); 0 when nothing
     *         was mapped there
     */
    public long unmap(long iova, long size) throws VfioDmaException {
        return unmapCollect(iova, size, null);
    }

    /**
     * UNMAP with {@code VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP}: as {@link #unmap} and also returns
     * the dirty bits of the range (page {@code iova + i*pgsize} = bit i). Requires dirty tracking
     * started and {@code pgsize} = the minimum page size.
     */
    public UnmapResult unmapWithDirtyBitmap(long iova, long size, long pgsize) throws VfioDmaException {
        if (!dirtyTracking) {
            throw new VfioDmaException(Errno.EINVAL, req("UNMAP_DMA(GET_DIRTY_BITMAP)", iova, size)
                    + " while dirty tracking is stopped");
        }
        checkBitmapRequest("UNMAP_DMA(GET_DIRTY_BITMAP)", iova, size, pgsize);
        List<DmaMapping> removed = new ArrayList<>();
        long n = unmapCollect(iova, size, removed);
        DirtyBitmap bm = new DirtyBitmap(iova, size, pgsize);
        for (DmaMapping m : removed) {
            bm.setRange(m.iova(), m.size());
        }
        return new UnmapResult(n, removed, bm);
    }

    /** The result of an unmap that also fetched the dirty bitmap of the range. */
    public record UnmapResult(long bytes, List<DmaMapping> removed, DirtyBitmap dirty) {
        public UnmapResult {
            removed = List.copyOf(removed);
        }
    }

    private long unmapCollect(long iova, long size, List<DmaMapping> removed) throws VfioDmaException {
        if (size == 0 || ((iova | size) & pageMask) != 0) {
            throw new VfioDmaException(Errno.EINVAL, req("UNMAP_DMA", iova, size)
                    + " not aligned to the minimum page size 0x" + Long.toHexString(config.minPageSize()));
        }
        long last = iova + size - 1;
        if (Long.compareUnsigned(last, iova) < 0) {
            throw new VfioDmaException(Errno.EINVAL, req("UNMAP_DMA", iova, size) + " wraps around");
        }
        Map.Entry<Long, DmaMapping> lo = maps.floorEntry(iova);
        if (lo != null && lo.getValue().iova() != iova && lo.getValue().containsIova(iova)) {
            throw new VfioDmaException(Errno.EINVAL, req("UNMAP_DMA", iova, size) + " bisects " + lo.getValue());
        }
        Map.Entry<Long, DmaMapping> hi = maps.floorEntry(last);
        if (hi != null && hi.getValue().containsIova(last) && hi.getValue().lastIova() != last) {
            throw new VfioDmaException(Errno.EINVAL, req("UNMAP_DMA", iova, size) + " bisects " + hi.getValue());
        }
        NavigableMap<Long, DmaMapping> inside = maps.subMap(iova, true, last, true);
        long total = 0;
        for (DmaMapping m : inside.values()) {
            total += m.size();
            if (removed != null) {
                removed.add(m);
            }
        }
        inside.clear();
        unmapCalls++;
        return total;
    }

    /** {@code VFIO_DMA_UNMAP_FLAG_ALL} (iova = size = 0): remove everything, return the bytes. */
    public long unmapAll() {
        long total = 0;
        for (DmaMapping m : maps.values()) {
            total += m.size();
        }
        maps.clear();
        unmapCalls++;
        return total;
    }

    /** {@code VFIO_IOMMU_DIRTY_PAGES} START. */
    public void startDirtyTracking() {
        dirtyTracking = true;
    }

    /** {@code VFIO_IOMMU_DIRTY_PAGES} STOP. */
    public void stopDirtyTracking() {
        dirtyTracking = false;
    }

    public boolean dirtyTracking() {
        return dirtyTracking;
    }

    /**
     * {@code VFIO_IOMMU_DIRTY_PAGES} GET_BITMAP over {@code [iova, iova+size)}: type1 reports every
     * mapped page of the range dirty. Requires tracking started, {@code pgsize} = minimum page
     * size, a bitmap within {@code max_dirty_bitmap_size}, and a range that bisects no mapping.
     */
    public DirtyBitmap dirtyBitmap(long iova, long size, long pgsize) throws VfioDmaException {
        if (!dirtyTracking) {
            throw new VfioDmaException(Errno.EINVAL, req("DIRTY_PAGES(GET_BITMAP)", iova, size)
                    + " while dirty tracking is stopped");
        }
        checkBitmapRequest("DIRTY_PAGES(GET_BITMAP)", iova, size, pgsize);
        long last = iova + size - 1;
        Map.Entry<Long, DmaMapping> lo = maps.floorEntry(iova);
        if (lo != null && lo.getValue().iova() != iova && lo.getValue().containsIova(iova)
                || bisectsEnd(last)) {
            throw new VfioDmaException(Errno.EINVAL, req("DIRTY_PAGES(GET_BITMAP)", iova, size)
                    + " bisects a mapping");
        }
        DirtyBitmap bm = new DirtyBitmap(iova, size, pgsize);
        for (DmaMapping m : maps.subMap(iova, true, last, true).values()) {
            bm.setRange(m.iova(), m.size());
        }
        return bm;
    }

    private boolean bisectsEnd(long last) {
        Map.Entry<Long, DmaMapping> hi = maps.floorEntry(last);
        return hi != null && hi.getValue().containsIova(last) && hi.getValue().lastIova() != last;
    }

    private void checkBitmapRequest(String what, long iova, long size, long pgsize) throws VfioDmaException {
        if (pgsize != config.minPageSize()) {
            throw new VfioDmaException(Errno.EINVAL, req(what, iova, size) + " bitmap page size 0x"
                    + Long.toHexString(pgsize) + " is not the minimum page size 0x"
                    + Long.toHexString(config.minPageSize()));
        }
        if (size == 0 || ((iova | size) & pageMask) != 0 || Long.compareUnsigned(iova + size - 1, iova) < 0) {
            throw new VfioDmaException(Errno.EINVAL, req(what, iova, size) + " bad range");
        }
        long bytes = DirtyBitmap.bitmapBytes(size, pgsize);
        if (bytes > config.maxDirtyBitmapBytes()) {
            throw new VfioDmaException(Errno.EINVAL, req(what, iova, size) + " needs a bitmap of " + bytes
                    + " bytes, above max_dirty_bitmap_size " + config.maxDirtyBitmapBytes());
        }
    }

    /** The mapping that contains {@code iova}, or null. */
    public DmaMapping find(long iova) {
        Map.Entry<Long, DmaMapping> e = maps.floorEntry(iova);
        return e != null && e.getValue().containsIova(iova) ? e.getValue() : null;
    }

    /** The first mapping (lowest IOVA) overlapping {@code [first, last]}, or null. */
    public DmaMapping firstOverlap(long first, long last) {
        Map.Entry<Long, DmaMapping> e = maps.floorEntry(first);
        if (e != null && Long.compareUnsigned(e.getValue().lastIova(), first) >= 0) {
            return e.getValue();
        }
        Map.Entry<Long, DmaMapping> c = maps.ceilingEntry(first);
        if (c != null && Long.compareUnsigned(c.getKey(), last) <= 0) {
            return c.getValue();
        }
        return null;
    }

    /** Mappings overlapping {@code [first, last]} in IOVA order. */
    public List<DmaMapping> overlapping(long first, long last) {
        List<DmaMapping> out = new ArrayList<>();
        DmaMapping head = firstOverlap(first, last);
        if (head == null) {
            return out;
        }
        out.addAll(maps.subMap(head.iova(), true, last, true).values());
        return out;
    }

    /** All mappings in ascending IOVA order (a read-only view). */
    public Collection<DmaMapping> mappings() {
        return Collections.unmodifiableCollection(maps.values());
    }

    public int size() {
        return maps.size();
    }

    /** Entries still free ({@code DMA_AVAIL}). */
    public int available() {
        return config.entryLimit() - maps.size();
    }

    /** Sum of all mapping sizes (may exceed 2^63: read as unsigned). */
    public long mappedBytes() {
        long t = 0;
        for (DmaMapping m : maps.values()) {
            t += m.size();
        }
        return t;
    }

    public long mapCalls() {
        return mapCalls;
    }

    public long unmapCalls() {
        return unmapCalls;
    }

    private static String req(String op, long iova, long size) {
        return op + " iova 0x" + Long.toHexString(iova) + " size 0x" + Long.toHexString(size);
    }
}
