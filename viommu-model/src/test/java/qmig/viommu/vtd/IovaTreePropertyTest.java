package qmig.viommu.vtd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/**
 * The run-length {@link IovaTree} behaves as QEMU's one-node-per-mapping tree: a plain TreeMap
 * of entries (the model's first implementation) is the reference, and random operation
 * sequences — mostly contiguous inserts that form runs, then removes that split them — must give
 * the same results and the same entries.
 */
class IovaTreePropertyTest {

    /** The reference: one entry per mapping, find = the highest entry starting at or below the end. */
    static final class Reference {
        final TreeMap<Long, IovaTree.DmaMap> map = new TreeMap<>(Long::compareUnsigned);

        IovaTree.DmaMap find(long iova, long size) {
            long last = iova + size;
            Map.Entry<Long, IovaTree.DmaMap> e = map.floorEntry(last);
            if (e != null && Long.compareUnsigned(e.getValue().last(), iova) >= 0) {
                return e.getValue();
            }
            return null;
        }

        boolean insert(IovaTree.DmaMap m) {
            if (Long.compareUnsigned(m.iova() + m.size(), m.iova()) < 0 || find(m.iova(), m.size()) != null) {
                return false;
            }
            map.put(m.iova(), m);
            return true;
        }

        int remove(long iova, long size) {
            int n = 0;
            for (IovaTree.DmaMap m; (m = find(iova, size)) != null; n++) {
                map.remove(m.iova());
            }
            return n;
        }
    }

    static final long[] SIZES = {0xfffL, 0xfffL, 0xfffL, 0x1fffffL, 0x2fffL, -1L};

    @Property(tries = 300)
    void sameAsOneEntryPerMapping(@ForAll long seed) {
        Random r = new Random(seed);
        IovaTree t = new IovaTree();
        Reference ref = new Reference();
        long cursor = (r.nextInt(64) * 0x1000L) - (r.nextInt(4) == 0 ? 0x10000L : 0);
        long xlat = r.nextInt(1 << 20) * 0x1000L;
        long size = 0xfff;
        Perm perm = Perm.RW;
        for (int op = 0; op < 400; op++) {
            int kind = r.nextInt(20);
            if (kind < 12) {
                // mostly the next contiguous entry; sometimes a jump, a new size, translation or permission
                int change = r.nextInt(12);
                if (change == 0) {
                    cursor += (r.nextInt(8) - 2) * 0x1000L;
                } else if (change == 1) {
                    size = SIZES[r.nextInt(SIZES.length)];
                } else if (change == 2) {
                    xlat = r.nextLong() & ~0xfffL;
                } else if (change == 3) {
                    perm = Perm.values()[r.nextInt(4)];
                } else if (change == 4) {
                    cursor = r.nextInt(256) * 0x1000L;
                }
                IovaTree.DmaMap m = new IovaTree.DmaMap(cursor, xlat, size, perm);
                assertEquals(ref.insert(m), t.insert(m), "insert " + m);
                cursor += size + 1;
                xlat += size + 1;
            } else if (kind < 15) {
                // page-aligned, or the last byte of a page: an entry's end meets the range's start
                long a = r.nextInt(300) * 0x800L - r.nextInt(2);
                long s = r.nextInt(4) == 0 ? -1L - a + r.nextInt(3) : r.nextInt(0x40000);
                assertEquals(ref.remove(a, s), t.remove(a, s), "remove " + Long.toHexString(a) + "+" + s);
            } else {
                long a = r.nextInt(1 << 12) * 0x100L - 0x1000 - r.nextInt(2);
                long s = r.nextInt(3) == 0 ? 0xfff : r.nextInt(0x30000);
                assertEquals(ref.find(a, s), t.find(a, s), "find");
                assertEquals(ref.find(a, s) != null, t.overlaps(a, s));
                IovaTree.DmaMap f = ref.find(a, s);
                if (f != null) {
                    assertTrue(t.contains(f.iova(), f.translatedAddr(), f.size(), f.perm()));
                    assertFalse(t.contains(f.iova(), f.translatedAddr() + 0x1000, f.size(), f.perm()));
                }
            }
            assertEquals(ref.map.size(), t.size());
        }
        assertEquals(new ArrayList<>(ref.map.values()), t.entries());
        for (IovaTree.DmaMap m : List.copyOf(ref.map.values())) {
            assertTrue(t.contains(m.iova(), m.translatedAddr(), m.size(), m.perm()));
        }
    }

    @Test
    void identityRunSplitsAroundARemovedRange() {
        IovaTree t = new IovaTree();
        for (long p = 0; p < 1024; p++) {
            assertTrue(t.insert(p << 12, p << 12, 0xfff, Perm.RW));
        }
        assertEquals(1024, t.size());
        // 7.2's unmap burst removes [start, start + size]: one byte too far takes one more page
        assertEquals(17, t.remove(0x100000, 0x10000));
        assertEquals(1007, t.size());
        assertEquals(new IovaTree.DmaMap(0xff000, 0xff000, 0xfff, Perm.RW), t.find(0xff000, 0xfff));
        assertEquals(null, t.find(0x100000, 0x10000));
        assertEquals(new IovaTree.DmaMap(0x111000, 0x111000, 0xfff, Perm.RW), t.find(0x110fff, 0x1000));
        assertFalse(t.insert(0x110000, 0, 0x1fff, Perm.RW));
        assertTrue(t.insert(0x110000, 0, 0xfff, Perm.RW));
        t.clear();
        assertEquals(0, t.size());
        assertEquals(List.of(), t.entries());
    }
}
