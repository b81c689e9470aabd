package qmig.stream.ram;

import java.util.StringJoiner;

/**
 * The {@code RAM_SAVE_FLAG_*} bits of a ram record header (QEMU 7.2 {@code migration/ram.c};
 * [8.1] adds {@code MULTIFD_FLUSH}). They live in the low 12 bits of the header's be64, below
 * the x86 target page size; the rest of the be64 is the page offset. See {@code spec/ram.md} §2.1.
 */
public enum RamSaveFlag {
    /** Obsolete since 2009, never written; the loader does not know it. */
    FULL(0x001),
    ZERO(0x002),
    MEM_SIZE(0x004),
    PAGE(0x008),
    EOS(0x010),
    /** Modifier: the page belongs to the channel's last block, the idstr is omitted. */
    CONTINUE(0x020),
    XBZRLE(0x040),
    /** RDMA transport control; a byte stream cannot carry it. */
    HOOK(0x080),
    /** Capability {@code compress}; removed in 9.1. */
    COMPRESS_PAGE(0x100),
    /** [8.1] multifd sync point when {@code multifd-flush-after-each-section} is off. */
    MULTIFD_FLUSH(0x200);

    /** x86 {@code TARGET_PAGE_SIZE}: the page size of every ram record. */
    public static final int TARGET_PAGE_SIZE = 4096;

    /** {@code ~TARGET_PAGE_MASK}: the header bits that hold flags. */
    public static final long FLAG_MASK = TARGET_PAGE_SIZE - 1;

    /** Record kind for {@code flags & ~CONTINUE}, indexed by that value; null where the loader fails. */
    private static final RamSaveFlag[] KINDS = new RamSaveFlag[TARGET_PAGE_SIZE];

    static {
        for (RamSaveFlag f : new RamSaveFlag[] {MEM_SIZE, ZERO, PAGE, XBZRLE, COMPRESS_PAGE, EOS, MULTIFD_FLUSH}) {
            if (KINDS[f.value] != null) {
                throw new AssertionError("duplicate flag " + f);
            }
            KINDS[f.value] = f;
        }
    }

    private final int value;

    RamSaveFlag(int value) {
        this.value = value;
    }

    /** The bit on the wire. */
    public int value() {
        return value;
    }

    public boolean isSet(int flags) {
        return (flags & value) != 0;
    }

    /**
     * The record kind the loader dispatches to for these flags ({@code flags & ~CONTINUE} must be
     * exactly one of MEM_SIZE, ZERO, PAGE, XBZRLE, COMPRESS_PAGE, EOS, MULTIFD_FLUSH), or null for
     * "Unknown combination of migration flags" (or a HOOK record).
     */
    public static RamSaveFlag recordKind(int flags) {
        return KINDS[flags & (int) FLAG_MASK & ~CONTINUE.value];
    }

    /** {@code ZERO|CONTINUE}, {@code 0x400} for bits without a name. */
    public static String describe(int flags) {
        StringJoiner sj = new StringJoiner("|");
        int rest = flags;
        for (RamSaveFlag f : values()) {
            if (f.isSet(flags)) {
                sj.add(f.name());
                rest &= ~f.value;
            }
        }
        if (rest != 0 || flags == 0) {
            sj.add("0x" + Integer.toHexString(rest));
        }
        return sj.toString();
    }
}
