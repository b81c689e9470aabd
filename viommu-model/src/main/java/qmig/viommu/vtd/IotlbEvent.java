package qmig.viommu.vtd;

import java.util.Objects;

/**
 * An {@code IOMMUTLBEvent} as a notifier receives it (spec/intel-iommu.md §12.6). The target
 * address space is always system memory.
 *
 * @param type           MAP or UNMAP
 * @param iova           first IOVA, aligned to the mapping size
 * @param translatedAddr GPA of the first byte (0 and meaningless for UNMAP)
 * @param addrMask       size − 1: 0xfff, 0x1fffff, 0x3fffffff, or a power-of-two − 1 for UNMAP bursts
 * @param perm           NONE for UNMAP
 */
public record IotlbEvent(Type type, long iova, long translatedAddr, long addrMask, Perm perm) {

    /** {@code IOMMU_NOTIFIER_*} event types with their flag value. */
    public enum Type {
        UNMAP(0x1), MAP(0x2);

        private final int flag;

        Type(int flag) {
            this.flag = flag;
        }

        public int flag() {
            return flag;
        }
    }

    public IotlbEvent {
        Objects.requireNonNull(type);
        Objects.requireNonNull(perm);
    }

    /** Last IOVA covered (inclusive). */
    public long lastIova() {
        return iova + addrMask;
    }

    /** Size in bytes; 0 stands for 2^64. */
    public long size() {
        return addrMask + 1;
    }

    @Override
    public String toString() {
        return String.format("%s iova 0x%x-0x%x -> 0x%x %s", type, iova, lastIova(), translatedAddr, perm);
    }
}
