package qmig.vfio.notify;

/**
 * A RAM section of the system memory flat view: guest physical {@code [gpa, gpa+size)} backed by
 * RAMBlock {@code block} from {@code blockOffset}. {@code ramAddr} is the section's first byte in
 * QEMU's ram_addr space (RAMBlock offset + offset in the block), the index of the RAM dirty
 * bitmap. {@code readOnly} marks ROM / read-only regions.
 */
public record RamSection(long gpa, long size, String block, long blockOffset, long ramAddr, boolean readOnly) {

    public RamSection {
        if (size <= 0) {
            throw new IllegalArgumentException("empty RAM section at 0x" + Long.toHexString(gpa));
        }
    }

    public long end() {
        return gpa + size;
    }

    public boolean contains(long a) {
        return a - gpa >= 0 && a - gpa < size;
    }

    /** The ram_addr of guest physical address {@code a} (inside this section). */
    public long ramAddrOf(long a) {
        return ramAddr + (a - gpa);
    }

    @Override
    public String toString() {
        return block + "+0x" + Long.toHexString(blockOffset) + " @ [0x" + Long.toHexString(gpa) + ", 0x"
                + Long.toHexString(end()) + ")" + (readOnly ? " ro" : "");
    }
}
