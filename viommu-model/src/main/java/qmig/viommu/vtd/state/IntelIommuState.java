package qmig.viommu.vtd.state;

import java.util.List;
import java.util.Objects;
import qmig.stream.grammar.MigrationStream;
import qmig.stream.grammar.StreamRecord;
import qmig.stream.grammar.VmStatePayload;
import qmig.stream.vmstate.Field;
import qmig.stream.vmstate.VmStateDescription;
import qmig.stream.vmstate.VmStateValue;

/**
 * The migrated state of QEMU's {@code intel-iommu}: loading is plain field assignment, so the
 * latched values ({@code root}, {@code intr_root}, {@code intr_size}, {@code intr_eime},
 * {@code iq}, the enable flags) are taken from their own fields even where {@code csr} says
 * otherwise (spec/intel-iommu.md §2).
 *
 * @param root            root-table GPA latched at SRTP (already masked)
 * @param intrRoot        interrupt-remapping table GPA latched at SIRTP
 * @param iq              invalidation-queue base GPA
 * @param intrSize        IRT entries, 2^(IRTA.S+1)
 * @param iqHead          queue head index
 * @param iqTail          queue tail index
 * @param iqSize          queue size in entries
 * @param nextFrcdReg     next fault-recording register index
 * @param csr             the register file image, {@link Registers#SIZE} bytes, little-endian registers
 * @param iqLastDescType  type of the last processed invalidation descriptor
 * @param unused          the retired {@code root_extended} byte, as read
 * @param dmarEnabled     DMA remapping on (GCMD.TE accepted)
 * @param qiEnabled       queued invalidation on
 * @param intrEnabled     interrupt remapping on
 * @param intrEime        x2APIC (32-bit destination) IRTE format latched at SIRTP
 */
public record IntelIommuState(long root, long intrRoot, long iq, long intrSize, int iqHead, int iqTail,
                              int iqSize, int nextFrcdReg, Registers csr, int iqLastDescType, int unused,
                              boolean dmarEnabled, boolean qiEnabled, boolean intrEnabled, boolean intrEime) {

    /** The section idstr and VMSD name. */
    public static final String NAME = "iommu-intel";

    /**
     * {@code iommu-intel} version 1 ({@code vtd_vmstate}), all integers big-endian:
     * <pre>
     * off  size field
     *   0  8    root                u64
     *   8  8    intr_root           u64
     *  16  8    iq                  u64
     *  24  4    intr_size           u32
     *  28  2    iq_head             u16
     *  30  2    iq_tail             u16
     *  32  2    iq_size             u16
     *  34  2    next_frcd_reg       u16
     *  36  560  csr[DMAR_REG_SIZE]  u8 array (little-endian register image)
     * 596  1    iq_last_desc_type   u8
     * 597  1    unused              retired root_extended
     * 598  1    dmar_enabled        bool
     * 599  1    qi_enabled          bool
     * 600  1    intr_enabled        bool
     * 601  1    intr_eime           bool
     * </pre>
     * No subsections.
     */
    public static final VmStateDescription VMSD = VmStateDescription.builder(NAME)
            .version(1).minimumVersion(1)
            .field(Field.uint64("root"))
            .field(Field.uint64("intr_root"))
            .field(Field.uint64("iq"))
            .field(Field.uint32("intr_size"))
            .field(Field.uint16("iq_head"))
            .field(Field.uint16("iq_tail"))
            .field(Field.uint16("iq_size"))
            .field(Field.uint16("next_frcd_reg"))
            .field(Field.uint8("csr").array(Registers.SIZE))
            .field(Field.uint8("iq_last_desc_type"))
            .field(Field.unused(1))
            .field(Field.bool("dmar_enabled"))
            .field(Field.bool("qi_enabled"))
            .field(Field.bool("intr_enabled"))
            .field(Field.bool("intr_eime"))
            .build();

    /** Wire size of the version-1 payload. */
    public static final int PAYLOAD_BYTES = 602;

    public IntelIommuState {
        Objects.requireNonNull(csr, "csr");
    }

    /** Decodes the section value (as decoded by {@link #VMSD} or an equivalent trailer layout). */
    public static IntelIommuState of(VmStateValue.Struct v) {
        return new IntelIommuState(
                v.longValue("root"), v.longValue("intr_root"), v.longValue("iq"), v.longValue("intr_size"),
                (int) v.longValue("iq_head"), (int) v.longValue("iq_tail"), (int) v.longValue("iq_size"),
                (int) v.longValue("next_frcd_reg"), new Registers(csrBytes(v.get("csr"))),
                (int) v.longValue("iq_last_desc_type"), unusedByte(v.get("unused")),
                v.longValue("dmar_enabled") != 0, v.longValue("qi_enabled") != 0,
                v.longValue("intr_enabled") != 0, v.longValue("intr_eime") != 0);
    }

    private static byte[] csrBytes(VmStateValue v) {
        if (v instanceof VmStateValue.Bytes b) {
            return b.data();
        }
        if (v instanceof VmStateValue.Array a) {
            List<VmStateValue> el = a.elements();
            byte[] out = new byte[el.size()];
            for (int i = 0; i < out.length; i++) {
                if (!(el.get(i) instanceof VmStateValue.Int n)) {
                    throw new IllegalArgumentException("csr[" + i + "] is not an integer: " + el.get(i));
                }
                out[i] = (byte) n.value();
            }
            return out;
        }
        throw new IllegalArgumentException("csr is neither a byte array nor a buffer: " + v);
    }

    private static int unusedByte(VmStateValue v) {
        if (v instanceof VmStateValue.Bytes b && b.length() == 1) {
            return b.data()[0] & 0xff;
        }
        return 0;
    }

    /** The decoded {@code iommu-intel} section of a stream, or null when there is none. */
    public static IntelIommuState find(MigrationStream s) {
        for (StreamRecord r : s.records()) {
            if (r instanceof StreamRecord.SectionFull f && f.header().idstr().equals(NAME)
                    && f.payload() instanceof VmStatePayload p) {
                return of(p.value());
            }
        }
        return null;
    }

    /** The payload record of the section, or null: for checking which description decoded it. */
    public static VmStatePayload payload(MigrationStream s) {
        for (StreamRecord r : s.records()) {
            if (r instanceof StreamRecord.SectionFull f && f.header().idstr().equals(NAME)
                    && f.payload() instanceof VmStatePayload p) {
                return p;
            }
        }
        return null;
    }
}
