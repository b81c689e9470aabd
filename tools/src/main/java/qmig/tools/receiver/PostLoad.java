package qmig.tools.receiver;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import qmig.stream.grammar.VmStatePayload;
import qmig.stream.memory.GuestMemory;
import qmig.stream.memory.GuestPhysicalMemory;
import qmig.stream.memory.PhysicalMap;
import qmig.vfio.container.DmaMapping;
import qmig.vfio.container.VfioContainer;
import qmig.vfio.notify.DmaMapEvent;
import qmig.vfio.notify.NotifyOutcome;
import qmig.vfio.notify.RamOracle;
import qmig.vfio.notify.RamSection;
import qmig.vfio.notify.VfioListener;
import qmig.vfio.notify.VfioMapException;
import qmig.viommu.mem.GuestPhysicalDma;
import qmig.viommu.vtd.Bdf;
import qmig.viommu.vtd.IntelIommu;
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

    private final List<Bdf> bdfs;
    private final Map<Bdf, VfioListener> devices = new LinkedHashMap<>();
    private final Map<Bdf, List<long[]>> iommuSections = new LinkedHashMap<>();
    private ReceiveReport.IommuSummary summary;
    private boolean iommuSeen;
    private long replayNanos;

    PostLoad(List<Bdf> vfio) {
        this.bdfs = List.copyOf(vfio);
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
        for (Bdf b : bdfs) {
            VfioListener l = devices.get(b);
            List<DmaMapping> maps = l == null ? List.of() : List.copyOf(l.container().mappings());
            long min = -1;
            long max = -1;
            long bytes = 0;
            for (DmaMapping m : maps) {
                if (min == -1 || Long.compareUnsigned(m.iova(), min) < 0) {
                    min = m.iova();
                }
                if (max == -1 || Long.compareUnsigned(m.lastIova(), max) > 0) {
                    max = m.lastIova();
                }
                bytes += m.size();
            }
            List<String> problems = new ArrayList<>();
            if (l != null) {
                for (NotifyOutcome o : l.problems()) {
                    problems.add(o.message() != null ? o.message() : String.valueOf(o));
                }
            }
            out.add(new ReceiveReport.VfioDevice(b.toString(), iommuSections.containsKey(b), maps.size(), min, max, bytes,
                    l == null ? 0 : l.zeroByteUnmaps(), problems));
        }
        return out;
    }

    /**
     * Realize of each {@code --vfio} device: a container per device, guest RAM mapped at IOVA = GPA
     * ({@code vfio_listener_region_add} of the RAM sections) until a vIOMMU switches its address space.
     */
    private void realize(GuestMemory memory, String machineType) throws VfioMapException {
        if (!devices.isEmpty() || bdfs.isEmpty()) {
            return;
        }
        List<RamSection> ram = new ArrayList<>();
        for (PhysicalMap.Range r : PhysicalMap.forMachine(machineType, memory).ranges()) {
            ram.add(new RamSection(r.gpa(), r.size(), r.block(), r.blockOffset(), r.blockOffset(), false));
        }
        RamOracle oracle = RamOracle.of(ram);
        for (Bdf b : bdfs) {
            VfioListener l = new VfioListener(String.format("0000:%s", b), new VfioContainer(), oracle, false);
            l.addAllRam();
            devices.put(b, l);
        }
    }

    /**
     * {@code vtd_post_load} with the VFIO listener: the received guest memory is what the walker
     * reads; on a device's first IOMMU notifier section its RAM sections go (region_del) and each
     * notifier section is added before the replay's events reach the container.
     */
    void iommu(VmStatePayload p, GuestMemory memory, String machineType) throws ReceiveError {
        iommuSeen = true;
        long t0 = System.nanoTime();
        try {
            realize(memory, machineType);
            IntelIommuState s = IntelIommuState.of(p.value());
            GuestPhysicalMemory phys = memory.physical(PhysicalMap.forMachine(machineType, memory));
            IntelIommu iommu = new IntelIommu(s, VtdConfig.inferFrom(s.csr()), new GuestPhysicalDma(phys));
            for (Bdf b : bdfs) {
                iommu.addressSpace(b);
            }
            ReplayingListener l = new ReplayingListener((bdf, n, e) -> {
                VfioListener d = devices.get(bdf);
                if (d == null) {
                    return;
                }
                List<long[]> seen = iommuSections.computeIfAbsent(bdf, k -> new ArrayList<>());
                try {
                    if (seen.stream().noneMatch(x -> x[0] == n.start() && x[1] == n.end())) {
                        if (seen.isEmpty()) {
                            for (RamSection r : d.mappedRam()) {
                                d.ramSectionDel(r);
                            }
                        }
                        seen.add(new long[] {n.start(), n.end()});
                        d.iommuSectionAdd(n.start(), n.end());
                    }
                    d.notify(new DmaMapEvent(e.iova(), e.translatedAddr(), e.addrMask(), e.perm().read(),
                            e.perm().write(), true));
                } catch (VfioMapException x) {
                    throw new IllegalStateException(x.getMessage(), x);
                }
            });
            iommu.postLoad(l);
            summary = new ReceiveReport.IommuSummary(s.dmarEnabled(), s.intrEnabled(), iommu.rootScalable(),
                    iommu.config().toString(), iommu.scanContexts().size(), iommu.warnings());
        } catch (VtdException | VfioMapException | RuntimeException e) {
            throw new ReceiveError(ReceiveError.Kind.POST_LOAD, "iommu-intel post-load: " + e.getMessage(), e);
        } finally {
            replayNanos = System.nanoTime() - t0;
        }
    }

    /** No vIOMMU: each VFIO device's container keeps guest RAM mapped at IOVA = GPA from realize. */
    void withoutIommu(GuestMemory memory, String machineType) throws ReceiveError {
        try {
            realize(memory, machineType);
        } catch (VfioMapException | RuntimeException e) {
            throw new ReceiveError(ReceiveError.Kind.POST_LOAD, "guest RAM map for VFIO: " + e.getMessage(), e);
        }
    }
}
