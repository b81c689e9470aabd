package qmig.viommu.vtd;

/**
 * The fault reasons of QEMU 7.2's {@code VTDFaultReason} (hw/i386/intel_iommu_internal.h), with
 * their wire value (FRCD bits 39:32).
 */
public enum FaultReason {
    ROOT_ENTRY_P(0x1),
    CONTEXT_ENTRY_P(0x2),
    CONTEXT_ENTRY_INV(0x3),
    ADDR_BEYOND_MGAW(0x4),
    WRITE(0x5),
    READ(0x6),
    PAGING_ENTRY_INV(0x7),
    ROOT_TABLE_INV(0x8),
    CONTEXT_TABLE_INV(0x9),
    ROOT_ENTRY_RSVD(0xa),
    CONTEXT_ENTRY_RSVD(0xb),
    PAGING_ENTRY_RSVD(0xc),
    CONTEXT_ENTRY_TT(0xd),
    INTERRUPT_ADDR(0xe),
    IR_REQ_RSVD(0x20),
    IR_INDEX_OVER(0x21),
    IR_ENTRY_P(0x22),
    IR_ROOT_INVAL(0x23),
    IR_IRTE_RSVD(0x24),
    IR_REQ_COMPAT(0x25),
    IR_SID_ERR(0x26),
    PASID_TABLE_INV(0x58),
    SM_INTERRUPT_ADDR(0x87);

    private static final FaultReason[] BY_CODE = new FaultReason[256];

    static {
        for (FaultReason f : values()) {
            if (BY_CODE[f.code] != null) {
                throw new ExceptionInInitializerError("duplicate fault code 0x" + Integer.toHexString(f.code));
            }
            BY_CODE[f.code] = f;
        }
    }

    private final int code;

    FaultReason(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The reason with that code. */
    public static FaultReason fromCode(int code) {
        FaultReason f = code >= 0 && code < 256 ? BY_CODE[code] : null;
        if (f == null) {
            throw new IllegalArgumentException("unknown VT-d fault reason 0x" + Integer.toHexString(code));
        }
        return f;
    }

    /** True for the "not present" results that QEMU does not treat as errors. */
    public boolean notPresent() {
        return this == ROOT_ENTRY_P || this == CONTEXT_ENTRY_P;
    }

    @Override
    public String toString() {
        return name() + "(0x" + Integer.toHexString(code) + ")";
    }
}
