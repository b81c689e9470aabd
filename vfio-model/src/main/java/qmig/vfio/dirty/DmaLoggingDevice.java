package qmig.vfio.dirty;

import java.util.ArrayList;
import java.util.List;
import qmig.vfio.container.DirtyBitmap;
import qmig.vfio.container.DmaMapping;
import qmig.vfio.container.VfioContainer;

/**
 * A device with DMA logging ({@code VFIO_DEVICE_FEATURE_DMA_LOGGING_START/REPORT/STOP}, vfio.md
 * §10.3) and a script hook: {@link #write} performs a device DMA write through the container, as
 * the hardware would, and logs the written IOVA pages when logging covers them.
 */
public final class DmaLoggingDevice {

    /** A logging range {@code [iova, iova+length)}. */
    public record Range(long iova, long length) {
    }

    /** Kernel cap on ranges per START: 4096 / 16. */
    public static final int MAX_RANGES = 256;

    private final String name;
    private final VfioContainer container;
    private List<Range> ranges;
    private long pageSize;
    private final List<DirtyBitmap> logs = new ArrayList<>();

    public DmaLoggingDevice(String name, VfioContainer container) {
        this.name = name;
        this.container = container;
    }

    /**
     * DMA_LOGGING_START: 1..256 page-aligned, non-overlapping ranges, page size a power of two
     * of at least 4 KiB; only one START until STOP.
     */
    public void start(List<Range> rs, long pageSize) throws DirtyTrackingException {
        if (ranges != null) {
            throw new DirtyTrackingException(name + ": DMA logging already started");
        }
        if (rs.isEmpty() || rs.size() > MAX_RANGES) {
            throw new DirtyTrackingException(name + ": " + rs.size() + " logging ranges, the kernel takes 1.." + MAX_RANGES);
        }
        if (Long.bitCount(pageSize) != 1 || pageSize < 4096) {
            throw new DirtyTrackingException(name + ": bad logging page size 0x" + Long.toHexString(pageSize));
        }
        List<Range> sorted = new ArrayList<>(rs);
        sorted.sort((a, b) -> Long.compareUnsigned(a.iova(), b.iova()));
        long prevEnd = 0;
        boolean first = true;
        for (Range r : sorted) {
            if (r.length() == 0 || ((r.iova() | r.length()) & (pageSize - 1)) != 0) {
                throw new DirtyTrackingException(name + ": logging range 0x" + Long.toHexString(r.iova()) + "+0x"
                        + Long.toHexString(r.length()) + " is empty or not page aligned");
            }
            if (!first && Long.compareUnsigned(r.iova(), prevEnd) < 0) {
                throw new DirtyTrackingException(name + ": logging ranges overlap at 0x" + Long.toHexString(r.iova()));
            }
            if (DirtyBitmap.pages(r.length(), pageSize) > (long) Integer.MAX_VALUE * 64) {
                throw new DirtyTrackingException(name + ": logging range of 0x" + Long.toHexString(r.length())
                        + " bytes is too large to track (a vIOMMU section spans 2^64; the seed series uses"
                        + " [0, max_iova])");
            }
            prevEnd = r.iova() + r.length();
            first = false;
        }
        this.ranges = List.copyOf(sorted);
        this.pageSize = pageSize;
        logs.clear();
        for (Range r : sorted) {
            logs.add(new DirtyBitmap(r.iova(), r.length(), pageSize));
        }
    }

    public void stop() {
        ranges = null;
        logs.clear();
    }

    public boolean logging() {
        return ranges != null;
    }

    /**
     * The device writes {@code len} bytes at {@code iova}: every byte must be mapped writable in
     * the container (else an IOMMU fault, reported as an exception). Returns the GPAs written,
     * one per touched mapping piece.
     */
    public List<long[]> write(long iova, long len) throws DirtyTrackingException {
        List<long[]> touched = new ArrayList<>();
        long a = iova;
        long left = len;
        while (left > 0) {
            DmaMapping m = container.find(a);
            if (m == null || m.readOnly()) {
                throw new DirtyTrackingException(name + ": DMA write fault at iova 0x" + Long.toHexString(a)
                        + (m == null ? " (not mapped)" : " (read-only mapping)"));
            }
            long n = Math.min(left, m.lastIova() - a + 1);
            touched.add(new long[] {m.translate(a), n});
            for (DirtyBitmap log : logs) {
                log.setRange(Math.max(a, log.base()), clip(a, n, log));
            }
            a += n;
            left -= n;
        }
        return touched;
    }

    private static long clip(long a, long n, DirtyBitmap log) {
        long lo = Math.max(a, log.base());
        long hi = Math.min(a + n, log.base() + log.length());
        return Math.max(0, hi - lo);
    }

    /**
     * DMA_LOGGING_REPORT over {@code [iova, iova+length)}: the logged pages (bits ORed into a
     * fresh bitmap), then the log of that range is cleared.
     */
    public DirtyBitmap report(long iova, long length) throws DirtyTrackingException {
        if (ranges == null) {
            throw new DirtyTrackingException(name + ": DMA logging not started");
        }
        DirtyBitmap out = new DirtyBitmap(iova, length, pageSize);
        // only the log pages that start inside the range are read, then cleared
        for (DirtyBitmap log : logs) {
            long[] window = log.pagesStartingIn(iova, length);
            if (window == null) {
                continue;
            }
            for (long p = log.nextSet(window[0]); p >= 0 && p < window[1]; p = log.nextSet(p + 1)) {
                out.setRange(log.base() + p * pageSize, pageSize);
            }
            log.clearPages(window[0], window[1]);
        }
        return out;
    }

    public long pageSize() {
        return pageSize;
    }
}
