package qmig.vfio.state;

/**
 * {@code enum vfio_device_mig_state} (Linux uAPI, protocol v2) with its wire value and the
 * {@code VFIO_MIGRATION_*} feature flags a device must report to use the state.
 */
public enum V2State {
    ERROR(0, 0),
    STOP(1, V2State.STOP_COPY_FLAG),
    RUNNING(2, 0),
    STOP_COPY(3, V2State.STOP_COPY_FLAG),
    RESUMING(4, V2State.STOP_COPY_FLAG),
    RUNNING_P2P(5, V2State.P2P_FLAG),
    PRE_COPY(6, V2State.PRE_COPY_FLAG),
    PRE_COPY_P2P(7, V2State.PRE_COPY_FLAG | V2State.P2P_FLAG);

    /** {@code VFIO_MIGRATION_STOP_COPY}: mandatory for every migratable device. */
    public static final long STOP_COPY_FLAG = 1L;
    /** {@code VFIO_MIGRATION_P2P}. */
    public static final long P2P_FLAG = 1L << 1;
    /** {@code VFIO_MIGRATION_PRE_COPY}. */
    public static final long PRE_COPY_FLAG = 1L << 2;

    private static final V2State[] BY_VALUE = new V2State[8];

    static {
        for (V2State s : values()) {
            if (BY_VALUE[s.value] != null) {
                throw new ExceptionInInitializerError("duplicate state value " + s.value);
            }
            BY_VALUE[s.value] = s;
        }
    }

    private final int value;
    private final long needs;

    V2State(int value, long needs) {
        this.value = value;
        this.needs = needs;
    }

    public int value() {
        return value;
    }

    /** The feature flags this state needs. */
    public long needs() {
        return needs;
    }

    public boolean supportedBy(long migrationFlags) {
        return (needs & migrationFlags) == needs;
    }

    /** The states that share one data fd: PRE_COPY, PRE_COPY_P2P, STOP_COPY. */
    public boolean savingGroup() {
        return this == PRE_COPY || this == PRE_COPY_P2P || this == STOP_COPY;
    }

    /** The state for a wire value; unknown values are rejected. */
    public static V2State fromValue(int v) {
        if (v < 0 || v >= BY_VALUE.length) {
            throw new IllegalArgumentException("unknown VFIO device state " + v);
        }
        return BY_VALUE[v];
    }
}
