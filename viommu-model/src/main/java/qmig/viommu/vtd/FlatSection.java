package qmig.viommu.vtd;

/**
 * One section of a device address space's flat view as a memory listener sees it
 * (spec/intel-iommu.md §11). The no-DMAR view is shown as one system-memory alias section on
 * either side of the interrupt window (QEMU renders the alias into the sections of the whole
 * system flat view; the model does not know the machine's MMIO layout).
 *
 * @param kind  what the section is
 * @param start first address
 * @param end   last address, inclusive (unsigned; -1 = 2^64 − 1)
 */
public record FlatSection(Kind kind, long start, long end) {

    /** Section kinds. */
    public enum Kind {
        /** {@code vtd-nodmar}: an alias of system memory (identity GPA = IOVA). */
        SYSTEM_MEMORY,
        /** The {@code vtd-SS.F-dmar} IOMMU region: VFIO registers a notifier and replays. */
        IOMMU,
        /** The interrupt window 0xfee00000..0xfeefffff (MMIO, ignored by VFIO). */
        INTERRUPT_WINDOW
    }

    public static final long IR_FIRST = 0xfee00000L;
    public static final long IR_LAST = 0xfeefffffL;

    @Override
    public String toString() {
        return String.format("%s [0x%x, 0x%x]", kind, start, end);
    }
}
