package qmig.viommu.vtd.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;
import qmig.testdata.Captures;
import qmig.viommu.mem.LoadedCapture;
import qmig.viommu.mem.SparseDmaMemory;
import qmig.viommu.vtd.FaultReason;
import qmig.viommu.vtd.IntelIommu;
import qmig.viommu.vtd.VtdConfig;
import qmig.viommu.vtd.state.IntelIommuState;

class InterruptRemapperTest {

    static final long IRT = 0x200000;

    /** IRTE low: P, DM logical, RH, TM level, DLM 1, vector, DST; high: SVT/SQ/SID. */
    static void irte(SparseDmaMemory m, int index, long low, long high) {
        m.writeLongLE(IRT + index * 16L, low);
        m.writeLongLE(IRT + index * 16L + 8, high);
    }

    static long low(int vector, long dst, int dlm, int tm, int rh, int dm) {
        return 1 | (long) dm << 2 | (long) rh << 3 | (long) tm << 4 | (long) dlm << 5 | (long) vector << 16 | dst << 32;
    }

    static SparseDmaMemory mem() {
        SparseDmaMemory m = SparseDmaMemory.withRam(16L << 20);
        irte(m, 0, low(0x31, 0x0300, 1, 1, 1, 1), 0);                     // xAPIC id 3 in DST[15:8]
        irte(m, 5, low(0x42, 0x12345678L, 0, 0, 0, 0), 1L << 18 | 0x0008); // SVT=1 SQ=0 SID 00:01.0
        irte(m, 6, low(0x43, 0, 0, 0, 0, 0), 2L << 18 | 0x0402);           // SVT=2 buses 2..4
        irte(m, 7, low(0x44, 0, 0, 0, 0, 0) | 0x1000, 0);                 // rsvd0 set
        irte(m, 8, low(0x45, 0, 0, 0, 0, 0), 3L << 18);                    // SVT=3
        irte(m, 9, low(0x46, 0, 0, 0, 0, 0), 1L << 18 | 3L << 16 | 0x000f); // SQ=3 ignores bits 1..3
        return m;
    }

    /** Remappable MSI address for {@code handle}, with SHV. */
    static long addr(int handle, boolean shv) {
        return 0xfee00000L | (long) (handle & 0x7fff) << 5 | 0x10 | (shv ? 0x8 : 0) | (long) (handle >>> 15) << 2 | 1;
    }

    @Test
    void remapsAnMsiThroughTheTable() {
        InterruptRemapper ir = new InterruptRemapper(mem(), IRT, 16, true, false);
        IrResult.Remapped r = assertInstanceOf(IrResult.Remapped.class, ir.remapMsi(new MsiMessage(addr(0, false), 0), 0xffff));
        assertEquals(3, r.destination());
        // 0xfee | dest 3 <<12 | RH | DM | preserved bit 0
        assertEquals(0xfee00000L | 3 << 12 | 1 << 3 | 1 << 2 | 1, r.message().address());
        assertEquals(0x31 | 1 << 8 | 1 << 14 | 1 << 15, r.message().data());
        // x2APIC mode takes the whole DST
        InterruptRemapper x2 = new InterruptRemapper(mem(), IRT, 16, true, true);
        IrResult.Remapped r2 = assertInstanceOf(IrResult.Remapped.class,
                x2.remapMsi(new MsiMessage(addr(5, false), 0), 0x0008));
        assertEquals(0x12345678L, r2.destination());
        assertEquals(0x12345600L, r2.message().address() >>> 32);
        // SHV adds the subhandle from data
        assertEquals(0x42, ((IrResult.Remapped) x2.remapMsi(new MsiMessage(addr(3, true), 2), 0x0008)).message().data() & 0xff);
        assertEquals(FaultReason.IR_REQ_RSVD,
                ((IrResult.Fault) x2.remapMsi(new MsiMessage(addr(3, true), 0x10002), 0x0008)).reason());
    }

    @Test
    void faultsAsQemu() {
        InterruptRemapper ir = new InterruptRemapper(mem(), IRT, 16, true, false);
        assertEquals(FaultReason.IR_INDEX_OVER, fault(ir.irte(16, 0xffff)));
        assertEquals(FaultReason.IR_ENTRY_P, fault(ir.irte(1, 0xffff)));
        assertEquals(FaultReason.IR_IRTE_RSVD, fault(ir.irte(7, 0xffff)));
        assertEquals(FaultReason.IR_SID_ERR, fault(ir.irte(5, 0x0010)));
        assertInstanceOf(IrResult.Entry.class, ir.irte(5, 0xffff));        // no SID: no check
        assertInstanceOf(IrResult.Entry.class, ir.irte(6, 0x0300));
        assertEquals(FaultReason.IR_SID_ERR, fault(ir.irte(6, 0x0500)));
        assertEquals(FaultReason.IR_SID_ERR, fault(ir.irte(8, 0x0000)));
        assertInstanceOf(IrResult.Entry.class, ir.irte(9, 0x0009));        // 0x000f vs 0x0009 under mask 0xfff8
        assertEquals(FaultReason.IR_SID_ERR, fault(ir.irte(9, 0x0001)));
        assertEquals(FaultReason.IR_REQ_RSVD, fault(ir.remapMsi(new MsiMessage(1L << 32 | addr(0, false), 0), 0)));
        assertEquals(FaultReason.IR_REQ_RSVD, fault(ir.remapMsi(new MsiMessage(0xfed00010L, 0), 0)));
        MsiMessage compat = new MsiMessage(0xfee01000L, 0x4041);
        assertSame(compat, ((IrResult.Remapped) ir.remapMsi(compat, 0)).message());
        InterruptRemapper off = new InterruptRemapper(mem(), IRT, 16, false, false);
        assertNull(((IrResult.Remapped) off.remapMsi(new MsiMessage(addr(0, false), 0), 0)).irte());
        assertEquals(6, ir.presentEntries().size(), "entries 0, 5, 6, 7, 8, 9");
    }

    static FaultReason fault(IrResult r) {
        return assertInstanceOf(IrResult.Fault.class, r).reason();
    }

    @Test
    void linuxCaptureRemapsItsOwnEntries() throws Exception {
        IntelIommu.registerDescriptions();
        LoadedCapture c = LoadedCapture.read(Captures.Q35_LINUX_VIOMMU.bytes());
        IntelIommuState s = IntelIommuState.find(c.stream());
        IntelIommu i = new IntelIommu(s, VtdConfig.inferFrom(s.csr()), c.memory());
        InterruptRemapper ir = i.interrupts();
        assertEquals(9, ir.presentEntries().size());
        for (Irte e : ir.presentEntries()) {
            IrResult r = ir.remapMsi(new MsiMessage(addr(e.index(), false), 0), e.sourceId());
            assertEquals(e.vector(), assertInstanceOf(IrResult.Remapped.class, r).message().data() & 0xff);
        }
    }

    @Test
    void irOnlyCaptureHasNoDmaTranslationButInterruptRemappingStillWorks() throws Exception {
        IntelIommu.registerDescriptions();
        LoadedCapture c = LoadedCapture.read(Captures.Q35_VIOMMU_IR_ONLY.bytes());
        IntelIommuState s = IntelIommuState.find(c.stream());
        VtdConfig cfg = VtdConfig.inferFrom(s.csr());
        assertEquals(false, cfg.dmaTranslation());
        assertEquals(true, cfg.intremap());
        assertEquals(0, s.csr().capSagaw());
        IntelIommu i = new IntelIommu(s, cfg, c.memory());
        assertEquals(false, i.dmarEnabled());
        assertEquals(0, i.scanContexts().size());
        // the guest never ran: remapping is off, so messages pass; a table set up as a guest would
        // (same state with intr_enabled) remaps with DMA translation still off
        SparseDmaMemory m = mem();
        IntelIommuState on = new IntelIommuState(0, IRT, 0, 16, 0, 0, 0, 0, s.csr(), 0, 0, false, false, true, false);
        IntelIommu irOnly = new IntelIommu(on, cfg, m);
        assertInstanceOf(IrResult.Remapped.class, irOnly.interrupts().remapMsi(new MsiMessage(addr(0, false), 0), 0));
        assertEquals(false, irOnly.dmarEnabled());
    }
}
