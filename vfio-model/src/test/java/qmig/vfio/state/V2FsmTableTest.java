package qmig.vfio.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static qmig.vfio.state.V2State.ERROR;
import static qmig.vfio.state.V2State.PRE_COPY;
import static qmig.vfio.state.V2State.PRE_COPY_P2P;
import static qmig.vfio.state.V2State.RESUMING;
import static qmig.vfio.state.V2State.RUNNING;
import static qmig.vfio.state.V2State.RUNNING_P2P;
import static qmig.vfio.state.V2State.STOP;
import static qmig.vfio.state.V2State.STOP_COPY;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** One test per row of the next-hop table in vfio.md §5.2, with every feature supported. */
class V2FsmTableTest {

    static final long ALL = V2State.STOP_COPY_FLAG | V2State.P2P_FLAG | V2State.PRE_COPY_FLAG;
    /** Column order of the spec's table. */
    static final V2State[] COLUMNS = {STOP, RUNNING, STOP_COPY, RESUMING, RUNNING_P2P, PRE_COPY, PRE_COPY_P2P};

    static Stream<Arguments> rows() {
        return Stream.of(
                Arguments.of(STOP, List.of(STOP, RUNNING_P2P, STOP_COPY, RESUMING, RUNNING_P2P, RUNNING_P2P, RUNNING_P2P)),
                Arguments.of(RUNNING, List.of(RUNNING_P2P, RUNNING, RUNNING_P2P, RUNNING_P2P, RUNNING_P2P, PRE_COPY,
                        RUNNING_P2P)),
                Arguments.of(STOP_COPY, List.of(STOP, STOP, STOP_COPY, STOP, STOP, ERROR, ERROR)),
                Arguments.of(RESUMING, List.of(STOP, STOP, STOP, RESUMING, STOP, STOP, STOP)),
                Arguments.of(RUNNING_P2P, List.of(STOP, RUNNING, STOP, STOP, RUNNING_P2P, RUNNING, PRE_COPY_P2P)),
                Arguments.of(PRE_COPY, List.of(RUNNING, RUNNING, PRE_COPY_P2P, RUNNING, RUNNING, PRE_COPY, PRE_COPY_P2P)),
                Arguments.of(PRE_COPY_P2P, List.of(RUNNING_P2P, RUNNING_P2P, STOP_COPY, RUNNING_P2P, RUNNING_P2P,
                        PRE_COPY, PRE_COPY_P2P)),
                Arguments.of(ERROR, List.of(ERROR, ERROR, ERROR, ERROR, ERROR, ERROR, ERROR)));
    }

    @ParameterizedTest(name = "row {0}")
    @MethodSource("rows")
    void row(V2State current, List<V2State> expected) {
        for (int i = 0; i < COLUMNS.length; i++) {
            assertEquals(expected.get(i), V2Fsm.nextHop(current, COLUMNS[i], ALL), current + " -> " + COLUMNS[i]);
        }
    }

    /** Following the hops from each row reaches the target, or the device refuses (state kept). */
    @ParameterizedTest(name = "row {0} walked")
    @MethodSource("rows")
    void rowWalkedOnADevice(V2State current, List<V2State> expected) throws Exception {
        for (int i = 0; i < COLUMNS.length; i++) {
            V2Device d = reach(current);
            if (d == null) {
                return;
            }
            if (expected.get(i) == ERROR) {
                V2State target = COLUMNS[i];
                assertThrows(IllegalTransitionException.class, () -> d.request(target));
                assertEquals(current, d.state());
            } else {
                List<V2Device.Arc> arcs = d.request(COLUMNS[i]);
                assertEquals(COLUMNS[i], d.state());
                if (current != COLUMNS[i]) {
                    assertEquals(new V2Device.Arc(current, expected.get(i)), arcs.get(0));
                    // a combination never passes through a saving-group state, unless it stays
                    // inside the group (PRE_COPY -> PRE_COPY_P2P -> STOP_COPY keeps the fd)
                    boolean inGroup = current.savingGroup() && COLUMNS[i].savingGroup();
                    for (V2Device.Arc a : arcs) {
                        if (a.to() != COLUMNS[i] && !inGroup) {
                            assertEquals(false, a.to().savingGroup(), arcs.toString());
                        }
                    }
                }
            }
        }
    }

    private static V2Device reach(V2State s) throws Exception {
        V2Device d = new V2Device("0000:01:00.0", ALL);
        if (s == ERROR) {
            return null;
        }
        if (s == STOP_COPY) {
            d.request(PRE_COPY);
        }
        d.request(s);
        return d;
    }
}
