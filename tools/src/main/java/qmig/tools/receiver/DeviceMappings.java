package qmig.tools.receiver;

import java.util.ArrayList;
import java.util.List;
import qmig.viommu.vtd.Bdf;

/**
 * The DMA mappings one VFIO device's container would hold after load: each MAP the vIOMMU replay
 * delivered to its notifier ({@code vfio_iommu_map_notify} → {@code VFIO_IOMMU_MAP_DMA}), or,
 * without a vIOMMU, the guest RAM ranges mapped 1:1. A stand-in until the VFIO model takes them.
 */
public final class DeviceMappings {

    /** One {@code VFIO_IOMMU_MAP_DMA}: IOVA, length in bytes, the guest-physical target, read-only. */
    public record Mapping(long iova, long size, long gpa, boolean readOnly) {
        public long lastIova() {
            return iova + size - 1;
        }
    }

    private final Bdf bdf;
    private final List<Mapping> maps = new ArrayList<>();
    private long unmaps;
    private boolean viaIommu;

    public DeviceMappings(Bdf bdf) {
        this.bdf = bdf;
    }

    public Bdf bdf() {
        return bdf;
    }

    void map(Mapping m, boolean iommu) {
        maps.add(m);
        viaIommu |= iommu;
    }

    void unmap() {
        unmaps++;
    }

    void clear() {
        maps.clear();
    }

    public List<Mapping> mappings() {
        return List.copyOf(maps);
    }

    public int count() {
        return maps.size();
    }

    public long unmaps() {
        return unmaps;
    }

    /** Whether the mappings came from a vIOMMU replay (else guest RAM 1:1). */
    public boolean viaIommu() {
        return viaIommu;
    }

    /** Lowest IOVA mapped, or -1 with no mappings. */
    public long minIova() {
        long min = -1;
        for (Mapping m : maps) {
            if (min == -1 || Long.compareUnsigned(m.iova(), min) < 0) {
                min = m.iova();
            }
        }
        return min;
    }

    /** Highest IOVA mapped (inclusive), or -1 with no mappings. */
    public long maxIova() {
        long max = -1;
        for (Mapping m : maps) {
            if (max == -1 || Long.compareUnsigned(m.lastIova(), max) > 0) {
                max = m.lastIova();
            }
        }
        return max;
    }

    public long bytes() {
        long s = 0;
        for (Mapping m : maps) {
            s += m.size();
        }
        return s;
    }
}
