package qmig.tools.receiver;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import qmig.stream.grammar.VmStatePayload;
import qmig.stream.memory.GuestMemory;
import qmig.stream.memory.GuestPhysicalMemory;
import qmig.stream.memory.NotRamException;
import qmig.stream.memory.PhysicalMap;
import qmig.viommu.DmaMemory;
import qmig.viommu.DmaReadException;
import qmig.viommu.vtd.Bdf;
import qmig.viommu.vtd.IntelIommu;
import qmig.viommu.vtd.IotlbEvent;
import qmig.viommu.vtd.ReplayingListener;
import qmig.viommu.vtd.VtdConfig;
import qmig.viommu.vtd.VtdException;
import qmig.viommu.vtd.state.IntelIommuState;

/**
 * The post-load work a 7.2 destination does for the VFIO devices (spec/seed-series.md §5):
 * {@code vtd_post_load} switches every VT-d address space and VFIO's listener replays each
 * vIOMMU-translated device's mappings; without a vIOMMU each VFIO device maps guest RAM 1:1.
 */
final class PostLoad {

    static final String IOMMU = IntelIommuState.NAME;

    static {
        IntelIommu.registerDescriptions();
    }

    private final Map<Bdf, DeviceMappings> devices = new LinkedHashMap<>();
    private ReceiveReport.IommuSummary summary;
    private boolean iommuSeen;
    private long replayNanos;

    PostLoad(List<Bdf> vfio) {
        for (Bdf b : vfio) {
            devices.put(b, new DeviceMappings(b));
        }
    }

    /** Makes sure the built-in {@code iommu-intel} description is registered before a stream is read. */
    static void init() {
        // the static initialiser does the work
    }

    boolean iommuSeen() {
        return iommuSeen;
    }

    long replayNanos() {
        return replayNanos;
    }

    ReceiveReport.IommuSummary summary() {
        return summary;
    }

    List<ReceiveReport.VfioDevice> devices() {
        List<ReceiveReport.VfioDevice> out = new ArrayList<>();
        for (DeviceMappings d : devices.values()) {
            out.add(new ReceiveReport.VfioDevice(d.bdf().toString(), d.viaIommu(), d.count(), d.minIova(), d.maxIova(),
                    d.bytes()));
        }
        return out;
    }

    List<DeviceMappings> mappings() {
        return List.copyOf(devices.values());
    }

    /** {@code vtd_post_load} with the VFIO listener: the received guest memory is what the walker reads. */
    void iommu(VmStatePayload p, GuestMemory memory, String machineType) throws ReceiveError {
        iommuSeen = true;
        long t0 = System.nanoTime();
        try {
            IntelIommuState s = IntelIommuState.of(p.value());
            GuestPhysicalMemory phys = memory.physical(PhysicalMap.forMachine(machineType, memory));
            IntelIommu iommu = new IntelIommu(s, VtdConfig.inferFrom(s.csr()), new Dma(phys));
            for (Bdf b : devices.keySet()) {
                iommu.addressSpace(b);
            }
            ReplayingListener l = new ReplayingListener((bdf, n, e) -> {
                DeviceMappings d = devices.get(bdf);
                if (d == null) {
                    return;
                }
                if (e.type() == IotlbEvent.Type.MAP) {
                    d.map(new DeviceMappings.Mapping(e.iova(), e.size(), e.translatedAddr(), !e.perm().write()), true);
                } else {
                    d.unmap();
                }
            });
            iommu.postLoad(l);
            summary = new ReceiveReport.IommuSummary(s.dmarEnabled(), s.intrEnabled(), iommu.rootScalable(),
                    iommu.config().toString(), iommu.scanContexts().size(), iommu.warnings());
        } catch (VtdException | RuntimeException e) {
            throw new ReceiveError(ReceiveError.Kind.POST_LOAD, "iommu-intel post-load: " + e.getMessage(), e);
        } finally {
            replayNanos = System.nanoTime() - t0;
        }
    }

    /** No vIOMMU: a VFIO device's container maps every guest RAM range at IOVA = GPA. */
    void withoutIommu(GuestMemory memory, String machineType) throws ReceiveError {
        if (devices.isEmpty()) {
            return;
        }
        try {
            PhysicalMap map = PhysicalMap.forMachine(machineType, memory);
            for (DeviceMappings d : devices.values()) {
                for (PhysicalMap.Range r : map.ranges()) {
                    d.map(new DeviceMappings.Mapping(r.gpa(), r.size(), r.gpa(), false), false);
                }
            }
        } catch (RuntimeException e) {
            throw new ReceiveError(ReceiveError.Kind.POST_LOAD, "guest RAM map for VFIO: " + e.getMessage(), e);
        }
    }

    /** The stream codec's guest-physical view as the VT-d walker reads it. */
    private record Dma(GuestPhysicalMemory phys) implements DmaMemory {
        @Override
        public boolean isRam(long gpa) {
            return phys.isRam(gpa);
        }

        @Override
        public long readLongLE(long gpa) throws DmaReadException {
            try {
                return phys.readLongLE(gpa);
            } catch (NotRamException e) {
                throw new DmaReadException(gpa, 8);
            }
        }
    }
}
