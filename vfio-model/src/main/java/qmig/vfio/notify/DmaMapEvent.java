package qmig.vfio.notify;

/**
 * One IOTLB notification as an IOMMU notifier receives it ({@code IOMMUTLBEntry}): IOVA
 * {@code [iova, iova + addrMask]} onto guest physical {@code translatedAddr}. With read or write
 * permission it is a MAP, with neither an UNMAP. {@code systemMemory} is false when the entry's
 * target address space is not system memory (QEMU refuses those).
 */
public record DmaMapEvent(long iova, long translatedAddr, long addrMask, boolean read, boolean write,
        boolean systemMemory) {

    public DmaMapEvent {
        if ((addrMask & (addrMask + 1)) != 0) {
            throw new IllegalArgumentException("addr_mask 0x" + Long.toHexString(addrMask) + " is not 2^n-1");
        }
    }

    public static DmaMapEvent map(long iova, long gpa, long size, boolean read, boolean write) {
        return new DmaMapEvent(iova, gpa, size - 1, read, write, true);
    }

    public static DmaMapEvent unmap(long iova, long size) {
        return new DmaMapEvent(iova, 0, size - 1, false, false, true);
    }

    public boolean isMap() {
        return read || write;
    }

    /** {@code addr_mask + 1}; 0 stands for 2^64. */
    public long size() {
        return addrMask + 1;
    }

    public long lastIova() {
        return iova + addrMask;
    }

    @Override
    public String toString() {
        return (isMap() ? "MAP " : "UNMAP ") + "0x" + Long.toHexString(iova) + "..0x" + Long.toHexString(lastIova())
                + (isMap() ? " -> 0x" + Long.toHexString(translatedAddr) + (write ? (read ? " rw" : " w") : " r") : "");
    }
}
