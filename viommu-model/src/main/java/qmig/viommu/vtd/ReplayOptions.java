package qmig.viommu.vtd;

/**
 * Which QEMU behaviour a replay follows.
 *
 * @param crop               crop events to the notifier range as QEMU 10.2 does; false (7.2)
 *                           reports an event crossing a notifier edge as
 *                           {@link VtdException.NotifierRange}
 * @param unmapBurst         the 7.2 replay step 1: UNMAP the notifier's whole range in
 *                           power-of-two chunks and prune the IOVA tree; false = 8.1+ (empty the
 *                           tree, send nothing)
 * @param checkCachingMode   refuse MAP notifiers without caching mode (Debian 7.2 / upstream 8.0)
 * @param limits             work bounds of each walk
 */
public record ReplayOptions(boolean crop, boolean unmapBurst, boolean checkCachingMode, WalkLimits limits) {

    /** QEMU 7.2 as Debian ships it. */
    public static final ReplayOptions QEMU_7_2 = new ReplayOptions(false, true, true, WalkLimits.DEFAULT);

    public ReplayOptions withCrop(boolean c) {
        return new ReplayOptions(c, unmapBurst, checkCachingMode, limits);
    }

    public ReplayOptions withUnmapBurst(boolean b) {
        return new ReplayOptions(crop, b, checkCachingMode, limits);
    }

    public ReplayOptions withCheckCachingMode(boolean b) {
        return new ReplayOptions(crop, unmapBurst, b, limits);
    }

    public ReplayOptions withLimits(WalkLimits l) {
        return new ReplayOptions(crop, unmapBurst, checkCachingMode, l);
    }
}
