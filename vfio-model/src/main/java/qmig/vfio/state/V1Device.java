package qmig.vfio.state;

import java.util.ArrayList;
import java.util.List;

/**
 * A protocol-v1 device as QEMU 7.2 drives it: starts RUNNING (realize does not write the
 * register), every event is a read-modify-write {@code (old & mask) | value}, and a result that
 * is not valid is refused before it is written. The states written are recorded.
 */
public final class V1Device {

    /** One write: the event and the state before and after. */
    public record Step(V1Event event, V1State from, V1State to) {
    }

    private final String name;
    private V1State state = V1State.RUNNING_STATE;
    private final List<Step> history = new ArrayList<>();

    public V1Device(String name) {
        this.name = name;
    }

    public V1State state() {
        return state;
    }

    /**
     * Applies one event.
     *
     * @throws IllegalTransitionException when the result is not a valid v1 state (unchanged)
     */
    public V1State apply(V1Event e) throws IllegalTransitionException {
        V1State next = state.apply(e.mask(), e.value());
        if (!next.valid()) {
            throw new IllegalTransitionException(name, state.toString(), next.toString(),
                    e + " gives an invalid device_state");
        }
        history.add(new Step(e, state, next));
        state = next;
        return next;
    }

    /** The device reported an error while executing a write: it shows the error state. */
    public void fail() {
        state = V1State.ERROR;
    }

    public List<Step> history() {
        return List.copyOf(history);
    }

    /** States visited, starting with RUNNING. */
    public List<V1State> sequence() {
        List<V1State> out = new ArrayList<>();
        out.add(V1State.RUNNING_STATE);
        history.forEach(s -> out.add(s.to()));
        return out;
    }
}
