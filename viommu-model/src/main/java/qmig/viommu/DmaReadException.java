package qmig.viommu;

import java.io.IOException;

/** A guest-physical read that QEMU would see fail: the address is not RAM. */
public final class DmaReadException extends IOException {
    private static final long serialVersionUID = 1L;

    private final long gpa;

    public DmaReadException(long gpa, int length) {
        super("guest-physical read of " + length + " bytes at 0x" + Long.toHexString(gpa) + " is not RAM");
        this.gpa = gpa;
    }

    /** The address that failed. */
    public long gpa() {
        return gpa;
    }
}
