package qmig.vfio.state;

import java.util.ArrayList;
import java.util.List;

/**
 * A protocol-v2 device's migration FSM: {@link #request} walks the next-hop table one arc at a
 * time (what the kernel does for a combination transition) and records every arc taken. The
 * device starts RUNNING (state after open/reset).
 */
public final class V2Device {

    /** One arc taken. */
    public record Arc(V2State from, V2State to) {
        /** True when the arc opens a new data session (a new data fd). */
        public boolean opensSession() {
            return to.savingGroup() && !from.savingGroup() || to == V2State.RESUMING;
        }

        @Override
        public String toString() {
            return from + "->" + to;
        }
    }

    private final String name;
    private final long flags;
    private V2State state = V2State.RUNNING;
    private final List<Arc> history = new ArrayList<>();

    /** @param migrationFlags the {@code VFIO_DEVICE_FEATURE_MIGRATION} flags; STOP_COPY is required */
    public V2Device(String name, long migrationFlags) {
        if ((migrationFlags & V2State.STOP_COPY_FLAG) == 0) {
            throw new IllegalArgumentException(name + ": VFIO_MIGRATION_STOP_COPY is mandatory");
        }
        this.name = name;
        this.flags = migrationFlags;
    }

    public V2State state() {
        return state;
    }

    public long flags() {
        return flags;
    }

    /**
     * {@code VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE} SET: reach {@code target} through the table.
     *
     * @return the arcs taken by this request (empty when already there)
     * @throws IllegalTransitionException when the table says ERROR (state unchanged)
     */
    public List<Arc> request(V2State target) throws IllegalTransitionException {
        if (state == V2State.ERROR) {
            throw new IllegalTransitionException(name, state.name(), target.name(),
                    "device is in ERROR; only VFIO_DEVICE_RESET leaves it");
        }
        if (target == V2State.ERROR || !target.supportedBy(flags)) {
            throw new IllegalTransitionException(name, state.name(), target.name(),
                    target == V2State.ERROR ? "ERROR cannot be requested" : "state not supported by the device");
        }
        List<V2State> path = new ArrayList<>();
        V2State cur = state;
        while (cur != target) {
            V2State next = V2Fsm.nextHop(cur, target, flags);
            if (next == V2State.ERROR) {
                throw new IllegalTransitionException(name, state.name(), target.name(),
                        "no arc from " + cur + " (-EINVAL)");
            }
            path.add(next);
            cur = next;
        }
        List<Arc> taken = new ArrayList<>();
        V2State from = state;
        for (V2State s : path) {
            taken.add(new Arc(from, s));
            from = s;
        }
        history.addAll(taken);
        state = target;
        return taken;
    }

    /** An arc failed in the driver: the device enters ERROR. */
    public void fail() {
        history.add(new Arc(state, V2State.ERROR));
        state = V2State.ERROR;
    }

    /** {@code VFIO_DEVICE_RESET}: back to RUNNING from any state. */
    public void reset() {
        history.add(new Arc(state, V2State.RUNNING));
        state = V2State.RUNNING;
    }

    /** Every arc taken so far, in order. */
    public List<Arc> history() {
        return List.copyOf(history);
    }

    /** The states visited, starting with RUNNING. */
    public List<V2State> sequence() {
        List<V2State> out = new ArrayList<>();
        out.add(V2State.RUNNING);
        for (Arc a : history) {
            out.add(a.to());
        }
        return out;
    }
}
