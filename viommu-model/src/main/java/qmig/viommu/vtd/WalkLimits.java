package qmig.viommu.vtd;

/**
 * Bounds on the work of one page walk. A walk's depth is bounded by its level count (at most 4),
 * but a table that points back at itself can make a 48-bit walk read 2^36 entries; the read
 * budget turns that into a typed error instead of a very long loop.
 *
 * @param maxEntryReads page-table entries one walk may read
 */
public record WalkLimits(long maxEntryReads) {

    /** 2^26 entry reads: a 64 GiB domain of 4 KiB pages fits. */
    public static final WalkLimits DEFAULT = new WalkLimits(1L << 26);

    public WalkLimits {
        if (maxEntryReads <= 0) {
            throw new IllegalArgumentException("maxEntryReads must be positive");
        }
    }
}
