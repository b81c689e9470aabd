package qmig.vfio.dirty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import qmig.vfio.container.VfioContainer;
import qmig.vfio.notify.DmaMapEvent;
import qmig.vfio.notify.RamOracle;
import qmig.vfio.notify.RamSection;
import qmig.vfio.notify.VfioListener;

class DirtySyncTest {

    static final long P = 0x1000;
    /** 2 GiB below 4 GiB at ram_addr 0, 1 GiB above 4 GiB at ram_addr 2 GiB. */
    static final RamOracle RAM = RamOracle.of(List.of(
            new RamSection(0, 0x8000_0000L, "pc.ram", 0, 0, false),
            new RamSection(0x1_0000_0000L, 0x4000_0000L, "pc.ram", 0x8000_0000L, 0x8000_0000L, false)));

    static VfioListener viommu() throws Exception {
        VfioListener l = new VfioListener("0000:00:05.0", new VfioContainer(), RAM, true);
        l.addAllRam();
        l.switchToIommu(VfioListener.VTD_SECTIONS);
        // IOVA 0x10000.. -> scattered GPAs, one above 4 GiB, one read-only
        l.notify(DmaMapEvent.map(0x10000, 0x7654_3000L, P, true, true));
        l.notify(DmaMapEvent.map(0x11000, 0x1_2345_6000L, P, true, true));
        l.notify(DmaMapEvent.map(0x200000, 0x0040_0000L, 0x200000, true, true));
        l.notify(DmaMapEvent.map(0x12000, 0x5000, P, true, false));
        return l;
    }

    @Test
    void aScriptedDeviceMarksExactlyTheTranslatedGpasWithDeviceTracking() throws Exception {
        VfioListener l = viommu();
        DmaLoggingDevice dev = new DmaLoggingDevice("0000:00:05.0", l.container());
        // the seed series: one range [0, max_iova] for aw-bits 39
        dev.start(List.of(new DmaLoggingDevice.Range(0, 1L << 39)), P);
        dev.write(0x10010, 0x20);           // one page
        dev.write(0x10ff0, 0x20);           // straddles two mappings -> two GPAs far apart
        dev.write(0x203000, 0x1800);        // inside the 2 MiB mapping, two pages
        TreeSet<Long> dirty = DirtySync.sync(l.container(), dev, DirtySync.Source.DEVICE, RAM);
        TreeSet<Long> expected = new TreeSet<>(List.of(
                0x7654_3000L / P,
                (0x8000_0000L + 0x2345_6000L) / P,   // GPA 0x1_2345_6000 -> ram_addr 2 GiB + 0x2345_6000
                0x0040_3000L / P, 0x0040_4000L / P));
        assertEquals(expected, dirty);
        // the report cleared the log: a second sync finds nothing
        assertTrue(DirtySync.sync(l.container(), dev, DirtySync.Source.DEVICE, RAM).isEmpty());
    }

    @Test
    void deviceWritesFaultOnUnmappedOrReadOnlyIovas() throws Exception {
        VfioListener l = viommu();
        DmaLoggingDevice dev = new DmaLoggingDevice("d", l.container());
        assertThrows(DirtyTrackingException.class, () -> dev.write(0x13000, 4));
        assertThrows(DirtyTrackingException.class, () -> dev.write(0x12000, 4));
    }

    @Test
    void containerTrackingDirtiesEveryMappedPage() throws Exception {
        VfioListener l = viommu();
        l.container().startDirtyTracking();
        TreeSet<Long> dirty = DirtySync.sync(l.container(), null, DirtySync.Source.CONTAINER, RAM);
        assertEquals(1 + 1 + 512 + 1, dirty.size());
        assertTrue(dirty.contains(0x5000 / P));
    }

    @Test
    void withoutViommuDirtyIovasAreGpas() throws Exception {
        VfioListener l = new VfioListener("d", new VfioContainer(), RAM, true);
        l.addAllRam();
        DmaLoggingDevice dev = new DmaLoggingDevice("d", l.container());
        // 8.0 ranges: 32-bit [0, 2 GiB), 64-bit [4 GiB, 5 GiB)
        dev.start(List.of(new DmaLoggingDevice.Range(0, 0x8000_0000L),
                new DmaLoggingDevice.Range(0x1_0000_0000L, 0x4000_0000L)), P);
        dev.write(0x1_0000_1000L, 1);
        assertEquals(new TreeSet<>(List.of((0x8000_0000L + 0x1000) / P)),
                DirtySync.sync(l.container(), dev, DirtySync.Source.DEVICE, RAM));
    }

    @Test
    void loggingRangeRules() {
        DmaLoggingDevice dev = new DmaLoggingDevice("d", new VfioContainer());
        // a vIOMMU IOMMU section asks for (almost) 2^64 bytes: refused
        assertThrows(DirtyTrackingException.class,
                () -> dev.start(List.of(new DmaLoggingDevice.Range(0xfef00000L, -0xfef00000L)), P));
        assertThrows(DirtyTrackingException.class, () -> dev.start(List.of(), P));
        assertThrows(DirtyTrackingException.class, () -> dev.start(List.of(new DmaLoggingDevice.Range(0x800, P)), P));
        assertThrows(DirtyTrackingException.class, () -> dev.start(List.of(new DmaLoggingDevice.Range(0, 2 * P),
                new DmaLoggingDevice.Range(P, P)), P));
        List<DmaLoggingDevice.Range> many = new java.util.ArrayList<>();
        for (int i = 0; i < 257; i++) {
            many.add(new DmaLoggingDevice.Range(i * P, P));
        }
        assertThrows(DirtyTrackingException.class, () -> dev.start(many, P));
    }

    @Test
    void theBitmapSyncSetsTheSamePagesAsTheSetSync() throws Exception {
        VfioListener l = viommu();
        DmaLoggingDevice dev = new DmaLoggingDevice("0000:00:05.0", l.container());
        dev.start(List.of(new DmaLoggingDevice.Range(0, 1L << 39)), P);
        dev.write(0x10010, 0x20);
        dev.write(0x10ff0, 0x20);
        dev.write(0x203000, 0x1800);
        RamDirtyBitmap bm = new RamDirtyBitmap(0xc000_0000L);
        assertEquals(4, DirtySync.sync(l.container(), dev, DirtySync.Source.DEVICE, RAM, bm), "IOVA pages seen");
        assertEquals(new TreeSet<>(List.of(0x7654_3000L / P, (0x8000_0000L + 0x2345_6000L) / P, 0x0040_3000L / P,
                0x0040_4000L / P)), bm.pages());
        assertTrue(bm.get(0x0040_3000L / P));
        assertEquals(4, bm.cardinality());
        // the container source: every mapped page, ORed into the same bitmap
        l.container().startDirtyTracking();
        DirtySync.sync(l.container(), null, DirtySync.Source.CONTAINER, RAM, bm);
        assertEquals(DirtySync.sync(l.container(), null, DirtySync.Source.CONTAINER, RAM), bm.pages());
    }

    @Test
    void aLargeDevicePageDirtiesEveryRamPageUnderIt() throws Exception {
        VfioListener l = new VfioListener("d", new VfioContainer(), RAM, true);
        l.addAllRam();
        DmaLoggingDevice dev = new DmaLoggingDevice("d", l.container());
        dev.start(List.of(new DmaLoggingDevice.Range(0, 0x8000_0000L)), 0x200000);
        dev.write(0x0060_1234L, 1);
        RamDirtyBitmap bm = new RamDirtyBitmap(0);
        DirtySync.sync(l.container(), dev, DirtySync.Source.DEVICE, RAM, bm);
        assertEquals(512, bm.cardinality());
        assertEquals(0x0060_0000L / P, bm.nextSet(0));
    }
}
