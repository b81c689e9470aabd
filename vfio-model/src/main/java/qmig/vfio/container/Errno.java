package qmig.vfio.container;

/** The Linux error numbers the type1 container returns (negated in the ioctl result). */
public enum Errno {
    EINVAL(22),
    EEXIST(17),
    ENOSPC(28),
    EBUSY(16);

    private final int code;

    Errno(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }
}
