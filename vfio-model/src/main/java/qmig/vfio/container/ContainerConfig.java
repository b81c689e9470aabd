package qmig.vfio.container;

/**
 * What {@code VFIO_IOMMU_GET_INFO} reports for a type1 container, and the kernel's per-container
 * limits.
 *
 * @param iovaPageSizes        bitmap of supported IOMMU page sizes; the lowest set bit is the
 *                             minimum page size every map/unmap must be aligned to
 * @param entryLimit           how many MAP_DMA entries the container may hold (module parameter
 *                             {@code dma_entry_limit}, reported as {@code DMA_AVAIL}; default 65535)
 * @param maxDirtyBitmapBytes  largest GET_BITMAP / unmap bitmap in bytes ({@code
 *                             max_dirty_bitmap_size}, 256 MiB by default: 2^31 pages)
 */
public record ContainerConfig(long iovaPageSizes, int entryLimit, long maxDirtyBitmapBytes) {

    /** 4 KiB | 2 MiB | 1 GiB, the usual Intel host. */
    public static final long INTEL_PAGE_SIZES = 0x40201000L;
    public static final int DEFAULT_ENTRY_LIMIT = 65535;
    public static final long DEFAULT_MAX_DIRTY_BITMAP_BYTES = 256L << 20;

    public ContainerConfig {
        if (iovaPageSizes == 0) {
            throw new IllegalArgumentException("no IOMMU page size");
        }
        if (entryLimit < 0) {
            throw new IllegalArgumentException("negative entry limit " + entryLimit);
        }
        if (maxDirtyBitmapBytes <= 0) {
            throw new IllegalArgumentException("dirty bitmap limit must be positive");
        }
    }

    public static ContainerConfig defaults() {
        return new ContainerConfig(INTEL_PAGE_SIZES, DEFAULT_ENTRY_LIMIT, DEFAULT_MAX_DIRTY_BITMAP_BYTES);
    }

    public ContainerConfig withEntryLimit(int limit) {
        return new ContainerConfig(iovaPageSizes, limit, maxDirtyBitmapBytes);
    }

    public ContainerConfig withMaxDirtyBitmapBytes(long bytes) {
        return new ContainerConfig(iovaPageSizes, entryLimit, bytes);
    }

    /** The minimum IOMMU page size: the lowest set bit of {@link #iovaPageSizes}. */
    public long minPageSize() {
        return Long.lowestOneBit(iovaPageSizes);
    }
}
