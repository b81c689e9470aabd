package qmig.vfio.dirty;

/** A dirty-tracking request the kernel or device would refuse, or a faulting device write. */
public final class DirtyTrackingException extends Exception {
    private static final long serialVersionUID = 1L;

    public DirtyTrackingException(String message) {
        super(message);
    }
}
