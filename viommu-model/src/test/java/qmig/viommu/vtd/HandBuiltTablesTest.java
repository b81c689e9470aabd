package qmig.viommu.vtd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Tables a Linux guest does not build, written by hand. */
class HandBuiltTablesTest {

    static final Bdf DEV = Bdf.of(0, 3, 0);
    static final long R = 1;
    static final long W = 2;
    static final long PS = 0x80;

    /** Replays {@code DEV} through postLoad and returns the MAP events delivered. */
    static List<IotlbEvent> replay(IntelIommu iommu) throws VtdException {
        List<IotlbEvent> maps = new ArrayList<>();
        iommu.addressSpace(DEV);
        iommu.postLoad(new ReplayingListener((b, n, e) -> {
            if (e.type() == IotlbEvent.Type.MAP) {
                maps.add(e);
            }
        }));
        return maps;
    }

    @Test
    void twoMegAndOneGigLeavesInAThreeLevelTable() throws Exception {
        Tables t = new Tables();
        long l3 = t.alloc();
        long l2 = t.alloc();
        t.context(DEV, 0, 3, 7, l3);
        t.pte(l3, 0, l2 | R | W);                       // 0..1G via L2
        t.pte(l2, 1, 0x400000 | PS | R | W);             // iova 2M -> 4M, 2 MiB
        t.pte(l3, 2, 0x40000000L | PS | R);              // iova 2G -> 1G, 1 GiB read-only
        List<IotlbEvent> m = replay(t.iommu(Tables.cfg()));
        assertEquals(List.of(
                new IotlbEvent(IotlbEvent.Type.MAP, 0x200000, 0x400000, 0x1fffff, Perm.RW),
                new IotlbEvent(IotlbEvent.Type.MAP, 0x80000000L, 0x40000000L, 0x3fffffffL, Perm.RO)), m);
        Translation x = t.iommu(Tables.cfg()).translate(DEV, 0x80001234L, false);
        Translation.Mapped ok = assertInstanceOf(Translation.Mapped.class, x);
        assertEquals(0x40001234L, ok.gpa());
        assertEquals(1L << 30, ok.pageSize());
        assertEquals(FaultReason.WRITE,
                assertInstanceOf(Translation.Fault.class, t.iommu(Tables.cfg()).translate(DEV, 0x80001234L, true))
                        .reason());
    }

    @Test
    void fourLevelWalkNeedsAw48() throws Exception {
        Tables t = new Tables();
        long l4 = t.alloc();
        long l3 = t.alloc();
        long l2 = t.alloc();
        long l1 = t.alloc();
        t.context(DEV, 0, 4, 1, l4);
        t.pte(l4, 1, l3 | R | W);                        // 512G
        t.pte(l3, 0, l2 | R | W);
        t.pte(l2, 0, l1 | R | W);
        t.pte(l1, 5, 0x123000 | W);                      // write-only leaf
        // aw-bits 39: level 4 is not in SAGAW -> CONTEXT_ENTRY_INV, nothing replayed
        IntelIommu aw39 = t.iommu(Tables.cfg());
        assertEquals(FaultReason.CONTEXT_ENTRY_INV,
                assertInstanceOf(ContextLookup.Fault.class, aw39.lookup(DEV)).reason());
        assertEquals(List.of(), replay(aw39));
        IntelIommu aw48 = t.iommu(Tables.cfg().withAwBits(48));
        assertEquals(List.of(new IotlbEvent(IotlbEvent.Type.MAP, (1L << 39) + 5 * 4096, 0x123000, 0xfff, Perm.WO)),
                replay(aw48));
        Translation.Fault f = assertInstanceOf(Translation.Fault.class, aw48.translate(DEV, (1L << 39) + 5 * 4096, false));
        assertEquals(FaultReason.READ, f.reason());
        assertEquals(4, f.steps().size());
    }

    @Test
    void permissionsAreAndedDownThePath() throws Exception {
        Tables t = new Tables();
        long l3 = t.alloc();
        long l2 = t.alloc();
        long l1 = t.alloc();
        t.context(DEV, 0, 3, 1, l3);
        t.pte(l3, 0, l2 | R);                            // read-only directory
        t.pte(l2, 0, l1 | R | W);
        t.pte(l1, 0, 0x5000 | R | W);                    // RW leaf below an R-only parent -> RO
        t.pte(l1, 1, 0x6000 | W);                        // W-only leaf below R-only -> NONE (unmap, dropped)
        List<IotlbEvent> m = replay(t.iommu(Tables.cfg()));
        assertEquals(List.of(new IotlbEvent(IotlbEvent.Type.MAP, 0, 0x5000, 0xfff, Perm.RO)), m);
    }

    @Test
    void reservedBitsSkipTheEntry() throws Exception {
        Tables t = new Tables();
        long l3 = t.alloc();
        long l2 = t.alloc();
        long l1 = t.alloc();
        t.context(DEV, 0, 3, 1, l3);
        t.pte(l3, 0, l2 | R | W);
        t.pte(l2, 0, l1 | R | W);
        t.pte(l2, 1, 0x201000L | PS | R | W);            // 2 MiB leaf with address bit 12 set: reserved
        t.pte(l1, 0, 0x7000 | R | W | 0x800);            // SNP without scalable/snoop-control: reserved
        t.pte(l1, 1, 0x8000 | R | W | (1L << 45));       // address above aw-bits 39: reserved
        t.pte(l1, 2, 0x9000 | R | W | (1L << 62));       // TM without device-iotlb: reserved
        t.pte(l1, 3, 0xa000 | R | W | (1L << 63) | (1L << 52)); // ignored bits are fine
        IntelIommu i = t.iommu(Tables.cfg());
        assertEquals(List.of(new IotlbEvent(IotlbEvent.Type.MAP, 0x3000, 0xa000, 0xfff, Perm.RW)), replay(i));
        assertEquals(FaultReason.PAGING_ENTRY_RSVD,
                assertInstanceOf(Translation.Fault.class, i.translate(DEV, 0x0, false)).reason());
        // scalable-mode destinations allow SNP in leaves, device-iotlb allows TM in leaves
        IntelIommu dt = t.iommu(Tables.cfg().withDeviceIotlb(true));
        assertEquals(2, replay(dt).size());
    }

    @Test
    void passThroughUsesTheIdentityRegion() throws Exception {
        Tables t = new Tables();
        t.context(DEV, 2, 3, 9, 0);
        IntelIommu i = t.iommu(Tables.cfg());
        ContextLookup.Found f = assertInstanceOf(ContextLookup.Found.class, i.lookup(DEV));
        assertTrue(f.context().passThrough());
        assertEquals(List.of(), replay(i));
        assertFalse(i.addressSpace(DEV).iommuEnabled());
        Translation.Mapped m = assertInstanceOf(Translation.Mapped.class, i.translate(DEV, 0x12345678L, true));
        assertTrue(m.identity());
        assertEquals(0x12345678L, m.gpa());
        // pt=off: TT 2 is invalid
        assertEquals(FaultReason.CONTEXT_ENTRY_INV, assertInstanceOf(ContextLookup.Fault.class,
                t.iommu(Tables.cfg().withPassThrough(false)).lookup(DEV)).reason());
    }

    @Test
    void contextAndTablesOutsideRam() throws Exception {
        Tables t = new Tables();
        // context table pointer in the PCI hole: CONTEXT_TABLE_INV
        t.mem.writeLongLE(t.root, 0xe0000000L | 1);
        assertEquals(FaultReason.CONTEXT_TABLE_INV,
                assertInstanceOf(ContextLookup.Fault.class, t.iommu(Tables.cfg()).lookup(DEV)).reason());
        // a second-level root outside RAM: the replay skips every unreadable entry, maps nothing
        Tables u = new Tables();
        u.context(DEV, 0, 3, 1, 0xe0000000L);
        IntelIommu i = u.iommu(Tables.cfg());
        assertEquals(List.of(), replay(i));
        assertEquals(FaultReason.CONTEXT_ENTRY_INV,
                assertInstanceOf(Translation.Fault.class, i.translate(DEV, 0, false)).reason());
        // the root table itself outside RAM
        IntelIommu bad = new IntelIommu(Tables.state(0xe0000000L, true, false), Tables.cfg(), u.mem);
        assertEquals(FaultReason.ROOT_TABLE_INV,
                assertInstanceOf(ContextLookup.Fault.class, bad.lookup(DEV)).reason());
        assertEquals(256, bad.scanContexts().size(), "one ROOT_TABLE_INV per bus, not one per devfn");
    }

    @Test
    void leafReadFromAPageTableOutsideRamIsSkippedNotFatal() throws Exception {
        Tables t = new Tables();
        long l3 = t.alloc();
        long l2 = t.alloc();
        t.context(DEV, 0, 3, 1, l3);
        t.pte(l3, 0, 0xe0000000L | R | W);               // L2 table in the hole
        t.pte(l3, 1, l2 | R | W);
        t.pte(l2, 0, 0x600000 | PS | R | W);
        assertEquals(List.of(new IotlbEvent(IotlbEvent.Type.MAP, 1L << 30, 0x600000, 0x1fffff, Perm.RW)),
                replay(t.iommu(Tables.cfg())));
    }

    @Test
    void superpageCrossingTheInterruptWindowAbortsAs72OrCropsAs102() throws Exception {
        Tables t = new Tables();
        long l3 = t.alloc();
        t.context(DEV, 0, 3, 1, l3);
        t.pte(l3, 3, 0x40000000L | PS | R | W);          // iova 3G..4G-1 covers 0xfee00000
        VtdException.NotifierRange ex = assertThrows(VtdException.NotifierRange.class,
                () -> replay(t.iommu(Tables.cfg())));
        assertEquals(0xc0000000L, ex.event().iova());
        IntelIommu crop = new IntelIommu(Tables.state(t.root, true, false), Tables.cfg(), t.mem,
                ReplayOptions.QEMU_7_2.withCrop(true));
        List<IotlbEvent> m = replay(crop);
        assertEquals(List.of(
                new IotlbEvent(IotlbEvent.Type.MAP, 0xc0000000L, 0x40000000L, 0xfee00000L - 0xc0000000L - 1, Perm.RW),
                new IotlbEvent(IotlbEvent.Type.MAP, 0xfef00000L, 0x40000000L + 0x3ef00000L, 0x010fffffL, Perm.RW)), m);
        // translate: the 1 GiB page itself does not overlap the interrupt range as a GPA
        assertInstanceOf(Translation.Mapped.class, crop.translate(DEV, 0xc0000000L, true));
    }

    @Test
    void translationIntoTheInterruptRangeFaults() throws Exception {
        Tables t = new Tables();
        long l3 = t.alloc();
        long l2 = t.alloc();
        t.context(DEV, 0, 3, 1, l3);
        t.pte(l3, 0, l2 | R | W);
        t.pte(l2, 0, 0xfee00000L | PS | R | W);
        assertEquals(FaultReason.INTERRUPT_ADDR,
                assertInstanceOf(Translation.Fault.class, t.iommu(Tables.cfg()).translate(DEV, 0x10, false)).reason());
    }

    @Test
    void dmarOffMeansNoSwitchNoReplay() throws Exception {
        Tables t = new Tables();
        long l3 = t.alloc();
        t.context(DEV, 0, 3, 1, l3);
        t.pte(l3, 0, 0x40000000L | PS | R | W);
        IntelIommu off = new IntelIommu(Tables.state(t.root, false, false), Tables.cfg().withDmaTranslation(false), t.mem);
        List<ReplayingListener.Update> ups = new ArrayList<>();
        off.addressSpace(DEV);
        ReplayingListener l = new ReplayingListener((b, n, e) -> {
            throw new AssertionError("no event expected");
        });
        off.postLoad(l);
        assertEquals(List.of(), l.updates());
        assertTrue(off.scanContexts().isEmpty());
        assertTrue(assertInstanceOf(Translation.Mapped.class, off.translate(DEV, 0x1000, true)).identity());
        assertTrue(ups.isEmpty());
    }

    @Test
    void topologyUpdatesComeInQemuOrder() throws Exception {
        Tables t = new Tables();
        t.context(DEV, 0, 3, 1, t.alloc());
        IntelIommu i = t.iommu(Tables.cfg());
        i.addressSpace(DEV);
        ReplayingListener l = new ReplayingListener((b, n, e) -> { });
        i.postLoad(l);
        assertEquals(List.of(
                "00:03.0 del SYSTEM_MEMORY [0x0, 0xfedfffff]",
                "00:03.0 del SYSTEM_MEMORY [0xfef00000, 0xffffffffffffffff]",
                "00:03.0 add IOMMU [0x0, 0xfedfffff]",
                "00:03.0 add INTERRUPT_WINDOW [0xfee00000, 0xfeefffff]",
                "00:03.0 add IOMMU [0xfef00000, 0xffffffffffffffff]"),
                l.updates().stream().map(Object::toString).toList());
        assertEquals(2, i.addressSpace(DEV).notifiers().size());
    }

    @Test
    void mapNotifierWithoutCachingModeIsRejected() throws Exception {
        Tables t = new Tables();
        t.context(DEV, 0, 3, 1, t.alloc());
        IntelIommu i = t.iommu(VtdConfig.defaults());
        i.addressSpace(DEV);
        VtdException.NotifierRejected e = assertThrows(VtdException.NotifierRejected.class,
                () -> i.postLoad(new ReplayingListener((b, n, ev) -> { })));
        assertEquals("device 00.03.0 requires caching mode", e.getMessage());
    }

    @Test
    void notPresentContextReplaysNothing() throws Exception {
        Tables t = new Tables();
        IntelIommu i = t.iommu(Tables.cfg());
        assertEquals(FaultReason.ROOT_ENTRY_P, assertInstanceOf(ContextLookup.Fault.class, i.lookup(DEV)).reason());
        assertEquals(List.of(), replay(i));
        assertNull(i.addressSpace(DEV).replay(new IommuNotifier(0, 0xfff, IommuNotifier.MAP, e -> { })));
    }

    @Test
    void reservedBitsInRootAndContextEntries() throws Exception {
        Tables t = new Tables();
        t.context(DEV, 0, 3, 1, t.alloc());
        long re = t.mem.readLongLE(t.root);
        t.mem.writeLongLE(t.root, re | 0x10);
        assertEquals(FaultReason.ROOT_ENTRY_RSVD,
                assertInstanceOf(ContextLookup.Fault.class, t.iommu(Tables.cfg()).lookup(DEV)).reason());
        t.mem.writeLongLE(t.root, re);
        long ce = (re & ~0xfffL) + DEV.devfn() * 16L;
        t.mem.writeLongLE(ce + 8, t.mem.readLongLE(ce + 8) | 0x80);
        assertEquals(FaultReason.CONTEXT_ENTRY_RSVD,
                assertInstanceOf(ContextLookup.Fault.class, t.iommu(Tables.cfg()).lookup(DEV)).reason());
    }
}
