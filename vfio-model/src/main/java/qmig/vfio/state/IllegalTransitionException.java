package qmig.vfio.state;

/**
 * A device state change the kernel (or QEMU's v1 validity check) rejects with -EINVAL. The
 * device's state is unchanged.
 */
public final class IllegalTransitionException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String from;
    private final String to;

    public IllegalTransitionException(String device, String from, String to, String why) {
        super(device + ": cannot go from " + from + " to " + to + ": " + why);
        this.from = from;
        this.to = to;
    }

    public String from() {
        return from;
    }

    public String to() {
        return to;
    }
}
