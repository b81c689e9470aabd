package qmig.vfio.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** QEMU 7.2's v1 writes (vfio.md §4.2), one test per row of the transition table. */
class V1DeviceTest {

    @Test
    void realizeAssumesRunning() {
        assertEquals(V1State.RUNNING_STATE, new V1Device("d").state());
    }

    @Test
    void saveSetupAddsSaving() throws Exception {
        V1Device d = new V1Device("d");
        assertEquals(new V1State(0x3), d.apply(V1Event.SAVE_SETUP));
    }

    @Test
    void vmStopDuringMigrationLeavesSaving() throws Exception {
        V1Device d = new V1Device("d");
        d.apply(V1Event.SAVE_SETUP);
        assertEquals(new V1State(0x2), d.apply(V1Event.VM_STOP_MIGRATING));
    }

    @Test
    void vmStopOtherwiseClearsRunning() throws Exception {
        assertEquals(V1State.STOP, new V1Device("d").apply(V1Event.VM_STOP));
    }

    @Test
    void completeStartThenDrainedEndsInStop() throws Exception {
        V1Device d = new V1Device("d");
        d.apply(V1Event.SAVE_SETUP);
        assertEquals(new V1State(0x2), d.apply(V1Event.COMPLETE_START));
        assertEquals(new V1State(0x0), d.apply(V1Event.COMPLETE_DRAINED));
    }

    @Test
    void loadSetupIsResumingAlone() throws Exception {
        assertEquals(new V1State(0x4), new V1Device("d").apply(V1Event.LOAD_SETUP));
    }

    @Test
    void vmStartIsRunningAlone() throws Exception {
        V1Device d = new V1Device("d");
        d.apply(V1Event.LOAD_SETUP);
        assertEquals(new V1State(0x1), d.apply(V1Event.VM_START));
    }

    @Test
    void failureReturnsToRunning() throws Exception {
        V1Device d = new V1Device("d");
        d.apply(V1Event.SAVE_SETUP);
        d.apply(V1Event.VM_STOP_MIGRATING);
        assertEquals(new V1State(0x1), d.apply(V1Event.MIGRATION_FAILED));
    }

    @Test
    void sourceSequenceIsRecorded() throws Exception {
        V1Device d = new V1Device("d");
        d.apply(V1Event.SAVE_SETUP);
        d.apply(V1Event.VM_STOP_MIGRATING);
        d.apply(V1Event.COMPLETE_START);
        d.apply(V1Event.COMPLETE_DRAINED);
        assertEquals(List.of(new V1State(1), new V1State(3), new V1State(2), new V1State(2), new V1State(0)), d.sequence());
    }

    @Test
    void savingWhileResumingIsRefusedBeforeTheWrite() throws Exception {
        V1Device d = new V1Device("d");
        d.apply(V1Event.LOAD_SETUP);
        IllegalTransitionException e = assertThrows(IllegalTransitionException.class, () -> d.apply(V1Event.SAVE_SETUP));
        assertEquals("SAVING|RESUMING(0x6)", e.to());
        assertEquals(V1State.RESUMING_STATE, d.state());
    }

    @Test
    void validity() {
        for (int b = 0; b < 8; b++) {
            boolean valid = (b & 4) == 0 || b == 4;
            assertEquals(valid, new V1State(b).valid(), "0b" + Integer.toBinaryString(b));
        }
        assertTrue(V1State.ERROR.isError());
        assertFalse(V1State.PRE_COPY.isError());
    }
}
