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
     * Runs the sync and returns the RAM dirty pages as ram_addr page numbers (ram_addr / page).
     */
    public static TreeSet<Long> sync(VfioContainer c, DmaLoggingDevice dev, Source source, RamOracle ram)
            throws VfioDmaException, DirtyTrackingException {
        long page = c.config().minPageSize();
        TreeSet<Long> out = new TreeSet<>();
        for (DmaMapping m : c.mappings().toArray(new DmaMapping[0])) {
            DirtyBitmap bm = source == Source.CONTAINER ? c.dirtyBitmap(m.iova(), m.size(), page)
                    : dev.report(m.iova(), m.size());
            long shift = Long.numberOfTrailingZeros(bm.pageSize());
            for (long p = bm.nextSet(0); p >= 0; p = bm.nextSet(p + 1)) {
                long gpa = m.translate(m.iova() + (p << shift));
                RamSection s = ram.sectionAt(gpa);
                if (s == null) {
                    throw new DirtyTrackingException("dirty IOVA 0x" + Long.toHexString(m.iova() + (p << shift))
                            + " translates to GPA 0x" + Long.toHexString(gpa) + ", which is not RAM");
                }
                long ramAddr = s.ramAddrOf(gpa);
                for (long b = 0; b < bm.pageSize(); b += page) {
                    out.add((ramAddr + b) / page);
                }
            }
        }
        return out;
    }
}
