package qmig.viommu.vtd;

/**
 * Bounds on the work of page walks. A walk's depth is bounded by its level count (at most 4),
 * but a table that points back at itself can make a 48-bit walk read 2^36 entries; the read
 * budget turns that into a typed error instead of a very long loop. A post-load replay walks
 * every device with a present context (up to 65,536), so the walks of one IOMMU model also share
 * a total budget.
 *
 * @param maxEntryReads      page-table entries one walk may read
 * @param maxTotalEntryReads page-table entries all walks of one {@link IntelIommu} may read together
 */
public record WalkLimits(long maxEntryReads, long maxTotalEntryReads) {

    /** Total entry reads by default: 2^28, a few seconds of walking (bench/vtd-replay.md: 17.7 M mappings/s). */
    public static final long DEFAULT_TOTAL = 1L << 28;

    /** 2^26 entry reads per walk (a 64 GiB domain of 4 KiB pages fits), 2^28 in all. */
    public static final WalkLimits DEFAULT = new WalkLimits(1L << 26, DEFAULT_TOTAL);

    public WalkLimits {
        if (maxEntryReads <= 0 || maxTotalEntryReads <= 0) {
            throw new IllegalArgumentException("maxEntryReads and maxTotalEntryReads must be positive");
        }
    }

    /** A per-walk budget with the total at least that and {@link #DEFAULT_TOTAL}. */
    public WalkLimits(long maxEntryReads) {
        this(maxEntryReads, Math.max(maxEntryReads, DEFAULT_TOTAL));
    }

    public WalkLimits withMaxEntryReads(long n) {
        return new WalkLimits(n, maxTotalEntryReads);
    }

    public WalkLimits withMaxTotalEntryReads(long n) {
        return new WalkLimits(maxEntryReads, n);
    }
}
