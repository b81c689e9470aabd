package qmig.vfio.container;

/**
 * A container ioctl failed the way the kernel's type1 v2 driver fails it. The container is
 * left exactly as it was before the call. {@link #errno()} is the kernel's error; the message
 * says which request and why, e.g. {@code MAP_DMA iova 0x1000 size 0x1000: EEXIST, overlaps
 * [0x0, 0x1fff]}.
 */
public final class VfioDmaException extends Exception {
    private static final long serialVersionUID = 1L;

    private final Errno errno;

    public VfioDmaException(Errno errno, String message) {
        super(message + ": " + errno);
        this.errno = errno;
    }

    public Errno errno() {
        return errno;
    }
}
