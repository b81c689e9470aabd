package qmig.stream.memory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Where RAMBlock bytes appear in the guest-physical address space: sorted, non-overlapping
 * {@link Range}s; every address outside them is not RAM (MMIO, holes, PCI windows). Build the
 * pc (i440fx) and q35 layouts of QEMU 7.2 with {@link #pc(long)}, {@link #q35(long)} or
 * {@link #x86(Chipset, long)}; other blocks (a VGA BAR, a DIMM) can be added with
 * {@link Builder#map}.
 */
public final class PhysicalMap {

    public static final long KiB = 1024;
    public static final long MiB = 1024 * KiB;
    public static final long GiB = 1024 * MiB;
    public static final long FOUR_GIB = 4 * GiB;

    /**
     * {@code size} bytes at guest-physical {@code gpa} are bytes {@code [blockOffset, blockOffset+size)}
     * of RAMBlock {@code block}.
     *
     * @param name what QEMU calls the region ({@code ram-below-4g}, {@code isa-bios}, ...)
     */
    public record Range(long gpa, long size, String block, long blockOffset, String name) {
        public Range {
            Objects.requireNonNull(block, "block");
            Objects.requireNonNull(name, "name");
            if (size <= 0 || gpa < 0 || blockOffset < 0 || gpa + size < gpa) {
                throw new IllegalArgumentException("bad range " + name + " at 0x" + Long.toHexString(gpa)
                        + " size 0x" + Long.toHexString(size));
            }
        }

        public long end() {
            return gpa + size;
        }

        public boolean contains(long a) {
            return a >= gpa && a - gpa < size;
        }

        @Override
        public String toString() {
            return String.format("[0x%x, 0x%x) %s -> %s+0x%x", gpa, end(), name, block, blockOffset);
        }
    }

    /** The two x86 host bridges of QEMU 7.2. */
    public enum Chipset {
        /** {@code -M pc}: i440fx + PIIX, PAM registers at config 0x59-0x5f ({@code hw/i386/pc_piix.c}). */
        I440FX,
        /** {@code -M q35}: MCH + ICH9, PAM registers at config 0x90-0x96 ({@code hw/i386/pc_q35.c}). */
        Q35
    }

    /**
     * How {@code pc.ram} is split around the PCI hole ({@code pc_init1} / {@code pc_q35_init}).
     *
     * @param below4g      bytes at GPA 0
     * @param above4g      bytes at {@code above4gStart}
     * @param above4gStart 4 GiB (1 TiB for AMD models with large memory, not derived here)
     */
    public record RamSplit(long below4g, long above4g, long above4gStart) {
    }

    private final List<Range> ranges;
    private final long[] starts;

    private PhysicalMap(List<Range> sorted) {
        this.ranges = List.copyOf(sorted);
        this.starts = new long[sorted.size()];
        for (int i = 0; i < starts.length; i++) {
            starts[i] = sorted.get(i).gpa();
        }
    }

    public List<Range> ranges() {
        return ranges;
    }

    /** Index of the range holding {@code gpa}, or -1. */
    int indexOf(long gpa) {
        int i = java.util.Arrays.binarySearch(starts, gpa);
        if (i < 0) {
            i = -i - 2;
        }
        return i >= 0 && ranges.get(i).contains(gpa) ? i : -1;
    }

    /** The range holding {@code gpa}, or null when it is not RAM. */
    public Range find(long gpa) {
        int i = indexOf(gpa);
        return i < 0 ? null : ranges.get(i);
    }

    // ---- the x86 layouts ------------------------------------------------------------------------

    /**
     * The 7.2 split of {@code ramSize} bytes. i440fx ({@code pc_init1}): lowmem = max-ram-below-4g
     * (default 0xe0000000 = 3.5 GiB); if ram &gt;= that and the machine type gigabyte-aligns (all
     * but pc-1.7 and older), lowmem = min(lowmem, 0xc0000000). q35 ({@code pc_q35_init}): lowmem =
     * 0x80000000 if ram &gt;= 0xb0000000 else 0xb0000000, then min(lowmem, max-ram-below-4g
     * (default 4 GiB)). Both: ram &gt;= lowmem → below = lowmem, above = the rest; else all below.
     *
     * @param maxRamBelow4g the machine property, 0 for the default
     */
    public static RamSplit split(Chipset chipset, long ramSize, long maxRamBelow4g, boolean gigabyteAlign) {
        long lowmem;
        if (chipset == Chipset.I440FX) {
            long max = maxRamBelow4g == 0 ? 0xe0000000L : maxRamBelow4g;
            lowmem = max;
            if (ramSize >= max && gigabyteAlign && lowmem > 0xc0000000L) {
                lowmem = 0xc0000000L;
            }
        } else {
            lowmem = ramSize >= 0xb0000000L ? 0x80000000L : 0xb0000000L;
            long max = maxRamBelow4g == 0 ? FOUR_GIB : maxRamBelow4g;
            if (lowmem > max) {
                lowmem = max;
            }
        }
        return ramSize >= lowmem ? new RamSplit(lowmem, ramSize - lowmem, FOUR_GIB) : new RamSplit(ramSize, 0, FOUR_GIB);
    }

    /** The default 7.2 pc (i440fx) layout: 256 KiB {@code pc.bios}, PAM at reset (ROMs visible). */
    public static PhysicalMap pc(long ramSize) {
        return x86(Chipset.I440FX, ramSize).build();
    }

    /** The default 7.2 q35 layout: 256 KiB {@code pc.bios}, PAM at reset (ROMs visible). */
    public static PhysicalMap q35(long ramSize) {
        return x86(Chipset.Q35, ramSize).build();
    }

    /**
     * The layout for a stream's machine type (its configuration section: {@code pc-q35-7.2},
     * {@code pc-i440fx-7.2}, ...) sized from the memory: {@code pc.ram}'s used length, and
     * {@code pc.bios}'s (0 when absent). i440fx types up to 1.7 do not gigabyte-align. PAM at
     * reset; call {@link #x86} for PAM bytes, max-ram-below-4g or NUMA setups.
     *
     * @throws IllegalArgumentException for other machine types or a memory without {@code pc.ram}
     */
    public static PhysicalMap forMachine(String machineType, GuestMemory memory) {
        Objects.requireNonNull(machineType, "machineType");
        Chipset chipset;
        boolean gigabyteAlign = true;
        if (machineType.equals("q35") || machineType.startsWith("pc-q35-")) {
            chipset = Chipset.Q35;
        } else if (machineType.equals("pc") || machineType.startsWith("pc-i440fx-") || machineType.matches("pc-[01]\\.\\d+")) {
            chipset = Chipset.I440FX;
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)\\.(\\d+)$").matcher(machineType);
            if (m.find()) {
                int major = Integer.parseInt(m.group(1));
                int minor = Integer.parseInt(m.group(2));
                gigabyteAlign = major > 1 || (major == 1 && minor > 7);
            }
        } else {
            throw new IllegalArgumentException("no pc/q35 layout for machine type '" + machineType + "'");
        }
        long ram = memory.requireBlock("pc.ram").usedLength();
        long bios = memory.block("pc.bios").map(RamBlockImage::usedLength).orElse(0L);
        return x86(chipset, ram).gigabyteAlign(gigabyteAlign).biosSize(bios).build();
    }

    public static X86Builder x86(Chipset chipset, long ramSize) {
        return new X86Builder(chipset, ramSize);
    }

    /** An empty map to fill by hand. */
    public static Builder builder() {
        return new Builder();
    }

    /** Ranges by hand; {@link #build()} rejects overlaps. */
    public static class Builder {
        final List<Range> ranges = new ArrayList<>();

        public Builder map(long gpa, long size, String block, long blockOffset, String name) {
            ranges.add(new Range(gpa, size, block, blockOffset, name));
            return this;
        }

        public PhysicalMap build() {
            List<Range> sorted = new ArrayList<>(ranges);
            sorted.sort(Comparator.comparingLong(Range::gpa));
            for (int i = 1; i < sorted.size(); i++) {
                if (sorted.get(i).gpa() < sorted.get(i - 1).end()) {
                    throw new IllegalArgumentException("overlapping ranges " + sorted.get(i - 1) + " and " + sorted.get(i));
                }
            }
            return new PhysicalMap(sorted);
        }
    }

    /**
     * The pc/q35 layout (spec/ram.md §11): {@code pc.ram} below 4 GiB (without the legacy VGA
     * window 0xa0000-0xbffff, which non-SMM accesses send to VGA), the 13 PAM regions of
     * 0xc0000-0xfffff (attribute 0 = PCI, where {@code pc.rom} at 0xc0000 and the
     * {@code isa-bios} alias of {@code pc.bios}'s last 128 KiB below 1 MiB live; any other
     * attribute = {@code pc.ram}, as QEMU 7.2's {@code pam.c} maps it), {@code pc.bios} at
     * [4 GiB - size, 4 GiB), and {@code pc.ram} above 4 GiB. TSEG and SMRAM hiding are not modelled.
     */
    public static final class X86Builder extends Builder {
        private final Chipset chipset;
        private final long ramSize;
        private long maxRamBelow4g;
        private boolean gigabyteAlign = true;
        private long above4gStart = FOUR_GIB;
        private long biosSize = 256 * KiB;
        private final byte[] pam = new byte[7];
        private boolean vgaWindowRam;

        X86Builder(Chipset chipset, long ramSize) {
            this.chipset = Objects.requireNonNull(chipset);
            if (ramSize < 0 || (ramSize & 0xfff) != 0) {
                throw new IllegalArgumentException("ram size 0x" + Long.toHexString(ramSize));
            }
            this.ramSize = ramSize;
        }

        /** The {@code max-ram-below-4g} machine property (0 = default). */
        public X86Builder maxRamBelow4g(long v) {
            this.maxRamBelow4g = v;
            return this;
        }

        /** False for pc-1.7 and older i440fx machine types. */
        public X86Builder gigabyteAlign(boolean v) {
            this.gigabyteAlign = v;
            return this;
        }

        /** 1 TiB for AMD vCPUs whose RAM would reach the HyperTransport hole (7.1+ machine types). */
        public X86Builder above4gStart(long v) {
            this.above4gStart = v;
            return this;
        }

        /** Size of {@code pc.bios} (a multiple of 64 KiB; 0 for pflash setups without it). */
        public X86Builder biosSize(long v) {
            if (v < 0 || v % (64 * KiB) != 0 || v > 16 * MiB) {
                throw new IllegalArgumentException("bios size 0x" + Long.toHexString(v));
            }
            this.biosSize = v;
            return this;
        }

        /**
         * The seven PAM configuration bytes (i440fx 0x59-0x5f, q35 0x90-0x96, from the host
         * bridge's PCI config in the stream): PAM0 bits 4-5 for 0xf0000-0xfffff; PAMn (1-6) bits
         * 0-1 for 0xc0000 + (2n-2)*16 KiB and bits 4-5 for the next 16 KiB.
         */
        public X86Builder pam(byte[] config) {
            if (config.length != 7) {
                throw new IllegalArgumentException("7 PAM bytes expected, got " + config.length);
            }
            System.arraycopy(config, 0, pam, 0, 7);
            return this;
        }

        /** Whether 0xa0000-0xbffff reads {@code pc.ram} (SMRAM open) instead of VGA. */
        public X86Builder vgaWindowRam(boolean v) {
            this.vgaWindowRam = v;
            return this;
        }

        public RamSplit split() {
            return PhysicalMap.split(chipset, ramSize, maxRamBelow4g, gigabyteAlign);
        }

        /** PAM attribute (0-3) of region {@code i}: 0 = 0xf0000 (64 KiB), 1-12 = 0xc0000 + (i-1)*16 KiB. */
        int pamAttr(int i) {
            int b = pam[(i + 1) / 2] & 0xff;
            return (i & 1) == 0 ? (b >> 4) & 3 : b & 3;
        }

        @Override
        public PhysicalMap build() {
            RamSplit s = split();
            long below = s.below4g();
            long isaSize = Math.min(biosSize, 128 * KiB);
            long isaStart = MiB - isaSize;
            // low RAM up to the VGA window
            addRam(0, Math.min(below, 0xa0000), "ram-below-4g");
            if (vgaWindowRam) {
                addRam(0xa0000, clip(0xa0000, 0x20000, below), "smram");
            }
            // 0xc0000-0xfffff in PAM regions
            for (int i = 1; i <= 12; i++) {
                pamRegion(0xc0000 + (i - 1) * 16 * KiB, 16 * KiB, pamAttr(i), below, isaStart);
            }
            pamRegion(0xf0000, 64 * KiB, pamAttr(0), below, isaStart);
            if (below > MiB) {
                addRam(MiB, below - MiB, "ram-below-4g");
            }
            if (biosSize > 0) {
                map(FOUR_GIB - biosSize, biosSize, "pc.bios", 0, "pc.bios");
            }
            if (s.above4g() > 0) {
                map(s.above4gStart(), s.above4g(), "pc.ram", below, "ram-above-4g");
            }
            return mergeAdjacent(super.build());
        }

        private void pamRegion(long gpa, long size, int attr, long below, long isaStart) {
            if (attr != 0) {
                addRam(gpa, clip(gpa, size, below), "pam-ram");
                return;
            }
            // PCI: pc.rom covers 0xc0000-0xdffff, isa-bios [1 MiB - isa size, 1 MiB)
            long romEnd = 0xe0000;
            if (gpa < romEnd) {
                map(gpa, Math.min(size, romEnd - gpa), "pc.rom", gpa - 0xc0000, "pc.rom");
            } else if (biosSize > 0 && gpa + size > isaStart) {
                long from = Math.max(gpa, isaStart);
                map(from, gpa + size - from, "pc.bios", biosSize - (MiB - from), "isa-bios");
            }
        }

        private void addRam(long gpa, long size, String name) {
            if (size > 0) {
                map(gpa, size, "pc.ram", gpa, name);
            }
        }

        private static long clip(long gpa, long size, long below) {
            return Math.max(0, Math.min(size, below - gpa));
        }

        /** Joins neighbouring ranges that continue the same block (PAM regions into low RAM). */
        private static PhysicalMap mergeAdjacent(PhysicalMap m) {
            List<Range> out = new ArrayList<>();
            for (Range r : m.ranges()) {
                Range last = out.isEmpty() ? null : out.get(out.size() - 1);
                if (last != null && last.end() == r.gpa() && last.block().equals(r.block())
                        && last.blockOffset() + last.size() == r.blockOffset()) {
                    String name = List.of(last.name().split("\\+")).contains(r.name()) ? last.name() : last.name() + "+" + r.name();
                    out.set(out.size() - 1, new Range(last.gpa(), last.size() + r.size(), last.block(), last.blockOffset(), name));
                } else {
                    out.add(r);
                }
            }
            return new PhysicalMap(out);
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("PhysicalMap[");
        for (Range r : ranges) {
            sb.append("\n  ").append(r);
        }
        return sb.append("\n]").toString();
    }
}
