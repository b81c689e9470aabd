package qmig.vfio.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import qmig.vfio.container.DmaMapping;
import qmig.vfio.container.VfioContainer;
import qmig.vfio.notify.DmaMapEvent;
import qmig.vfio.notify.RamOracle;
import qmig.vfio.notify.RamSection;
import qmig.vfio.notify.VfioListener;
import qmig.stream.memory.PhysicalMap;
import qmig.testdata.Captures;
import qmig.viommu.mem.LoadedCapture;
import qmig.viommu.mem.Q35RamLayout;
import qmig.viommu.report.DeviceReport;
import qmig.viommu.report.VtdReport;
import qmig.viommu.vtd.Bdf;
import qmig.viommu.vtd.IntelIommu;
import qmig.viommu.vtd.IotlbEvent;
import qmig.viommu.vtd.ReplayingListener;
import qmig.viommu.vtd.VtdConfig;
import qmig.viommu.vtd.state.IntelIommuState;

/**
 * Issue 6's Linux case: the booted-Linux q35 capture with intel-iommu, 00:01.0 (virtio-net behind
 * the vIOMMU) treated as a VFIO device. The destination maps all RAM 1:1 at realize, the
 * iommu-intel post_load switches 00:01.0 to DMAR (RAM mappings removed, IOMMU notifiers added),
 * and the VT-d replay drives the container. Its mappings must equal the replay for that device.
 */
class LinuxCaptureReplayTest {

    static final Bdf DEV = Bdf.of(0, 1, 0);

    @Test
    void containerEqualsTheReplayOf0001() throws Exception {
        byte[] bytes = Captures.Q35_LINUX_VIOMMU.bytes();
        IntelIommu.registerDescriptions();
        LoadedCapture lc = LoadedCapture.read(bytes);
        Q35RamLayout layout = lc.layout();
        RamOracle ram = RamOracle.of(ramSections(layout));

        VfioListener vfio = new VfioListener("0000:00:01.0", new VfioContainer(), ram, true);
        vfio.addAllRam(); // realize: no vIOMMU mappings yet, guest RAM 1:1
        assertEquals(ram.sections().size(), vfio.container().size());

        IntelIommuState s = IntelIommuState.find(lc.stream());
        IntelIommu iommu = new IntelIommu(s, VtdConfig.inferFrom(s.csr()), lc.memory());
        iommu.addressSpace(DEV);
        List<long[]> seenNotifiers = new ArrayList<>();
        ReplayingListener l = new ReplayingListener((bdf, n, e) -> {
            if (!bdf.equals(DEV)) {
                return;
            }
            try {
                if (seenNotifiers.stream().noneMatch(x -> x[0] == n.start() && x[1] == n.end())) {
                    if (seenNotifiers.isEmpty()) {
                        // region_del of the RAM sections comes before the IOMMU sections
                        for (RamSection r : vfio.mappedRam()) {
                            vfio.ramSectionDel(r);
                        }
                        assertEquals(0, vfio.container().size());
                    }
                    seenNotifiers.add(new long[] {n.start(), n.end()});
                    vfio.iommuSectionAdd(n.start(), n.end());
                }
                vfio.notify(adapt(e));
            } catch (Exception x) {
                throw new AssertionError(x);
            }
        });
        iommu.postLoad(l);

        VtdReport report = VtdReport.of(bytes, true);
        DeviceReport dr = report.devices().stream().filter(d -> d.bdf().equals(DEV)).findFirst().orElseThrow();
        List<IotlbEvent> replay = dr.events();
        assertEquals(322, replay.size());
        assertEquals(322, vfio.container().size());
        assertTrue(vfio.problems().isEmpty(), vfio.problems().toString());
        assertTrue(vfio.zeroByteUnmaps() > 0, "the 7.2 replay starts with an UNMAP burst");
        // every unmap but the RAM region_del ones removed nothing
        assertEquals(vfio.unmaps() - ram.sections().size(), vfio.zeroByteUnmaps());

        List<DmaMapping> maps = new ArrayList<>(vfio.container().mappings());
        for (int i = 0; i < replay.size(); i++) {
            IotlbEvent e = replay.get(i);
            DmaMapping m = maps.get(i);
            assertEquals(e.iova(), m.iova(), "iova #" + i);
            assertEquals(e.size(), m.size(), "size #" + i);
            assertEquals(e.translatedAddr(), m.gpa(), "gpa #" + i);
            assertEquals(!e.perm().write(), m.readOnly(), "perm #" + i);
            RamSection sec = ram.sectionAt(m.gpa());
            assertNotNull(sec, "GPA 0x" + Long.toHexString(m.gpa()) + " is RAM");
            assertTrue(sec.contains(m.gpa() + m.size() - 1));
        }
    }

    static DmaMapEvent adapt(IotlbEvent e) {
        return new DmaMapEvent(e.iova(), e.translatedAddr(), e.addrMask(), e.perm().read(), e.perm().write(), true);
    }

    static List<RamSection> ramSections(Q35RamLayout l) {
        List<RamSection> out = new ArrayList<>();
        out.add(new RamSection(0, l.below4g(), "pc.ram", 0, 0, false));
        if (l.above4g() > 0) {
            out.add(new RamSection(PhysicalMap.FOUR_GIB, l.above4g(), "pc.ram", l.below4g(), l.below4g(), false));
        }
        return out;
    }
}
