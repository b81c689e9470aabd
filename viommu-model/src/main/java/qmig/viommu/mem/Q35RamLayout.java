package qmig.viommu.mem;

/**
 * Where {@code pc.ram} sits in the guest-physical space of a pc-q35 machine (QEMU 7.2
 * {@code pc_q35_init}; spec/ram.md §11). Assumes the default {@code max-ram-below-4g} and an Intel
 * vCPU (above-4G RAM at 4 GiB).
 *
 * @param ramSize  {@code pc.ram} used length in bytes (the {@code -m} size)
 * @param below4g  bytes mapped at GPA 0
 * @param above4g  bytes mapped at GPA 4 GiB
 */
public record Q35RamLayout(long ramSize, long below4g, long above4g) {

    public static final long FOUR_GIB = 1L << 32;

    public Q35RamLayout {
        if (ramSize < 0 || below4g < 0 || above4g < 0 || below4g + above4g != ramSize) {
            throw new IllegalArgumentException("inconsistent q35 layout: size 0x" + Long.toHexString(ramSize));
        }
    }

    /** The split QEMU makes: lowmem is 0xB0000000, or 0x80000000 when RAM is 0xB0000000 or more. */
    public static Q35RamLayout of(long ramSize) {
        long lowmem = ramSize >= 0xB0000000L ? 0x80000000L : 0xB0000000L;
        long below = Math.min(ramSize, lowmem);
        return new Q35RamLayout(ramSize, below, ramSize - below);
    }

    /** GPA of a {@code pc.ram} offset. */
    public long gpaOf(long offset) {
        if (offset < 0 || offset >= ramSize) {
            throw new IllegalArgumentException("pc.ram offset 0x" + Long.toHexString(offset) + " outside 0x"
                    + Long.toHexString(ramSize));
        }
        return offset < below4g ? offset : FOUR_GIB + (offset - below4g);
    }

    /** The {@code pc.ram} offset of a GPA, or -1 when the GPA is not in pc.ram. */
    public long offsetOf(long gpa) {
        if (gpa >= 0 && gpa < below4g) {
            return gpa;
        }
        if (gpa >= FOUR_GIB && gpa - FOUR_GIB < above4g) {
            return below4g + gpa - FOUR_GIB;
        }
        return -1;
    }

    /** Declares this layout's RAM ranges on {@code m}. */
    public SparseDmaMemory declareRam(SparseDmaMemory m) {
        m.addRam(0, below4g);
        m.addRam(FOUR_GIB, above4g);
        return m;
    }
}
