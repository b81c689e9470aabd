package qmig.viommu.vtd;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@code VTDAddressSpace}: the DMA address space of one device (PCI_NO_PASID), with its IOMMU
 * notifiers and its IOVA tree (spec/intel-iommu.md §11, §12). Created by
 * {@link IntelIommu#addressSpace}; the tree and notifiers start empty as on a fresh destination.
 */
public final class VtdAddressSpace {

    private final IntelIommu iommu;
    private final Bdf bdf;
    private final IovaTree tree = new IovaTree();
    private final List<IommuNotifier> notifiers = new ArrayList<>();
    private boolean iommuEnabled;
    private int notifierFlags;

    VtdAddressSpace(IntelIommu iommu, Bdf bdf) {
        this.iommu = iommu;
        this.bdf = bdf;
    }

    public Bdf bdf() {
        return bdf;
    }

    /** True when the IOMMU region is enabled (DMAR on, not pass-through), false for no-DMAR. */
    public boolean iommuEnabled() {
        return iommuEnabled;
    }

    public IovaTree iovaTree() {
        return tree;
    }

    public List<IommuNotifier> notifiers() {
        return List.copyOf(notifiers);
    }

    /** The OR of the registered notifiers' flags. */
    public int notifierFlags() {
        return notifierFlags;
    }

    /** The flat view sections of the current state, ascending. */
    public List<FlatSection> sections() {
        FlatSection.Kind k = iommuEnabled ? FlatSection.Kind.IOMMU : FlatSection.Kind.SYSTEM_MEMORY;
        return List.of(new FlatSection(k, 0, FlatSection.IR_FIRST - 1),
                new FlatSection(FlatSection.Kind.INTERRUPT_WINDOW, FlatSection.IR_FIRST, FlatSection.IR_LAST),
                new FlatSection(k, FlatSection.IR_LAST + 1, -1L));
    }

    /**
     * {@code memory_region_register_iommu_notifier} with VT-d's {@code notify_flag_changed} checks.
     */
    public void register(IommuNotifier n) throws VtdException {
        int newFlags = notifierFlags | n.flags();
        VtdConfig c = iommu.config();
        if (c.snoopControl()) {
            throw VtdException.rejected("Snoop Control with vhost or VFIO is not supported");
        }
        String dev = String.format("%02x.%02x.%x", bdf.bus(), bdf.device(), bdf.function());
        if (iommu.options().checkCachingMode() && !c.cachingMode() && (newFlags & IommuNotifier.MAP) != 0) {
            throw VtdException.rejected("device " + dev + " requires caching mode");
        }
        if (!c.deviceIotlb() && (newFlags & IommuNotifier.DEVIOTLB_UNMAP) != 0) {
            throw VtdException.rejected("device " + dev + " requires device IOTLB mode");
        }
        notifiers.add(n);
        notifierFlags = newFlags;
    }

    /** {@code vtd_switch_address_space}: flips between the IOMMU and the no-DMAR region. */
    void switchTo(boolean useIommu, MemoryListener l) throws VtdException {
        if (useIommu == iommuEnabled) {
            return;
        }
        // commit #1: the enabled region goes away
        for (FlatSection s : sections()) {
            if (s.kind() != FlatSection.Kind.INTERRUPT_WINDOW) {
                l.regionDel(this, s);
            }
        }
        l.commit(this);
        iommuEnabled = useIommu;
        // commit #2: the other region appears, ascending, IR window included
        for (FlatSection s : sections()) {
            if (s.kind() != FlatSection.Kind.INTERRUPT_WINDOW) {
                l.regionAdd(this, s);
            } else if (useIommu) {
                l.regionAdd(this, s);
            }
        }
        l.commit(this);
    }

    /**
     * {@code vtd_iommu_replay(as, n)} (spec/intel-iommu.md §12.2): the 7.2 UNMAP burst over the
     * notifier range (or, 8.1+, an emptied tree), then, when the context is valid and the address
     * space has a MAP notifier, a walk of [0, ~0] delivering MAP events to {@code n} only.
     *
     * @return the context walked, or null when the lookup failed (nothing mapped)
     */
    public DeviceContext replay(IommuNotifier n) throws VtdException {
        if (iommu.options().unmapBurst()) {
            unmapBurst(n);
        } else {
            tree.clear();
        }
        ContextLookup cl = iommu.lookup(bdf);
        if (!(cl instanceof ContextLookup.Found f)) {
            return null;
        }
        if ((notifierFlags & IommuNotifier.MAP) != 0) {
            PageWalker w = iommu.walker();
            IommuNotifier[] to = {n};
            // notify_unmap = false: walkOne would drop every UNMAP event, so the walk skips them
            w.walk(f.context(), 0, -1L, false, (iova, xlat, mask, perm) -> walkOne(iova, xlat, mask, perm, false, to));
        }
        return f.context();
    }

    /**
     * {@code vtd_sync_shadow_page_table}: what a guest invalidation triggers. The walk notifies
     * unmaps too and delivers to every notifier.
     */
    public void sync() throws VtdException {
        if (notifierFlags == 0) {
            return;
        }
        ContextLookup cl = iommu.lookup(bdf);
        if (!(cl instanceof ContextLookup.Found f)) {
            for (IommuNotifier n : notifiers) {
                unmapBurst(n);
            }
            return;
        }
        IommuNotifier[] to = notifiers.toArray(new IommuNotifier[0]);
        iommu.walker().walk(f.context(), 0, -1L, (iova, xlat, mask, perm) -> walkOne(iova, xlat, mask, perm, true, to));
    }

    /** {@code vtd_address_space_unmap}. */
    void unmapBurst(IommuNotifier n) throws VtdException {
        int aw = iommu.config().awBits();
        long start = n.start();
        long end = n.end();
        long top = (1L << aw) - 1;
        if (Long.compareUnsigned(end, top) > 0) {
            end = top;
        }
        if (Long.compareUnsigned(start, end) > 0) {
            return;
        }
        long size = end - start + 1;
        long remain = size;
        while (Long.compareUnsigned(remain, 4096) >= 0) {
            long mask = alignedPow2Mask(start, end, aw);
            notifyOne(n, new IotlbEvent(IotlbEvent.Type.UNMAP, start, 0, mask, Perm.NONE));
            start += mask + 1;
            remain -= mask + 1;
        }
        // 7.2 removes [n.start, n.start + size] inclusive: one byte beyond the range (fixed in 8.1)
        tree.remove(n.start(), size);
    }

    /** {@code dma_aligned_pow2_mask(start, end, bits)}. */
    static long alignedPow2Mask(long start, long end, int maxAddrBits) {
        long maxMask = maxAddrBits == 64 ? -1L : (1L << maxAddrBits) - 1;
        long addrMask = end - start;
        long alignmentMask = start != 0 ? (start & -start) - 1 : maxMask;
        alignmentMask = minU(alignmentMask, maxMask);
        long sizeMask = minU(addrMask, maxMask);
        if (Long.compareUnsigned(alignmentMask, sizeMask) <= 0) {
            return alignmentMask;
        }
        if (addrMask == -1L) {
            return -1L;
        }
        return (1L << (63 - Long.numberOfLeadingZeros(addrMask + 1))) - 1;
    }

    private static long minU(long a, long b) {
        return Long.compareUnsigned(a, b) <= 0 ? a : b;
    }

    /**
     * {@code vtd_page_walk_one}: the IOVA-tree dedup and changed-translation rules (spec
     * §12.4), on the walker's plain values. An event is made only when a notifier takes it.
     */
    private void walkOne(long iova, long xlat, long mask, int perm, boolean notifyUnmap, IommuNotifier[] to)
            throws VtdException {
        if (perm == 0) {
            if (!notifyUnmap || !tree.overlaps(iova, mask)) {
                return;
            }
            tree.remove(iova, mask);
        } else {
            Perm p = Perm.of(perm);
            // the tree's entries are disjoint: an equal entry is the only one find() could return
            if (tree.contains(iova, xlat, mask, p)) {
                return;
            }
            if (tree.overlaps(iova, mask)) {
                // translation changed: UNMAP with the new range, then forget every overlap
                for (IommuNotifier n : to) {
                    notifyOne(n, IotlbEvent.Type.UNMAP, iova, xlat, mask, 0);
                }
                tree.remove(iova, mask);
            }
            tree.insert(iova, xlat, mask, p);
        }
        IotlbEvent.Type type = perm == 0 ? IotlbEvent.Type.UNMAP : IotlbEvent.Type.MAP;
        for (IommuNotifier n : to) {
            notifyOne(n, type, iova, xlat, mask, perm);
        }
    }

    /** {@link #notifyOne(IommuNotifier, IotlbEvent)} on plain values: drops before allocating. */
    private void notifyOne(IommuNotifier n, IotlbEvent.Type type, long iova, long xlat, long mask, int perm)
            throws VtdException {
        long last = iova + mask;
        if (Long.compareUnsigned(n.start(), last) > 0 || Long.compareUnsigned(n.end(), iova) < 0) {
            return;
        }
        boolean inside = Long.compareUnsigned(iova, n.start()) >= 0 && Long.compareUnsigned(last, n.end()) <= 0;
        if (inside && type == IotlbEvent.Type.MAP && (n.flags() & IommuNotifier.MAP) == 0) {
            return;
        }
        notifyOne(n, new IotlbEvent(type, iova, xlat, mask, Perm.of(perm)));
    }

    /** {@code memory_region_notify_iommu_one} (spec/intel-iommu.md §12.5). */
    void notifyOne(IommuNotifier n, IotlbEvent e) throws VtdException {
        if (e.type() == IotlbEvent.Type.UNMAP && e.perm() != Perm.NONE) {
            throw new IllegalStateException("UNMAP event with permission " + e.perm());
        }
        long last = e.iova() + e.addrMask();
        if (Long.compareUnsigned(n.start(), last) > 0 || Long.compareUnsigned(n.end(), e.iova()) < 0) {
            return;
        }
        IotlbEvent d = e;
        boolean inside = Long.compareUnsigned(e.iova(), n.start()) >= 0 && Long.compareUnsigned(last, n.end()) <= 0;
        if (!inside) {
            if ((n.flags() & IommuNotifier.DEVIOTLB_UNMAP) != 0 || iommu.options().crop()) {
                long s = Long.compareUnsigned(e.iova(), n.start()) >= 0 ? e.iova() : n.start();
                long t = Long.compareUnsigned(last, n.end()) <= 0 ? last : n.end();
                d = new IotlbEvent(e.type(), s, e.translatedAddr() + (s - e.iova()), t - s, e.perm());
            } else {
                throw VtdException.notifierRange(bdf, n, e);
            }
        }
        if ((d.type().flag() & n.flags()) != 0) {
            n.listener().notify(d);
        }
    }

    @Override
    public String toString() {
        return "VtdAddressSpace[" + bdf + (iommuEnabled ? ", dmar" : ", nodmar") + "]";
    }
}
