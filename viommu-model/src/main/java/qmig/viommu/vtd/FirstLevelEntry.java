package qmig.viommu.vtd;

/**
 * A first-level (first-stage) paging entry, decoded for display. QEMU 7.2 does not translate
 * through first-level tables (and replay never walks them in any version); from 10.0 with
 * {@code x-flts=on} the format is: bit 0 P, bit 1 R/W, bit 2 U/S, bit 5 A, bit 6 D, bit 7 PS at
 * levels 2 and 3, address bits 47:12, bits 63:52 ignored (spec/intel-iommu.md §8).
 *
 * @param level 1 (4 KiB leaf) to 4
 * @param raw   the 64-bit entry as read (little-endian in guest memory)
 */
public record FirstLevelEntry(int level, long raw) {

    private static final long ADDRESS = 0x0000_ffff_ffff_f000L;
    private static final long IGNORED = 0xfff0_0000_0000_0000L;

    public FirstLevelEntry {
        if (level < 1 || level > 4) {
            throw new IllegalArgumentException("first-level entries have levels 1 to 4, not " + level);
        }
    }

    public boolean present() {
        return (raw & 1) != 0;
    }

    public boolean writable() {
        return (raw & 2) != 0;
    }

    public boolean user() {
        return (raw & 4) != 0;
    }

    public boolean accessed() {
        return (raw & 0x20) != 0;
    }

    public boolean dirty() {
        return (raw & 0x40) != 0;
    }

    /** A 2 MiB (level 2) or 1 GiB (level 3) leaf. */
    public boolean pageSize() {
        return (level == 2 || level == 3) && (raw & 0x80) != 0;
    }

    public boolean leaf() {
        return level == 1 || pageSize();
    }

    /** The next table's or the page's guest-physical address. */
    public long address() {
        return raw & ADDRESS;
    }

    /**
     * The reserved bits set in this entry for an address width {@code aw} (39 or 48): above the
     * address width up to bit 51, bit 7 at level 4, and the address bits below a large page.
     */
    public long reservedBits(int aw) {
        long haw = (1L << aw) - 1;
        long mask = ~(haw | IGNORED);
        if (level == 4) {
            mask |= 0x80;
        } else if (level == 2 && pageSize()) {
            mask |= 0x1fe000L;
        } else if (level == 3 && pageSize()) {
            mask |= 0x3fffe000L;
        }
        return raw & mask;
    }

    @Override
    public String toString() {
        return String.format("FL%d 0x%016x %s%s%s%s%s%s -> 0x%x", level, raw, present() ? "P" : "-",
                writable() ? " RW" : " RO", user() ? " U" : " S", accessed() ? " A" : "", dirty() ? " D" : "",
                pageSize() ? (level == 2 ? " 2M" : " 1G") : "", address());
    }
}
