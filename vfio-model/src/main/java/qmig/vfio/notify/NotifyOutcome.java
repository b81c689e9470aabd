package qmig.vfio.notify;

import qmig.vfio.container.Errno;

/**
 * What one notification or listener call did to the container.
 *
 * @param kind    the result
 * @param iova    the IOVA of the request
 * @param size    its size (0 stands for 2^64)
 * @param bytes   for UNMAPPED: the bytes the container removed (often 0); else the mapped size
 * @param errno   for FAILED: the container's error; else null
 * @param message for REFUSED/FAILED/DROPPED: QEMU's report text; else null
 */
public record NotifyOutcome(Kind kind, long iova, long size, long bytes, Errno errno, String message) {

    public enum Kind {
        /** A MAP_DMA was issued and succeeded. */
        MAPPED,
        /** An UNMAP_DMA was issued and succeeded ({@code bytes} may be 0). */
        UNMAPPED,
        /** QEMU refused the event before any ioctl (not RAM, across regions, wrong target AS). */
        REFUSED,
        /** The ioctl failed (EEXIST, ENOSPC, EINVAL); QEMU 7.2 only reports it. */
        FAILED,
        /** Outside every registered notifier range: never delivered. */
        DROPPED
    }

    public boolean ok() {
        return kind == Kind.MAPPED || kind == Kind.UNMAPPED;
    }
}
