package qmig.vfio.section;

/**
 * {@code VFIO_MIG_FLAG_*}: 64-bit markers, high 32 bits all ones, then 0xef10, then a 16-bit code.
 * A closed set: {@link #fromWire} rejects every other value.
 */
public enum VfioMigFlag {
    END_OF_STATE(0xffffffffef100001L, "7.2"),
    DEV_CONFIG_STATE(0xffffffffef100002L, "7.2"),
    DEV_SETUP_STATE(0xffffffffef100003L, "7.2"),
    DEV_DATA_STATE(0xffffffffef100004L, "7.2"),
    /** Initial pre-copy data all sent (switchover-ack), in place of END at the end of a PART. */
    DEV_INIT_DATA_SENT(0xffffffffef100005L, "8.1"),
    /** Multifd transfer: config arrives via multifd, load it now. */
    DEV_CONFIG_LOAD_READY(0xffffffffef100006L, "10.1");

    private static final long PREFIX = 0xffffffffef100000L;

    private final long wire;
    private final String since;

    VfioMigFlag(long wire, String since) {
        this.wire = wire;
        this.since = since;
    }

    static {
        java.util.Set<Long> seen = new java.util.HashSet<>();
        for (VfioMigFlag f : values()) {
            if (!seen.add(f.wire)) {
                throw new ExceptionInInitializerError("duplicate VFIO_MIG_FLAG " + Long.toHexString(f.wire));
            }
        }
    }

    public long wire() {
        return wire;
    }

    /** The first QEMU release that writes it. */
    public String since() {
        return since;
    }

    /** The flag for a wire value, or null when the value is not one. */
    public static VfioMigFlag fromWire(long v) {
        if ((v & ~0xffffL) != PREFIX) {
            return null;
        }
        int code = (int) (v & 0xffff);
        VfioMigFlag[] all = values();
        return code >= 1 && code <= all.length ? all[code - 1] : null;
    }
}
