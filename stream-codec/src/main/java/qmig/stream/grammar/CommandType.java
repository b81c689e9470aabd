package qmig.stream.grammar;

/**
 * The 0x08 commands of QEMU 7.2 ({@code enum qemu_vm_cmd}, savevm.c) with the payload length
 * the loader insists on; -1 means variable. See spec/stream.md §7.1.
 */
public enum CommandType {
    OPEN_RETURN_PATH(1, 0),
    PING(2, 4),
    POSTCOPY_ADVISE(3, -1),
    POSTCOPY_LISTEN(4, 0),
    POSTCOPY_RUN(5, 0),
    POSTCOPY_RAM_DISCARD(6, -1),
    PACKAGED(7, 4),
    ENABLE_COLO(8, 0),
    POSTCOPY_RESUME(9, 0),
    RECV_BITMAP(10, -1);

    /** The first value 7.2 rejects ({@code MIG_CMD_MAX}); 10.0's SWITCHOVER_START is this value. */
    public static final int MAX_7_2 = 11;

    private static final CommandType[] BY_CODE = new CommandType[MAX_7_2];

    static {
        for (CommandType t : values()) {
            if (BY_CODE[t.code] != null) {
                throw new AssertionError("duplicate command " + t.code);
            }
            BY_CODE[t.code] = t;
        }
    }

    private final int code;
    private final int fixedLength;

    CommandType(int code, int fixedLength) {
        this.code = code;
        this.fixedLength = fixedLength;
    }

    public int code() {
        return code;
    }

    /** The required payload length, or -1 when the command's length varies. */
    public int fixedLength() {
        return fixedLength;
    }

    /** The command for a wire value, or null when 7.2 does not know it. */
    public static CommandType fromCode(int code) {
        return code > 0 && code < MAX_7_2 ? BY_CODE[code] : null;
    }
}
