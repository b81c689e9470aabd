package qmig.stream.memory;

import java.io.IOException;

/**
 * A guest-physical access that does not hit RAM: a hole, MMIO, a PCI window, or a range whose
 * RAMBlock is not in the memory. Page-table walkers report it as a translation fault.
 */
public final class NotRamException extends IOException {

    private static final long serialVersionUID = 1L;

    private final long gpa;

    public NotRamException(long gpa, String why) {
        super(String.format("GPA 0x%x is not RAM: %s", gpa, why));
        this.gpa = gpa;
    }

    /** The first address of the access that is not RAM. */
    public long gpa() {
        return gpa;
    }
}
