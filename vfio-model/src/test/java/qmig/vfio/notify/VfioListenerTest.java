package qmig.vfio.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import qmig.stream.memory.PhysicalMap;
import qmig.vfio.container.ContainerConfig;
import qmig.vfio.container.DmaMapping;
import qmig.vfio.container.Errno;
import qmig.vfio.container.VfioContainer;

class VfioListenerTest {

    /** q35 with 3 GiB below 4 GiB... reduced: 2 GiB low RAM, a ROM, 1 GiB above 4 GiB. */
    static final RamSection LOW = new RamSection(0, 0x8000_0000L, "pc.ram", 0, 0, false);
    static final RamSection BIOS = new RamSection(0xfffc_0000L, 0x40000, "pc.bios", 0, 0x1_0000_0000L, true);
    static final RamSection HIGH = new RamSection(0x1_0000_0000L, 0x4000_0000L, "pc.ram", 0x8000_0000L,
            0x8000_0000L, false);
    static final RamOracle RAM = RamOracle.of(List.of(LOW, BIOS, HIGH));

    private static VfioListener dmarListener(boolean strict) throws Exception {
        VfioListener l = new VfioListener("0000:00:05.0", new VfioContainer(), RAM, strict);
        l.addAllRam();
        l.switchToIommu(VfioListener.VTD_SECTIONS);
        return l;
    }

    @Test
    void withoutViommuEveryRamSectionIsMappedOneToOne() throws Exception {
        VfioListener l = new VfioListener("0000:00:05.0", new VfioContainer(), RAM, true);
        l.addAllRam();
        assertEquals(List.of(new DmaMapping(0, 0x8000_0000L, 0, false),
                new DmaMapping(0xfffc_0000L, 0x40000, 0xfffc_0000L, true),
                new DmaMapping(0x1_0000_0000L, 0x4000_0000L, 0x1_0000_0000L, false)), l.mappings());
    }

    @Test
    void ramSectionsAreTrimmedToWholeHostPages() throws Exception {
        RamSection odd = new RamSection(0x800, 0x2000, "x", 0, 0x800, false);
        VfioListener l = new VfioListener("d", new VfioContainer(), RamOracle.of(List.of(odd)), true);
        NotifyOutcome o = l.ramSectionAdd(odd);
        assertEquals(new DmaMapping(0x1000, 0x1000, 0x1000, false), l.mappings().get(0));
        assertEquals(0x1000, o.bytes());
        assertEquals(NotifyOutcome.Kind.DROPPED, l.ramSectionAdd(new RamSection(0x10800, 0x800, "y", 0, 0, false)).kind());
    }

    @Test
    void enablingDmarRemovesTheRamMappingsBeforeTheNotifiersArrive() throws Exception {
        VfioListener l = dmarListener(true);
        assertEquals(0, l.container().size());
        assertEquals(2, l.notifierRanges().size());
        assertTrue(l.mappedRam().isEmpty());
    }

    @Test
    void theReplayUnmapBurstRemovesNothingOnAFreshDestination() throws Exception {
        VfioListener l = dmarListener(true);
        // 7.2 vtd_address_space_unmap: power-of-two chunks over [0, 0xfedfffff]
        long[][] burst = {{0, 0x8000_0000L}, {0x8000_0000L, 0x4000_0000L}, {0xc000_0000L, 0x2000_0000L},
            {0xe000_0000L, 0x1000_0000L}, {0xf000_0000L, 0x0800_0000L}};
        for (long[] b : burst) {
            NotifyOutcome o = l.notify(DmaMapEvent.unmap(b[0], b[1]));
            assertEquals(NotifyOutcome.Kind.UNMAPPED, o.kind());
            assertEquals(0, o.bytes());
        }
        assertEquals(5, l.zeroByteUnmaps());
    }

    @Test
    void mapPermissionsFollowTheEventAndTheRegion() throws Exception {
        VfioListener l = dmarListener(true);
        l.notify(DmaMapEvent.map(0x1000, 0x10000, 0x1000, true, true));
        l.notify(DmaMapEvent.map(0x2000, 0x11000, 0x1000, true, false));
        l.notify(DmaMapEvent.map(0x3000, 0x12000, 0x1000, false, true)); // write-only: READ|WRITE
        l.notify(DmaMapEvent.map(0x4000, 0xfffc_0000L, 0x1000, true, true)); // ROM: read only
        assertEquals(List.of(new DmaMapping(0x1000, 0x1000, 0x10000, false), new DmaMapping(0x2000, 0x1000, 0x11000, true),
                new DmaMapping(0x3000, 0x1000, 0x12000, false), new DmaMapping(0x4000, 0x1000, 0xfffc_0000L, true)),
                l.mappings());
    }

    @Test
    void unmapEventsRemoveWhatTheyCover() throws Exception {
        VfioListener l = dmarListener(true);
        l.notify(DmaMapEvent.map(0x20_0000L, 0x40_0000L, 0x20_0000L, true, true));
        NotifyOutcome o = l.notify(DmaMapEvent.unmap(0, 0x8000_0000L));
        assertEquals(0x20_0000L, o.bytes());
        assertEquals(0, l.container().size());
    }

    @Test
    void mapOutsideRamIsRefusedAndReported() throws Exception {
        VfioListener l = dmarListener(false);
        NotifyOutcome o = l.notify(DmaMapEvent.map(0x1000, 0xfec0_0000L, 0x1000, true, true));
        assertEquals(NotifyOutcome.Kind.REFUSED, o.kind());
        assertEquals("iommu map to non memory area fec00000", o.message());
        assertEquals(0, l.container().size());
        assertEquals(List.of(o), l.problems());
    }

    @Test
    void hugePageStraddlingTheEndOfLowRamIsRefused() throws Exception {
        VfioListener l = dmarListener(false);
        // 2 MiB page whose GPA starts 1 MiB before the end of low RAM
        NotifyOutcome o = l.notify(DmaMapEvent.map(0x20_0000L, 0x7ff0_0000L, 0x20_0000L, true, true));
        assertEquals(NotifyOutcome.Kind.REFUSED, o.kind());
        assertEquals("iommu has granularity incompatible with target AS", o.message());
        // a 2 MiB page wholly inside is fine
        assertEquals(NotifyOutcome.Kind.MAPPED, l.notify(DmaMapEvent.map(0x20_0000L, 0x7fe0_0000L, 0x20_0000L,
                true, true)).kind());
    }

    @Test
    void strictModeNamesTheDeviceAndEventAndKeepsTheContainer() throws Exception {
        VfioListener l = dmarListener(true);
        l.notify(DmaMapEvent.map(0x1000, 0x10000, 0x1000, true, true));
        VfioMapException e = assertThrows(VfioMapException.class,
                () -> l.notify(DmaMapEvent.map(0x1000, 0x20000, 0x1000, true, true)));
        assertEquals(Errno.EEXIST, e.errno());
        assertEquals("0000:00:05.0", e.device());
        assertEquals(2, e.eventIndex());
        assertTrue(e.getMessage().startsWith("vfio 0000:00:05.0, event #2 (iova 0x1000): vfio_dma_map"), e.getMessage());
        assertEquals(List.of(new DmaMapping(0x1000, 0x1000, 0x10000, false)), l.mappings());
        assertThrows(VfioMapException.class, () -> l.notify(new DmaMapEvent(0x9000, 0x10000, 0xfff, true, true, false)));
    }

    @Test
    void moreMappingsThanTheBudgetFailWithEnospc() throws Exception {
        VfioListener l = new VfioListener("0000:00:05.0", new VfioContainer(ContainerConfig.defaults().withEntryLimit(2)),
                RAM, false);
        l.switchToIommu(VfioListener.VTD_SECTIONS);
        for (int i = 0; i < 3; i++) {
            l.notify(DmaMapEvent.map(i * 0x1000L, 0x10000 + i * 0x1000L, 0x1000, true, true));
        }
        assertEquals(2, l.container().size());
        assertEquals(Errno.ENOSPC, l.problems().get(0).errno());
    }

    @Test
    void eventsOutsideTheNotifiersAreNotDelivered() throws Exception {
        VfioListener l = dmarListener(true);
        NotifyOutcome o = l.notify(DmaMapEvent.map(0xfee0_0000L, 0x10000, 0x1000, true, true));
        assertEquals(NotifyOutcome.Kind.DROPPED, o.kind());
        assertEquals(0, l.container().size());
    }

    @Test
    void removingTheIommuSectionsUnmapsThemWhole() throws Exception {
        VfioListener l = dmarListener(true);
        l.notify(DmaMapEvent.map(0x1000, 0x10000, 0x1000, true, true));
        l.notify(DmaMapEvent.map(0x1_0000_0000L, 0x20000, 0x1000, true, true));
        assertEquals(0x1000, l.iommuSectionDel(0, 0xfedfffffL).get(0).bytes());
        assertEquals(0x1000, l.iommuSectionDel(0xfef00000L, -1L).get(0).bytes());
        assertEquals(0, l.container().size());
        assertTrue(l.notifierRanges().isEmpty());
        // a section exactly 2^64 long is unmapped in two halves
        l.iommuSectionAdd(0, -1L);
        assertEquals(2, l.iommuSectionDel(0, -1L).size());
    }

    @Test
    void physicalMapOracleSeesQ35Ram() {
        RamOracle o = RamOracle.of(PhysicalMap.q35(4L << 30));
        assertFalse(o.sections().isEmpty());
        RamSection low = o.sectionAt(0x10_0000L);
        assertEquals("pc.ram", low.block());
        assertEquals(0x10_0000L, low.ramAddrOf(0x10_0000L));
        assertNull(o.sectionAt(0xfec0_0000L));
        assertTrue(o.sectionAt(0x1_0000_0000L) != null);
    }
}
