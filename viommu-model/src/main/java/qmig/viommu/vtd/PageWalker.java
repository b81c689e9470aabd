package qmig.viommu.vtd;

import qmig.viommu.DmaMemory;
import qmig.viommu.DmaReadException;

/**
 * The second-level page walk of {@code vtd_page_walk} / {@code vtd_page_walk_level}
 * (spec/intel-iommu.md §7, §12.3): permissions are AND-ed down the path, entries that cannot be
 * read (not RAM) or have reserved bits set are skipped, a valid non-leaf is descended into, and
 * every leaf or invalid entry produces one event (MAP when R or W survives, else UNMAP of the
 * entry's whole span). The walk never clips to a notifier range; delivery does.
 */
public final class PageWalker {

    /** Receives the events of a walk, in ascending IOVA order. */
    @FunctionalInterface
    public interface Hook {
        void event(IotlbEvent e) throws VtdException;
    }

    /**
     * Receives the events of a walk as plain values, in ascending IOVA order: what the replay
     * uses, so that events it drops (already known, outside the notifier) allocate nothing.
     */
    @FunctionalInterface
    public interface LeafHook {
        /**
         * One leaf or invalid entry.
         *
         * @param iova           first IOVA, aligned to the entry's span
         * @param translatedAddr the entry's address bits
         * @param addrMask       span − 1
         * @param perm           {@link Perm#value()}: 0 means UNMAP, else MAP
         */
        void leaf(long iova, long translatedAddr, long addrMask, int perm) throws VtdException;
    }

    private static final long SL_IGN_COM = 0xbff0000000000000L;
    private static final long SL_TM = 1L << 62;
    private static final long SNP = 0x800L;
    private static final long PS = 0x80L;

    private final DmaMemory mem;
    private final VtdConfig config;
    private final WalkLimits limits;
    private final long[] rsvd = new long[5];
    private final long[] rsvdLarge = new long[5];
    private final long addrMask;
    private long reads;
    /** Entry reads of every walker sharing this budget (one per {@link IntelIommu}). */
    private final long[] total;

    public PageWalker(DmaMemory mem, VtdConfig config, WalkLimits limits) {
        this(mem, config, limits, new long[1]);
    }

    PageWalker(DmaMemory mem, VtdConfig config, WalkLimits limits, long[] total) {
        this.total = total;
        this.mem = mem;
        this.config = config;
        this.limits = limits;
        long haw = config.hawMask();
        long keep = haw | SL_IGN_COM;
        long keepTm = config.deviceIotlb() ? keep | SL_TM : keep;
        rsvd[0] = ~0L;
        rsvd[1] = 0x800L | ~keepTm;
        rsvd[2] = 0x800L | ~keep;
        rsvd[3] = 0x800L | ~keep;
        rsvd[4] = 0x880L | ~keep;
        rsvdLarge[2] = 0x1ff800L | ~keepTm;
        rsvdLarge[3] = 0x3ffff800L | ~keepTm;
        if (config.scalableMode() || config.snoopControl()) {
            rsvd[1] &= ~SNP;
            rsvdLarge[2] &= ~SNP;
            rsvdLarge[3] &= ~SNP;
        }
        this.addrMask = ~0xfffL & haw;
    }

    /** The reserved-bit mask QEMU applies to an entry at {@code level} ({@code vtd_slpte_nonzero_rsvd}). */
    public long reservedMask(long pte, int level) {
        if ((level == 2 || level == 3) && (pte & PS) != 0) {
            return rsvdLarge[level];
        }
        return rsvd[level];
    }

    /** {@code VTD_SL_PT_BASE_ADDR_MASK(aw)}: the address bits of an entry. */
    public long address(long pte) {
        return pte & addrMask;
    }

    static int shift(int level) {
        return 12 + 9 * (level - 1);
    }

    /** Entries read by this walker so far. */
    public long reads() {
        return reads;
    }

    /**
     * {@code vtd_page_walk(ce, start, end)}: walks [start, end) of the device's second-level
     * table. {@code end} beyond the device's IOVA limit is clipped to it.
     *
     * @return null, or {@link FaultReason#ADDR_BEYOND_MGAW} when start is beyond the limit
     */
    public FaultReason walk(DeviceContext ctx, long start, long end, Hook hook) throws VtdException {
        return walk(ctx, start, end, (iova, xlat, mask, perm) -> hook.event(new IotlbEvent(
                perm == 0 ? IotlbEvent.Type.UNMAP : IotlbEvent.Type.MAP, iova, xlat, mask, Perm.of(perm))));
    }

    /** {@link #walk(DeviceContext, long, long, Hook)} delivering plain values. */
    public FaultReason walk(DeviceContext ctx, long start, long end, LeafHook hook) throws VtdException {
        return walk(ctx, start, end, true, hook);
    }

    /**
     * {@link #walk(DeviceContext, long, long, LeafHook)}; with {@code unmaps} false the UNMAP
     * events (invalid entries, no surviving permission) are not delivered: the replay's
     * {@code notify_unmap = false} drops them first thing, so it need not be called for them.
     * What is read and descended into is the same.
     */
    public FaultReason walk(DeviceContext ctx, long start, long end, boolean unmaps, LeafHook hook)
            throws VtdException {
        long limit = ctx.iovaLimit(config.awBits());
        if (Long.compareUnsigned(start, limit) >= 0) {
            return FaultReason.ADDR_BEYOND_MGAW;
        }
        if (Long.compareUnsigned(end, limit) >= 0) {
            end = limit;
        }
        if (ctx.levels() < 1 || ctx.levels() > 4) {
            // only SAGAW levels 3 and 4 reach here; guard the recursion depth anyway
            return FaultReason.CONTEXT_ENTRY_INV;
        }
        reads = 0;
        walkLevel(ctx.tableRoot(), start, end, ctx.levels(), true, true, unmaps, hook);
        return null;
    }

    private void walkLevel(long table, long start, long end, int level, boolean read, boolean write,
            boolean unmaps, LeafHook hook) throws VtdException {
        long size = 1L << shift(level);
        long mask = -size;
        long iova = start;
        while (Long.compareUnsigned(iova, end) < 0) {
            long next = (iova & mask) + size;
            if (++reads > limits.maxEntryReads()) {
                throw VtdException.limitExceeded("page walk entry reads", limits.maxEntryReads(),
                        "WalkLimits.maxEntryReads");
            }
            if (++total[0] > limits.maxTotalEntryReads()) {
                throw VtdException.limitExceeded("page walk entry reads of all walks", limits.maxTotalEntryReads(),
                        "WalkLimits.maxTotalEntryReads");
            }
            long pte;
            try {
                pte = mem.readLongLE(table + ((iova >>> shift(level)) & 0x1ff) * 8);
            } catch (DmaReadException e) {
                iova = next;
                continue;
            }
            if ((pte & reservedMask(pte, level)) != 0) {
                iova = next;
                continue;
            }
            boolean r = read && (pte & 1) != 0;
            boolean w = write && (pte & 2) != 0;
            boolean leaf = level == 1 || (pte & PS) != 0;
            if (!leaf && (r || w)) {
                walkLevel(address(pte), iova, Long.compareUnsigned(next, end) < 0 ? next : end, level - 1, r, w,
                        unmaps, hook);
            } else if (r || w || unmaps) {
                hook.leaf(iova & mask, address(pte), size - 1, (r ? 1 : 0) | (w ? 2 : 0));
            }
            iova = next;
        }
    }
}
