package qmig.vfio.notify;

import java.util.ArrayList;
import java.util.List;
import qmig.vfio.container.DmaMapping;
import qmig.vfio.container.VfioContainer;
import qmig.vfio.container.VfioDmaException;

/**
 * A VFIO container's view of one device address space, as QEMU 7.2 maintains it (vfio.md §1, §8).
 *
 * <pre>
 *  no vIOMMU / DMAR off:   ramSectionAdd(s)  -> MAP_DMA(iova = gpa, whole section, ro if ROM)
 *  guest enables DMAR:     ramSectionDel(s)  -> UNMAP_DMA(section)           (1:1 mappings go)
 *                          iommuSectionAdd(r) -> notifier over r, then the vIOMMU replays:
 *                          notify(UNMAP ...)* -> 7.2 burst, 0 bytes each on a fresh container
 *                          notify(MAP ...)*   -> checked, then MAP_DMA(iova, size, gpa, !W || ROM)
 * </pre>
 *
 * Each call returns a {@link NotifyOutcome}. QEMU 7.2 only reports a refused or failed
 * notification and carries on; this listener does the same unless built {@code strict}, when it
 * throws {@link VfioMapException} (the container stays as before the event). Refusals and
 * failures are kept in {@link #problems()}; successful calls only count.
 */
public final class VfioListener {

    /** VT-d's IOMMU sections in DMAR mode: the IOVA space around the interrupt window. */
    public static final long[][] VTD_SECTIONS = {{0, 0xfedfffffL}, {0xfef00000L, -1L}};

    private final String device;
    private final VfioContainer container;
    private final RamOracle ram;
    private final boolean strict;
    private final long pageMask;
    private final List<long[]> notifiers = new ArrayList<>();
    private final List<RamSection> mappedRam = new ArrayList<>();
    private final List<NotifyOutcome> problems = new ArrayList<>();
    private long events;
    private long maps;
    private long unmaps;
    private long zeroUnmaps;
    private long dropped;

    public VfioListener(String device, VfioContainer container, RamOracle ram, boolean strict) {
        this.device = device;
        this.container = container;
        this.ram = ram;
        this.strict = strict;
        this.pageMask = container.config().minPageSize() - 1;
    }

    public String device() {
        return device;
    }

    public VfioContainer container() {
        return container;
    }

    public RamOracle ram() {
        return ram;
    }

    /** Realize without a vIOMMU (or with DMAR off): map every RAM section of the oracle 1:1. */
    public List<NotifyOutcome> addAllRam() throws VfioMapException {
        List<NotifyOutcome> out = new ArrayList<>();
        for (RamSection s : ram.sections()) {
            out.add(ramSectionAdd(s));
        }
        return out;
    }

    /**
     * {@code vfio_listener_region_add} for a RAM section: IOVA = GPA, trimmed inward to host
     * pages; nothing if no whole page remains.
     */
    public NotifyOutcome ramSectionAdd(RamSection s) throws VfioMapException {
        long iova = (s.gpa() + pageMask) & ~pageMask;
        long end = s.end() & ~pageMask;
        if (Long.compareUnsigned(iova, end) >= 0) {
            return new NotifyOutcome(NotifyOutcome.Kind.DROPPED, s.gpa(), s.size(), 0, null,
                    "RAM section smaller than a page");
        }
        try {
            container.map(iova, end - iova, iova, s.readOnly());
            mappedRam.add(s);
            maps++;
            return new NotifyOutcome(NotifyOutcome.Kind.MAPPED, iova, end - iova, end - iova, null, null);
        } catch (VfioDmaException e) {
            return record(new NotifyOutcome(NotifyOutcome.Kind.FAILED, iova, end - iova, 0, e.errno(),
                    "vfio_dma_map(0x" + Long.toHexString(iova) + ", 0x" + Long.toHexString(end - iova) + ") = -"
                            + e.errno().code() + " (" + e.getMessage() + ")"));
        }
    }

    /** {@code vfio_listener_region_del} for a RAM section: one unmap of the trimmed range. */
    public NotifyOutcome ramSectionDel(RamSection s) throws VfioMapException {
        long iova = (s.gpa() + pageMask) & ~pageMask;
        long end = s.end() & ~pageMask;
        mappedRam.remove(s);
        if (Long.compareUnsigned(iova, end) >= 0) {
            return new NotifyOutcome(NotifyOutcome.Kind.DROPPED, s.gpa(), s.size(), 0, null,
                    "RAM section smaller than a page");
        }
        return doUnmap(iova, end - iova);
    }

    /** The RAM sections currently mapped 1:1 (no-DMAR mode). */
    public List<RamSection> mappedRam() {
        return List.copyOf(mappedRam);
    }

    /**
     * The guest turned DMA remapping on: the flat view first loses its RAM sections (each
     * 1:1 mapping is unmapped), then gains the IOMMU sections, each registering a notifier. The
     * caller then feeds the vIOMMU's replay through {@link #notify}.
     */
    public void switchToIommu(long[][] sections) throws VfioMapException {
        for (RamSection s : List.copyOf(mappedRam)) {
            ramSectionDel(s);
        }
        for (long[] r : sections) {
            iommuSectionAdd(r[0], r[1]);
        }
    }

    /** Registers an IOMMU notifier (MAP|UNMAP) over {@code [first, last]}. */
    public void iommuSectionAdd(long first, long last) {
        notifiers.add(new long[] {first, last});
    }

    /**
     * {@code vfio_listener_region_del} for an IOMMU section: drop the notifier, then one unmap of
     * the whole section, split in two halves when it is exactly 2^64 long.
     */
    public List<NotifyOutcome> iommuSectionDel(long first, long last) throws VfioMapException {
        notifiers.removeIf(n -> n[0] == first && n[1] == last);
        List<NotifyOutcome> out = new ArrayList<>();
        long first4k = (first + pageMask) & ~pageMask;
        long size = last - first4k + 1;
        if (size == 0 && first4k == 0) {
            out.add(doUnmap(0, 1L << 63));
            out.add(doUnmap(1L << 63, 1L << 63));
        } else {
            out.add(doUnmap(first4k, size & ~pageMask));
        }
        return out;
    }

    public List<long[]> notifierRanges() {
        List<long[]> out = new ArrayList<>();
        notifiers.forEach(n -> out.add(n.clone()));
        return out;
    }

    /** {@code vfio_iommu_map_notify} for one event (after the notifier-range filter). */
    public NotifyOutcome notify(DmaMapEvent e) throws VfioMapException {
        events++;
        long[] n = notifierFor(e);
        if (n == null) {
            dropped++;
            return new NotifyOutcome(NotifyOutcome.Kind.DROPPED, e.iova(), e.size(), 0, null,
                    "outside every notifier range");
        }
        if (!e.systemMemory()) {
            return record(refuse(e, "Wrong target AS, only system memory is allowed"));
        }
        if (!e.isMap()) {
            return doUnmap(e.iova(), e.size());
        }
        long size = e.size();
        RamSection s = ram.sectionAt(e.translatedAddr());
        if (s == null) {
            return record(refuse(e, "iommu map to non memory area " + Long.toHexString(e.translatedAddr())));
        }
        long room = s.end() - e.translatedAddr();
        if (size == 0 || Long.compareUnsigned(room, size) < 0) {
            return record(refuse(e, "iommu has granularity incompatible with target AS"));
        }
        boolean readOnly = !e.write() || s.readOnly();
        try {
            container.map(e.iova(), size, e.translatedAddr(), readOnly);
            maps++;
            return new NotifyOutcome(NotifyOutcome.Kind.MAPPED, e.iova(), size, size, null, null);
        } catch (VfioDmaException x) {
            return record(new NotifyOutcome(NotifyOutcome.Kind.FAILED, e.iova(), size, 0, x.errno(),
                    "vfio_dma_map(0x" + Long.toHexString(e.iova()) + ", 0x" + Long.toHexString(size) + ") = -"
                            + x.errno().code() + " (" + x.getMessage() + ")"));
        }
    }

    private long[] notifierFor(DmaMapEvent e) {
        for (long[] n : notifiers) {
            boolean startsIn = Long.compareUnsigned(e.iova(), n[0]) >= 0 && Long.compareUnsigned(e.iova(), n[1]) <= 0;
            boolean endsIn = Long.compareUnsigned(e.lastIova(), n[0]) >= 0
                    && Long.compareUnsigned(e.lastIova(), n[1]) <= 0;
            if (startsIn && endsIn) {
                return n;
            }
        }
        return null;
    }

    private NotifyOutcome doUnmap(long iova, long size) throws VfioMapException {
        if (size == 0) {
            // 2^64: the container takes it as two halves
            NotifyOutcome a = doUnmap(0, 1L << 63);
            NotifyOutcome b = doUnmap(1L << 63, 1L << 63);
            return new NotifyOutcome(b.kind(), 0, 0, a.bytes() + b.bytes(), b.errno(), b.message());
        }
        try {
            long n = container.unmap(iova, size);
            unmaps++;
            if (n == 0) {
                zeroUnmaps++;
            }
            return new NotifyOutcome(NotifyOutcome.Kind.UNMAPPED, iova, size, n, null, null);
        } catch (VfioDmaException x) {
            return record(new NotifyOutcome(NotifyOutcome.Kind.FAILED, iova, size, 0, x.errno(),
                    "VFIO_UNMAP_DMA failed: " + x.getMessage()));
        }
    }

    private static NotifyOutcome refuse(DmaMapEvent e, String text) {
        return new NotifyOutcome(NotifyOutcome.Kind.REFUSED, e.iova(), e.size(), 0, null, text);
    }

    private NotifyOutcome record(NotifyOutcome o) throws VfioMapException {
        problems.add(o);
        if (strict) {
            throw new VfioMapException(device, events, o);
        }
        return o;
    }

    /** Refused and failed calls, in order. */
    public List<NotifyOutcome> problems() {
        return List.copyOf(problems);
    }

    /** Notifications received through {@link #notify}. */
    public long events() {
        return events;
    }

    public long maps() {
        return maps;
    }

    public long unmaps() {
        return unmaps;
    }

    /** Successful unmaps that removed nothing (the 7.2 replay burst on a fresh destination). */
    public long zeroByteUnmaps() {
        return zeroUnmaps;
    }

    public long dropped() {
        return dropped;
    }

    /** The mappings, for display. */
    public List<DmaMapping> mappings() {
        return List.copyOf(container.mappings());
    }
}
