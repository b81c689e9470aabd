package qmig.vfio.dirty;

import java.util.TreeSet;
import qmig.vfio.container.DirtyBitmap;
import qmig.vfio.container.DmaMapping;
import qmig.vfio.container.VfioContainer;
import qmig.vfio.container.VfioDmaException;
import qmig.vfio.notify.RamOracle;
import qmig.vfio.notify.RamSection;

/**
 * One dirty sync ({@code log_sync}) of a container: for each current mapping {@code [iova,
 * iova+size) -> gpa} (1:1 RAM mappings without a vIOMMU, the replayed vIOMMU mappings with one),
 * fetch the IOVA bitmap slice — from the type1 container (every mapped page) or from the device's
 * DMA log — and set the pages at {@code ram_addr} of the translated GPA (vfio.md §10.1, §10.5).
 */
public final class DirtySync {

    /** Where dirty bits come from. */
    public enum Source {
        /** type1 GET_BITMAP: no hardware dirty bits, every mapped page dirty. */
        CONTAINER,
        /** device DMA_LOGGING_REPORT per mapping. */
        DEVICE
    }

    private DirtySync() {
    }

    /**
     * Runs the sync and returns the RAM dirty pages as ram_addr page numbers (ram_addr / 4 KiB),
     * a convenience over {@link #sync(VfioContainer, DmaLoggingDevice, Source, RamOracle,
     * RamDirtyBitmap)}.
     */
    public static TreeSet<Long> sync(VfioContainer c, DmaLoggingDevice dev, Source source, RamOracle ram)
            throws VfioDmaException, DirtyTrackingException {
        RamDirtyBitmap out = new RamDirtyBitmap(ramAddrSpace(ram));
        sync(c, dev, source, ram, out);
        return out.pages();
    }

    /**
     * Runs the sync and ORs the dirty pages into {@code out} (indexed by ram_addr / 4 KiB, like
     * QEMU's {@code cpu_physical_memory_set_dirty_lebitmap}). Each mapping's IOVA bitmap comes from
     * one GET_BITMAP or DMA_LOGGING_REPORT, as in upstream QEMU.
     *
     * @return the dirty IOVA pages seen (bits set in the fetched bitmaps)
     */
    public static long sync(VfioContainer c, DmaLoggingDevice dev, Source source, RamOracle ram, RamDirtyBitmap out)
            throws VfioDmaException, DirtyTrackingException {
        long page = c.config().minPageSize();
        long seen = 0;
        RamSection s = null;
        for (DmaMapping m : c.mappings().toArray(new DmaMapping[0])) {
            DirtyBitmap bm = source == Source.CONTAINER ? c.dirtyBitmap(m.iova(), m.size(), page)
                    : dev.report(m.iova(), m.size());
            long shift = Long.numberOfTrailingZeros(bm.pageSize());
            for (long p = bm.nextSet(0); p >= 0; p = bm.nextSet(p + 1)) {
                long gpa = m.translate(m.iova() + (p << shift));
                if (s == null || !s.contains(gpa)) {
                    s = ram.sectionAt(gpa);
                }
                if (s == null) {
                    throw new DirtyTrackingException("dirty IOVA 0x" + Long.toHexString(m.iova() + (p << shift))
                            + " translates to GPA 0x" + Long.toHexString(gpa) + ", which is not RAM");
                }
                out.setRange(s.ramAddrOf(gpa), bm.pageSize());
                seen++;
            }
        }
        return seen;
    }

    /** The end of the highest RAM section in ram_addr space, 0 when the oracle lists none. */
    static long ramAddrSpace(RamOracle ram) {
        long end = 0;
        for (RamSection r : ram.sections()) {
            end = Math.max(end, r.ramAddr() + r.size());
        }
        return end;
    }
}
