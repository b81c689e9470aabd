package qmig.vfio.state;

/**
 * The QEMU 7.2 events that write {@code device_state} and their {@code (mask, value)} pair for
 * {@code vfio_migration_set_state} (vfio.md §4.2).
 */
public enum V1Event {
    /** {@code vfio_save_setup}: keep everything, add SAVING. */
    SAVE_SETUP(V1State.MASK, V1State.SAVING),
    /** VM stopped for migration (run state {@code save-vm}... i.e. migrating): clear RUNNING, set SAVING. */
    VM_STOP_MIGRATING(~V1State.RUNNING, V1State.SAVING),
    /** VM stopped for any other reason: clear RUNNING. */
    VM_STOP(~V1State.RUNNING, 0),
    /** {@code vfio_save_complete_precopy}, start: clear RUNNING, set SAVING. */
    COMPLETE_START(~V1State.RUNNING, V1State.SAVING),
    /** {@code vfio_save_complete_precopy}, after draining: clear SAVING. */
    COMPLETE_DRAINED(~V1State.SAVING, 0),
    /** {@code vfio_load_setup} on the destination: RESUMING only. */
    LOAD_SETUP(~V1State.MASK, V1State.RESUMING),
    /** VM started: RUNNING only. */
    VM_START(~V1State.MASK, V1State.RUNNING),
    /** Migration cancelling, cancelled or failed: clear SAVING and RESUMING, set RUNNING. */
    MIGRATION_FAILED(~(V1State.SAVING | V1State.RESUMING), V1State.RUNNING);

    private final int mask;
    private final int value;

    V1Event(int mask, int value) {
        this.mask = mask;
        this.value = value;
    }

    public int mask() {
        return mask;
    }

    public int value() {
        return value;
    }
}
