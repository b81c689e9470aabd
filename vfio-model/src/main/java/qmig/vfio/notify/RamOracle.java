package qmig.vfio.notify;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import qmig.stream.memory.PhysicalMap;

/**
 * Answers "is this guest physical address RAM, and in which flat-view section" — the part of
 * {@code memory_get_xlat_addr} the VFIO model needs. Supplied by the caller (a machine layout or
 * a loaded stream).
 */
@FunctionalInterface
public interface RamOracle {

    /** The RAM section holding {@code gpa}, or null when {@code gpa} is not RAM. */
    RamSection sectionAt(long gpa);

    /** All RAM sections in ascending GPA order, when the oracle knows them; else empty. */
    default List<RamSection> sections() {
        return List.of();
    }

    /** An oracle over a fixed list of non-overlapping sections. */
    static RamOracle of(List<RamSection> sections) {
        TreeMap<Long, RamSection> byGpa = new TreeMap<>(Long::compareUnsigned);
        for (RamSection s : sections) {
            byGpa.put(s.gpa(), s);
        }
        List<RamSection> sorted = new ArrayList<>(sections);
        sorted.sort(Comparator.comparing(RamSection::gpa, Long::compareUnsigned));
        List<RamSection> view = List.copyOf(sorted);
        return new RamOracle() {
            @Override
            public RamSection sectionAt(long gpa) {
                Map.Entry<Long, RamSection> e = byGpa.floorEntry(gpa);
                return e != null && e.getValue().contains(gpa) ? e.getValue() : null;
            }

            @Override
            public List<RamSection> sections() {
                return view;
            }
        };
    }

    /**
     * The RAM ranges of a machine layout. Each range's ram_addr is its block's offset in a
     * ram_addr space where blocks follow each other in order of first appearance, each starting
     * at the previous block's end rounded up to 2 MiB (for q35 "pc.ram" is first, so GPA below
     * 4 GiB == ram_addr). Blocks named {@code pc.bios} or {@code *.rom} are read-only.
     */
    static RamOracle of(PhysicalMap map) {
        Map<String, Long> blockBase = new java.util.LinkedHashMap<>();
        Map<String, Long> blockEnd = new java.util.LinkedHashMap<>();
        for (PhysicalMap.Range r : map.ranges()) {
            blockEnd.merge(r.block(), r.blockOffset() + r.size(), Math::max);
        }
        long next = 0;
        for (Map.Entry<String, Long> e : blockEnd.entrySet()) {
            blockBase.put(e.getKey(), next);
            next += (e.getValue() + 0x1fffff) & ~0x1fffffL;
        }
        List<RamSection> out = new ArrayList<>();
        for (PhysicalMap.Range r : map.ranges()) {
            out.add(new RamSection(r.gpa(), r.size(), r.block(), r.blockOffset(),
                    blockBase.get(r.block()) + r.blockOffset(), isRom(r.block())));
        }
        return of(out);
    }

    /** QEMU's x86 ROM blocks: the firmware image and option ROMs. */
    private static boolean isRom(String block) {
        return block.equals("pc.bios") || block.endsWith(".rom");
    }
}
