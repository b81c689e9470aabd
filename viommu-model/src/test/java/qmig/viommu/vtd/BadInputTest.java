package qmig.viommu.vtd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import qmig.viommu.mem.SparseDmaMemory;
import qmig.viommu.vtd.ir.InterruptRemapper;
import qmig.viommu.vtd.ir.IrResult;

/** Hostile tables and sizes: bounded work, typed errors or QEMU's faults. */
class BadInputTest {

    static final Bdf DEV = Bdf.of(0, 2, 0);

    @Test
    void selfReferencingFourLevelTableHitsTheReadBudget() throws Exception {
        Tables t = new Tables();
        long l4 = t.alloc();
        t.context(DEV, 0, 4, 1, l4);
        for (int i = 0; i < 512; i++) {
            t.pte(l4, i, l4 | 3);                        // every entry points back at the table
        }
        IntelIommu i = new IntelIommu(Tables.state(t.root, true, false), Tables.cfg().withAwBits(48), t.mem,
                ReplayOptions.QEMU_7_2.withLimits(new WalkLimits(1 << 20)));
        i.addressSpace(DEV);
        VtdException.LimitExceeded e = assertTimeoutPreemptively(Duration.ofSeconds(20), () ->
                assertThrows(VtdException.LimitExceeded.class,
                        () -> i.postLoad(new ReplayingListener((b, n, ev) -> { }))));
        assertTrue(e.getMessage().contains("WalkLimits.maxEntryReads"), e.getMessage());
        // single translation of a cyclic table is bounded by the level count
        Translation x = i.translate(DEV, 0x1234000L, false);
        assertEquals(4, assertInstanceOf(Translation.Mapped.class, x).steps().size());
    }

    @Test
    void contextEntryPointingAtItselfIsBounded() throws Exception {
        Tables t = new Tables();
        long ctx = t.contextTable(0);
        // the context entry's table root is the context table: its words are read as PTEs
        t.context(DEV, 0, 3, 1, ctx);
        IntelIommu i = t.iommu(Tables.cfg());
        i.addressSpace(DEV);
        List<IotlbEvent> ev = new ArrayList<>();
        assertTimeoutPreemptively(Duration.ofSeconds(20), () ->
                i.postLoad(new ReplayingListener((b, n, e) -> ev.add(e))));
        assertTrue(i.walker().reads() == 0);             // a fresh walker; the replay's own ran and ended
    }

    @Test
    void rootInTheTopOfTheAddressSpace() {
        SparseDmaMemory m = SparseDmaMemory.withRam(1 << 20);
        IntelIommu i = new IntelIommu(Tables.state(-4096L, true, false), Tables.cfg(), m);
        assertEquals(FaultReason.ROOT_TABLE_INV, assertInstanceOf(ContextLookup.Fault.class,
                i.lookup(Bdf.of(255, 31, 7))).reason());
    }

    @Test
    void unmapBurstIsLogarithmicInTheRange() throws Exception {
        Tables t = new Tables();
        t.context(DEV, 0, 3, 1, t.alloc());
        IntelIommu i = t.iommu(Tables.cfg().withAwBits(48));
        VtdAddressSpace as = i.addressSpace(DEV);
        List<IotlbEvent> ev = new ArrayList<>();
        IommuNotifier n = new IommuNotifier(0xfef00000L, -1L, IommuNotifier.MAP | IommuNotifier.UNMAP, ev::add);
        as.register(n);
        as.replay(n);
        assertTrue(ev.size() < 64, "chunks: " + ev.size());
        long covered = 0;
        long at = 0xfef00000L;
        for (IotlbEvent e : ev) {
            assertEquals(IotlbEvent.Type.UNMAP, e.type());
            assertEquals(at, e.iova(), "contiguous");
            assertEquals(0, e.iova() & e.addrMask(), "naturally aligned");
            assertEquals(0, Long.bitCount(e.addrMask() + 1) - 1, "power of two");
            at += e.addrMask() + 1;
            covered += e.addrMask() + 1;
        }
        assertEquals((1L << 48) - 0xfef00000L, covered, "up to 2^aw - 1");
        assertEquals(0xfffffL, VtdAddressSpace.alignedPow2Mask(0xfef00000L, (1L << 48) - 1, 48), "first chunk 1 MiB");
        assertEquals(0xfffL, ev.get(0).addrMask() >>> 8, "the burst starts with that chunk");
    }

    @Test
    void absurdInterruptTableSizeIsBoundedBySixteenBitIndices() {
        SparseDmaMemory m = SparseDmaMemory.withRam(64L << 20);
        InterruptRemapper ir = new InterruptRemapper(m, 0x100000, 0xffffffffL, true, false);
        assertEquals(0, ir.presentEntries().size());
        InterruptRemapper outside = new InterruptRemapper(m, 0xe0000000L, 0xffffffffL, true, false);
        assertEquals(FaultReason.IR_ROOT_INVAL, assertInstanceOf(IrResult.Fault.class, outside.irte(5, 0xffff)).reason());
        assertEquals(0, outside.presentEntries().size());
    }
}
