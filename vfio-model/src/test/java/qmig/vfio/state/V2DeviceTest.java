package qmig.vfio.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class V2DeviceTest {

    static final long BASIC = V2State.STOP_COPY_FLAG;
    static final long PRECOPY = V2State.STOP_COPY_FLAG | V2State.PRE_COPY_FLAG;
    static final long ALL = PRECOPY | V2State.P2P_FLAG;

    @Test
    void withoutP2pRunningAndStopAreDirectArcs() throws Exception {
        V2Device d = new V2Device("d", BASIC);
        assertEquals(List.of(new V2Device.Arc(V2State.RUNNING, V2State.STOP)), d.request(V2State.STOP));
        assertEquals(List.of(new V2Device.Arc(V2State.STOP, V2State.RUNNING)), d.request(V2State.RUNNING));
    }

    @Test
    void withP2pRunningToStopPassesRunningP2p() throws Exception {
        V2Device d = new V2Device("d", ALL);
        assertEquals("[RUNNING->RUNNING_P2P, RUNNING_P2P->STOP]", d.request(V2State.STOP).toString());
    }

    @Test
    void qemu80SourceSequence() throws Exception {
        // realize RUNNING; VM stop ->STOP; save_complete ->STOP_COPY, drain, ->STOP
        V2Device d = new V2Device("0000:01:00.0", BASIC);
        d.request(V2State.STOP);
        d.request(V2State.STOP_COPY);
        d.request(V2State.STOP);
        assertEquals(List.of(V2State.RUNNING, V2State.STOP, V2State.STOP_COPY, V2State.STOP), d.sequence());
    }

    @Test
    void qemu82SourceSequenceWithPreCopyAndP2p() throws Exception {
        // save_setup ->PRE_COPY; prepare ->PRE_COPY_P2P; VM stop ->STOP_COPY; cleanup ->STOP
        V2Device d = new V2Device("0000:01:00.0", ALL);
        assertTrue(d.request(V2State.PRE_COPY).get(0).opensSession());
        d.request(V2State.PRE_COPY_P2P);
        List<V2Device.Arc> toStopCopy = d.request(V2State.STOP_COPY);
        assertEquals(false, toStopCopy.get(0).opensSession()); // keeps the fd
        d.request(V2State.STOP);
        assertEquals(List.of(V2State.RUNNING, V2State.PRE_COPY, V2State.PRE_COPY_P2P, V2State.STOP_COPY,
                V2State.STOP), d.sequence());
    }

    @Test
    void destinationGoesToResumingViaStopAndStartsViaRunningP2p() throws Exception {
        V2Device d = new V2Device("0000:01:00.0", ALL);
        assertEquals("[RUNNING->RUNNING_P2P, RUNNING_P2P->STOP, STOP->RESUMING]", d.request(V2State.RESUMING).toString());
        assertEquals("[RESUMING->STOP, STOP->RUNNING_P2P, RUNNING_P2P->RUNNING]", d.request(V2State.RUNNING).toString());
    }

    @Test
    void unsupportedStatesAndErrorAreRefusedAndTheStateKept() throws Exception {
        V2Device d = new V2Device("d", BASIC);
        IllegalTransitionException e = assertThrows(IllegalTransitionException.class, () -> d.request(V2State.PRE_COPY));
        assertTrue(e.getMessage().contains("not supported"), e.getMessage());
        assertThrows(IllegalTransitionException.class, () -> d.request(V2State.RUNNING_P2P));
        assertThrows(IllegalTransitionException.class, () -> d.request(V2State.ERROR));
        assertEquals(V2State.RUNNING, d.state());
        assertTrue(d.history().isEmpty());
    }

    @Test
    void stopCopyCannotGoBackToPreCopy() throws Exception {
        V2Device d = new V2Device("d", ALL);
        d.request(V2State.PRE_COPY);
        d.request(V2State.STOP_COPY);
        IllegalTransitionException e = assertThrows(IllegalTransitionException.class, () -> d.request(V2State.PRE_COPY));
        assertEquals("STOP_COPY", e.from());
        assertEquals(V2State.STOP_COPY, d.state());
    }

    @Test
    void errorIsLeftOnlyByReset() throws Exception {
        V2Device d = new V2Device("d", ALL);
        d.fail();
        assertThrows(IllegalTransitionException.class, () -> d.request(V2State.RUNNING));
        d.reset();
        assertEquals(V2State.RUNNING, d.state());
        assertEquals(List.of(V2State.RUNNING, V2State.ERROR, V2State.RUNNING), d.sequence());
    }

    @Test
    void wireValuesAreClosed() {
        for (V2State s : V2State.values()) {
            assertEquals(s, V2State.fromValue(s.value()));
        }
        assertThrows(IllegalArgumentException.class, () -> V2State.fromValue(8));
        assertThrows(IllegalArgumentException.class, () -> new V2Device("d", V2State.P2P_FLAG));
    }
}
