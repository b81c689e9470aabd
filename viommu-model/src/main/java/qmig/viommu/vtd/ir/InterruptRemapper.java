package qmig.viommu.vtd.ir;

import java.util.ArrayList;
import java.util.List;
import qmig.viommu.DmaMemory;
import qmig.viommu.DmaReadException;
import qmig.viommu.vtd.FaultReason;
import qmig.viommu.vtd.state.IntelIommuState;

/**
 * Interrupt remapping over the migrated {@code intr_root}, {@code intr_size},
 * {@code intr_enabled} and {@code intr_eime} (not IRTA: SIRTP latched these and the stream carries
 * them). Works the same whether DMA translation is on or off ({@code dma-translation=off}).
 */
public final class InterruptRemapper {

    /** {@code X86_IOMMU_SID_INVALID}: a request without a source id. */
    public static final int SID_INVALID = 0xffff;
    private static final int[] SQ_MASK = {0xffff, 0xfffb, 0xfff9, 0xfff8};

    private final DmaMemory mem;
    private final long root;
    private final long size;
    private final boolean enabled;
    private final boolean eime;

    public InterruptRemapper(DmaMemory mem, IntelIommuState s) {
        this(mem, s.intrRoot(), s.intrSize(), s.intrEnabled(), s.intrEime());
    }

    public InterruptRemapper(DmaMemory mem, long root, long size, boolean enabled, boolean eime) {
        this.mem = mem;
        this.root = root;
        this.size = size;
        this.enabled = enabled;
        this.eime = eime;
    }

    public boolean enabled() {
        return enabled;
    }

    /**
     * {@code vtd_irte_get(index, sid)}: index bound (0x21), read (0x23), present (0x22), reserved
     * bits (0x24), then source-id validation (0x26) when {@code sid != SID_INVALID}.
     */
    public IrResult irte(int index, int sid) {
        if ((index & 0xffffffffL) >= size) {
            return new IrResult.Fault(FaultReason.IR_INDEX_OVER, "index " + index + " >= table size " + size);
        }
        long at = root + index * 16L;
        Irte e;
        try {
            e = new Irte(index, mem.readLongLE(at), mem.readLongLE(at + 8));
        } catch (DmaReadException x) {
            return new IrResult.Fault(FaultReason.IR_ROOT_INVAL, "IRTE " + index + ": " + x.getMessage());
        }
        if (!e.present()) {
            return new IrResult.Fault(FaultReason.IR_ENTRY_P, "IRTE " + index + " not present");
        }
        if (e.reservedSet()) {
            return new IrResult.Fault(FaultReason.IR_IRTE_RSVD, String.format("IRTE %d has reserved bits: 0x%x 0x%x",
                    index, e.high(), e.low()));
        }
        if (sid != SID_INVALID) {
            int src = e.sourceId();
            switch (e.sourceValidationType()) {
                case 0:
                    break;
                case 1: {
                    int m = SQ_MASK[e.sourceQualifier()];
                    if ((src & m) != (sid & m)) {
                        return new IrResult.Fault(FaultReason.IR_SID_ERR, String.format(
                                "IRTE %d: source id %04x does not match %04x (mask %04x)", index, sid, src, m));
                    }
                    break;
                }
                case 2: {
                    int busMax = src >>> 8;
                    int busMin = src & 0xff;
                    int bus = (sid >>> 8) & 0xff;
                    if (bus > busMax || bus < busMin) {
                        return new IrResult.Fault(FaultReason.IR_SID_ERR, String.format(
                                "IRTE %d: bus %02x outside %02x..%02x", index, bus, busMin, busMax));
                    }
                    break;
                }
                default:
                    return new IrResult.Fault(FaultReason.IR_SID_ERR, "IRTE " + index + ": source validation type 3");
            }
        }
        return new IrResult.Entry(e);
    }

    /**
     * {@code vtd_interrupt_remap_msi}: messages pass unchanged when remapping is off or in
     * compatibility format; a remappable message is looked up by handle (+ subhandle with SHV)
     * and rebuilt as a standard x86 MSI.
     */
    public IrResult remapMsi(MsiMessage msg, int sid) {
        if (!enabled) {
            return new IrResult.Remapped(msg, null, -1);
        }
        if ((msg.address() >>> 32) != 0) {
            return new IrResult.Fault(FaultReason.IR_REQ_RSVD, String.format("MSI address high bits set: 0x%x",
                    msg.address()));
        }
        long a = msg.address() & 0xffffffffL;
        if ((a >>> 20) != 0xfee) {
            return new IrResult.Fault(FaultReason.IR_REQ_RSVD, String.format("MSI address 0x%x is not 0xFEExxxxx", a));
        }
        if ((a & 0x10) == 0) {
            return new IrResult.Remapped(msg, null, -1);
        }
        // handle[14:0] in bits 19:5, handle[15] in bit 2; QEMU's index is 16 bits wide
        int index = (int) ((((a >>> 2) & 1) << 15) | ((a >>> 5) & 0x7fff));
        boolean shv = (a & 0x8) != 0;
        if (shv) {
            index = (index + (msg.data() & 0xffff)) & 0xffff;
        }
        IrResult r = irte(index, sid);
        if (!(r instanceof IrResult.Entry en)) {
            return r;
        }
        if (shv && (msg.data() & 0xffff0000) != 0) {
            return new IrResult.Fault(FaultReason.IR_REQ_RSVD, String.format("MSI data 0x%x has bits 31:16 set"
                    + " with SHV", msg.data()));
        }
        Irte e = en.irte();
        long dest = e.destination(eime);
        long addr = (a & 3) | ((long) e.destMode() << 2) | ((long) e.redirHint() << 3) | ((dest & 0xff) << 12)
                | (0xfeeL << 20) | ((dest & 0xffffff00L) << 32);
        int data = e.vector() | (e.deliveryMode() << 8) | (1 << 14) | (e.triggerMode() << 15);
        return new IrResult.Remapped(new MsiMessage(addr, data), e, dest);
    }

    /** The present entries of the table (at most 65536: QEMU's index is 16 bits). */
    public List<Irte> presentEntries() {
        List<Irte> out = new ArrayList<>();
        long n = Math.min(size, 65536);
        for (int i = 0; i < n; i++) {
            long at = root + i * 16L;
            try {
                Irte e = new Irte(i, mem.readLongLE(at), mem.readLongLE(at + 8));
                if (e.present()) {
                    out.add(e);
                }
            } catch (DmaReadException x) {
                // not RAM: QEMU faults with IR_ROOT_INVAL on use; nothing to list
            }
        }
        return out;
    }
}
