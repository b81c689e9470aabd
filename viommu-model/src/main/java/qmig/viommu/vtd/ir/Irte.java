package qmig.viommu.vtd.ir;

/**
 * An interrupt-remapping table entry (16 bytes, little-endian):
 * <pre>
 * low:  63..32 DST | 31..24 rsvd1 | 23..16 vector | 15 IM | 14..12 rsvd0 | 11..8 avail
 *       | 7..5 DLM | 4 TM | 3 RH | 2 DM | 1 FPD | 0 P
 * high: 63..20 rsvd2 | 19..18 SVT | 17..16 SQ | 15..0 SID
 * </pre>
 *
 * @param index the entry's index in the table
 * @param low   low 64 bits
 * @param high  high 64 bits
 */
public record Irte(int index, long low, long high) {

    public boolean present() {
        return (low & 1) != 0;
    }

    public boolean faultDisable() {
        return (low & 2) != 0;
    }

    /** DM: 1 = logical destination. */
    public int destMode() {
        return (int) ((low >>> 2) & 1);
    }

    public int redirHint() {
        return (int) ((low >>> 3) & 1);
    }

    /** TM: 1 = level. */
    public int triggerMode() {
        return (int) ((low >>> 4) & 1);
    }

    public int deliveryMode() {
        return (int) ((low >>> 5) & 7);
    }

    public int avail() {
        return (int) ((low >>> 8) & 0xf);
    }

    /** IM: posted format (not interpreted by QEMU 7.2). */
    public boolean posted() {
        return (low & (1L << 15)) != 0;
    }

    public int vector() {
        return (int) ((low >>> 16) & 0xff);
    }

    /** DST, 32 bits. */
    public long destId() {
        return low >>> 32;
    }

    public int sourceId() {
        return (int) (high & 0xffff);
    }

    public int sourceQualifier() {
        return (int) ((high >>> 16) & 3);
    }

    public int sourceValidationType() {
        return (int) ((high >>> 18) & 3);
    }

    /** rsvd0 (14:12), rsvd1 (31:24) or rsvd2 (high 63:20) non-zero. */
    public boolean reservedSet() {
        return (low & 0x7000L) != 0 || (low & 0xff000000L) != 0 || (high >>> 20) != 0;
    }

    /** The destination QEMU uses: DST with EIME, else the xAPIC id in DST bits 15:8. */
    public long destination(boolean eime) {
        return eime ? destId() : (destId() & 0xff00) >>> 8;
    }

    @Override
    public String toString() {
        return String.format("IRTE[%d: %s vector 0x%02x dst 0x%x dm %d dlm %d tm %d rh %d svt %d sq %d sid %04x%s]",
                index, present() ? "P" : "-", vector(), destId(), destMode(), deliveryMode(), triggerMode(),
                redirHint(), sourceValidationType(), sourceQualifier(), sourceId(), posted() ? " posted" : "");
    }
}
