package qmig.viommu.vtd;

import java.util.Objects;

/**
 * An {@code IOMMUNotifier}: a range of IOVAs, the event types wanted and a listener. VFIO registers
 * one per IOMMU section with MAP|UNMAP.
 *
 * @param start    first IOVA (unsigned)
 * @param end      last IOVA, inclusive (unsigned; -1 = 2^64 − 1)
 * @param flags    {@link #MAP} | {@link #UNMAP} | {@link #DEVIOTLB_UNMAP}
 * @param listener receives the delivered events
 */
public record IommuNotifier(long start, long end, int flags, IommuListener listener) {

    public static final int UNMAP = 0x1;
    public static final int MAP = 0x2;
    public static final int DEVIOTLB_UNMAP = 0x4;

    public IommuNotifier {
        Objects.requireNonNull(listener);
        if (Long.compareUnsigned(start, end) > 0) {
            throw new IllegalArgumentException(String.format("notifier range 0x%x-0x%x is empty", start, end));
        }
    }

    public boolean wantsMap() {
        return (flags & MAP) != 0;
    }
}
