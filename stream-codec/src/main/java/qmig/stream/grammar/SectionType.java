package qmig.stream.grammar;

/** The record type bytes of the main loop ({@code QEMU_VM_*} in savevm.h, 7.2). */
public enum SectionType {
    EOF(0x00),
    SECTION_START(0x01),
    SECTION_PART(0x02),
    SECTION_END(0x03),
    SECTION_FULL(0x04),
    SUBSECTION(0x05),
    VMDESCRIPTION(0x06),
    CONFIGURATION(0x07),
    COMMAND(0x08),
    SECTION_FOOTER(0x7e);

    private static final SectionType[] BY_CODE = new SectionType[256];

    static {
        for (SectionType t : values()) {
            if (BY_CODE[t.code] != null) {
                throw new AssertionError("duplicate section type 0x" + Integer.toHexString(t.code));
            }
            BY_CODE[t.code] = t;
        }
    }

    private final int code;

    SectionType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The type for a wire byte, or null for a byte that is no record type. */
    public static SectionType fromCode(int code) {
        return code >= 0 && code < 256 ? BY_CODE[code] : null;
    }
}
