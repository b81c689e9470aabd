package qmig.vfio.container;

/**
 * One {@code VFIO_IOMMU_MAP_DMA} entry: {@code size} bytes of IOVA space from {@code iova} onto
 * guest physical memory from {@code gpa} (in QEMU the host virtual address of that guest RAM).
 * Addresses and size are unsigned 64-bit values. The mapping is READ always and WRITE unless
 * {@code readOnly} (QEMU 7.2 {@code vfio_dma_map}).
 */
public record DmaMapping(long iova, long size, long gpa, boolean readOnly) {

    public DmaMapping {
        if (size == 0) {
            throw new IllegalArgumentException("empty mapping at iova 0x" + Long.toHexString(iova));
        }
        if (Long.compareUnsigned(iova + size - 1, iova) < 0) {
            throw new IllegalArgumentException("mapping wraps: iova 0x" + Long.toHexString(iova)
                    + " size 0x" + Long.toHexString(size));
        }
    }

    /** The last IOVA covered (inclusive). */
    public long lastIova() {
        return iova + size - 1;
    }

    public boolean containsIova(long a) {
        return Long.compareUnsigned(a, iova) >= 0 && Long.compareUnsigned(a, lastIova()) <= 0;
    }

    /** The guest physical address that {@code a} (inside this mapping) reaches. */
    public long translate(long a) {
        return gpa + (a - iova);
    }

    @Override
    public String toString() {
        return "[0x" + Long.toHexString(iova) + "..0x" + Long.toHexString(lastIova()) + "] -> 0x"
                + Long.toHexString(gpa) + (readOnly ? " ro" : " rw");
    }
}
