package qmig.viommu.vtd;

import java.util.List;
import qmig.viommu.DmaMemory;
import qmig.viommu.DmaReadException;

/**
 * Finds a device's context, as {@code vtd_dev_to_context_entry} does (spec/intel-iommu.md §6.4),
 * in legacy mode (16-byte root and context entries) or scalable mode (root halves, 32-byte context
 * entries, PASID directory and table looked up with RID_PASID).
 */
public final class ContextResolver {

    /** Legacy root entry: 0xffe | above HAW; scalable: the same on both halves. */
    private final long rootRsvd;
    private final long ctxRsvdLo;
    private static final long CTX_RSVD_HI = 0xffffffffff000080L;
    private final long smCtxRsvd0;
    private static final long SM_CTX_RSVD1 = 0xffffffffffe00000L;

    private final DmaMemory mem;
    private final VtdConfig config;
    private final long root;
    private final boolean scalable;

    /**
     * @param root     the latched root-table GPA ({@code s->root})
     * @param scalable {@code root_scalable}: x-scalable-mode and RTADDR bit 10
     */
    public ContextResolver(DmaMemory mem, VtdConfig config, long root, boolean scalable) {
        this.mem = mem;
        this.config = config;
        this.root = root;
        this.scalable = scalable;
        long haw = config.hawMask();
        this.rootRsvd = 0xffeL | ~haw;
        this.ctxRsvdLo = 0xff0L | ~haw;
        this.smCtxRsvd0 = 0x1e0L | ~haw;
    }

    public boolean scalable() {
        return scalable;
    }

    public ContextLookup lookup(Bdf bdf) {
        int bus = bdf.bus();
        int devfn = bdf.devfn();
        long reAddr = root + bus * 16L;
        long lo;
        long hi;
        try {
            lo = mem.readLongLE(reAddr);
            hi = mem.readLongLE(reAddr + 8);
        } catch (DmaReadException e) {
            return new ContextLookup.Fault(FaultReason.ROOT_TABLE_INV, reAddr, "root entry for bus "
                    + bus + " not readable: " + e.getMessage());
        }
        boolean upper = scalable && devfn > 127;
        long half = upper ? hi : lo;
        if ((half & 1) == 0) {
            return new ContextLookup.Fault(FaultReason.ROOT_ENTRY_P, reAddr, "root entry not present");
        }
        if (!scalable ? (hi != 0 || (lo & rootRsvd) != 0) : ((lo & rootRsvd) != 0 || (hi & rootRsvd) != 0)) {
            return new ContextLookup.Fault(FaultReason.ROOT_ENTRY_RSVD, reAddr,
                    String.format("reserved bits set in root entry lo=0x%x hi=0x%x", lo, hi));
        }
        int ceSize = scalable ? 32 : 16;
        int index = upper ? devfn & 0x7f : devfn;
        long ceAddr = (half & ~0xfffL) + (long) index * ceSize;
        long[] ce = new long[ceSize / 8];
        try {
            for (int i = 0; i < ce.length; i++) {
                ce[i] = mem.readLongLE(ceAddr + 8L * i);
            }
        } catch (DmaReadException e) {
            return new ContextLookup.Fault(FaultReason.CONTEXT_TABLE_INV, ceAddr, "context entry not readable: "
                    + e.getMessage());
        }
        if ((ce[0] & 1) == 0) {
            return new ContextLookup.Fault(FaultReason.CONTEXT_ENTRY_P, ceAddr, "context entry not present");
        }
        List<Long> re = List.of(lo, hi);
        if (!scalable) {
            if ((ce[1] & CTX_RSVD_HI) != 0 || (ce[0] & ctxRsvdLo) != 0) {
                return new ContextLookup.Fault(FaultReason.CONTEXT_ENTRY_RSVD, ceAddr,
                        String.format("reserved bits set in context entry lo=0x%x hi=0x%x", ce[0], ce[1]));
            }
            int aw = (int) (ce[1] & 7);
            int level = 2 + aw;
            if (!config.levelSupported(level)) {
                return new ContextLookup.Fault(FaultReason.CONTEXT_ENTRY_INV, ceAddr,
                        "context entry asks for a " + level + "-level table, not in SAGAW");
            }
            int tt = (int) ((ce[0] >>> 2) & 3);
            boolean ttOk = tt == 0 || (tt == 1 && config.deviceIotlb()) || (tt == 2 && config.passThrough());
            if (!ttOk) {
                return new ContextLookup.Fault(FaultReason.CONTEXT_ENTRY_INV, ceAddr,
                        "context entry translation type " + tt + " not supported");
            }
            int did = (int) ((ce[1] >>> 8) & 0xffff);
            return new ContextLookup.Found(new DeviceContext(bdf, false, re, List.of(ce[0], ce[1]), -1, List.of(),
                    did, tt, tt == 2, level, 30 + 9 * aw, ce[0] & ~0xfffL));
        }
        if ((ce[0] & smCtxRsvd0) != 0 || (ce[1] & SM_CTX_RSVD1) != 0 || ce[2] != 0 || ce[3] != 0) {
            return new ContextLookup.Fault(FaultReason.CONTEXT_ENTRY_RSVD, ceAddr, String.format(
                    "reserved bits set in scalable context entry 0x%x 0x%x 0x%x 0x%x", ce[0], ce[1], ce[2], ce[3]));
        }
        int pasid = (int) (ce[1] & 0xfffff);
        long dir = ce[0] & ~0xfffL;
        long pdeAddr = dir + ((pasid >>> 6) & 0x3fffL) * 8;
        long pde;
        try {
            pde = mem.readLongLE(pdeAddr);
        } catch (DmaReadException e) {
            return new ContextLookup.Fault(FaultReason.PASID_TABLE_INV, pdeAddr, "PASID directory entry not readable");
        }
        if ((pde & 1) == 0) {
            return new ContextLookup.Fault(FaultReason.PASID_TABLE_INV, pdeAddr,
                    "PASID directory entry for PASID " + pasid + " not present");
        }
        long peAddr = (pde & ~0xfffL) + (pasid & 0x3fL) * 64;
        long[] pe = new long[8];
        try {
            for (int i = 0; i < 8; i++) {
                pe[i] = mem.readLongLE(peAddr + 8L * i);
            }
        } catch (DmaReadException e) {
            return new ContextLookup.Fault(FaultReason.PASID_TABLE_INV, peAddr, "PASID entry not readable");
        }
        int pgtt = (int) ((pe[0] >>> 6) & 7);
        boolean typeOk = pgtt == 1 || pgtt == 2 || pgtt == 3 || (pgtt == 4 && config.passThrough());
        if (!typeOk) {
            return new ContextLookup.Fault(FaultReason.PASID_TABLE_INV, peAddr, "PASID entry PGTT " + pgtt
                    + " not supported");
        }
        int aw = (int) ((pe[0] >>> 2) & 7);
        int level = 2 + aw;
        if (!config.levelSupported(level)) {
            return new ContextLookup.Fault(FaultReason.PASID_TABLE_INV, peAddr,
                    "PASID entry asks for a " + level + "-level table, not in SAGAW");
        }
        if ((pe[0] & 1) == 0) {
            return new ContextLookup.Fault(FaultReason.PASID_TABLE_INV, peAddr, "PASID entry " + pasid
                    + " not present");
        }
        List<Long> peList = List.of(pe[0], pe[1], pe[2], pe[3], pe[4], pe[5], pe[6], pe[7]);
        return new ContextLookup.Found(new DeviceContext(bdf, true, re, List.of(ce[0], ce[1], ce[2], ce[3]), pasid,
                peList, (int) (pe[1] & 0xffff), pgtt, pgtt == 4, level, 30 + 9 * aw, pe[0] & ~0xfffL));
    }
}
