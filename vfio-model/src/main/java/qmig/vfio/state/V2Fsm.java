package qmig.vfio.state;

/**
 * The kernel's next-hop table for protocol v2 (vfio.md §5.2, {@code vfio_mig_get_next_state} in
 * {@code drivers/vfio/vfio_main.c}): row = current state, column = requested state, cell = the
 * single arc to take next. When the hop needs a feature the device lacks, the table is applied
 * again from that hop. A result of ERROR means the request is refused (-EINVAL).
 */
public final class V2Fsm {

    private static final V2State E = V2State.ERROR;
    private static final V2State S = V2State.STOP;
    private static final V2State R = V2State.RUNNING;
    private static final V2State SC = V2State.STOP_COPY;
    private static final V2State RS = V2State.RESUMING;
    private static final V2State RP = V2State.RUNNING_P2P;
    private static final V2State PC = V2State.PRE_COPY;
    private static final V2State PP = V2State.PRE_COPY_P2P;

    /** Indexed by state value; columns in value order ERROR, STOP, RUNNING, STOP_COPY, RESUMING, RUNNING_P2P, PRE_COPY, PRE_COPY_P2P. */
    private static final V2State[][] TABLE = {
        /* ERROR        */ {E, E, E, E, E, E, E, E},
        /* STOP         */ {E, S, RP, SC, RS, RP, RP, RP},
        /* RUNNING      */ {E, RP, R, RP, RP, RP, PC, RP},
        /* STOP_COPY    */ {E, S, S, SC, S, S, E, E},
        /* RESUMING     */ {E, S, S, S, RS, S, S, S},
        /* RUNNING_P2P  */ {E, S, R, S, S, RP, R, PP},
        /* PRE_COPY     */ {E, R, R, PP, R, R, PC, PP},
        /* PRE_COPY_P2P */ {E, RP, RP, SC, RP, RP, PC, PP},
    };

    private V2Fsm() {
    }

    /** The raw table cell, before feature fallback. */
    public static V2State cell(V2State current, V2State requested) {
        return TABLE[current.value()][requested.value()];
    }

    /**
     * The next arc from {@code current} towards {@code requested} for a device with
     * {@code migrationFlags}; ERROR when the kernel refuses. Requesting a state the device does not
     * support is refused too.
     */
    public static V2State nextHop(V2State current, V2State requested, long migrationFlags) {
        if (requested == V2State.ERROR || !requested.supportedBy(migrationFlags)) {
            return V2State.ERROR;
        }
        V2State next = cell(current, requested);
        while (!next.supportedBy(migrationFlags)) {
            next = cell(next, requested);
        }
        return next;
    }
}
