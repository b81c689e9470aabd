package qmig.vfio.notify;

import qmig.vfio.container.Errno;

/**
 * A notification the model was told to treat strictly failed: it names the device, the event's
 * position in the event sequence and QEMU's report text. The container is unchanged by the
 * failing event.
 */
public final class VfioMapException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String device;
    private final long eventIndex;
    private final NotifyOutcome outcome;

    public VfioMapException(String device, long eventIndex, NotifyOutcome outcome) {
        super("vfio " + device + ", event #" + eventIndex + " (iova 0x" + Long.toHexString(outcome.iova())
                + "): " + outcome.message());
        this.device = device;
        this.eventIndex = eventIndex;
        this.outcome = outcome;
    }

    public String device() {
        return device;
    }

    public long eventIndex() {
        return eventIndex;
    }

    public NotifyOutcome outcome() {
        return outcome;
    }

    /** The container error when the ioctl failed, else null (refused before any ioctl). */
    public Errno errno() {
        return outcome.errno();
    }
}
