package qmig.vfio.state;

/**
 * Protocol v1 {@code device_state} (u32 at offset 0 of the deprecated migration region): bit 0
 * RUNNING, bit 1 SAVING, bit 2 RESUMING. Valid values are any combination without RESUMING, or
 * RESUMING alone; SAVING|RESUMING (0b110) is the error state.
 */
public record V1State(int bits) {

    public static final int RUNNING = 1;
    public static final int SAVING = 1 << 1;
    public static final int RESUMING = 1 << 2;
    public static final int MASK = RUNNING | SAVING | RESUMING;

    public static final V1State STOP = new V1State(0);
    public static final V1State RUNNING_STATE = new V1State(RUNNING);
    public static final V1State PRE_COPY = new V1State(RUNNING | SAVING);
    public static final V1State STOP_AND_COPY = new V1State(SAVING);
    public static final V1State RESUMING_STATE = new V1State(RESUMING);
    public static final V1State ERROR = new V1State(SAVING | RESUMING);

    /** {@code VFIO_DEVICE_STATE_VALID}: RESUMING only on its own. */
    public boolean valid() {
        return (bits & RESUMING) == 0 || (bits & MASK) == RESUMING;
    }

    public boolean isError() {
        return (bits & MASK) == (SAVING | RESUMING);
    }

    /** {@code (old & mask) | value}. */
    public V1State apply(int mask, int value) {
        return new V1State((bits & mask) | value);
    }

    @Override
    public String toString() {
        if ((bits & MASK) == 0) {
            return "STOP(0x0)";
        }
        StringBuilder sb = new StringBuilder();
        if ((bits & RUNNING) != 0) {
            sb.append("RUNNING");
        }
        if ((bits & SAVING) != 0) {
            sb.append(sb.length() > 0 ? "|" : "").append("SAVING");
        }
        if ((bits & RESUMING) != 0) {
            sb.append(sb.length() > 0 ? "|" : "").append("RESUMING");
        }
        return sb.append("(0x").append(Integer.toHexString(bits)).append(')').toString();
    }
}
