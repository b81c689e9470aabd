package qmig.viommu.vtd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * For random 3-level tables (1 GiB, 2 MiB and 4 KiB leaves, random R/W along the path, some
 * reserved bits, some pointers outside RAM) the replay's mappings, split into pages, equal what
 * translating every page one by one gives.
 */
class ReplayPropertyTest {

    static final Bdf DEV = Bdf.of(0, 4, 0);
    /** Pages enumerated: L3 entries 0..2, L2 entries 0..3 of each, every L1 entry. */
    static final int L3N = 3;
    static final int L2N = 4;

    static long entry(Random r, long addr) {
        long e = addr | r.nextInt(4);
        int x = r.nextInt(40);
        if (x == 0) {
            e |= 0x800;                                  // reserved SNP
        } else if (x == 1) {
            e |= 1L << 44;                               // above aw-bits
        } else if (x == 2) {
            e |= 1L << 63;                               // ignored
        }
        return e;
    }

    static long gpa(Random r, long align) {
        return (r.nextLong() & (Tables.RAM - 1)) & -align;
    }

    @Property(tries = 60)
    void replayEqualsPageByPageTranslation(@ForAll long seed) throws Exception {
        Random r = new Random(seed);
        Tables t = new Tables();
        long l3 = t.alloc();
        t.context(DEV, 0, 3, 5, l3);
        for (int i = 0; i < L3N; i++) {
            int kind = r.nextInt(4);
            if (kind == 0) {
                continue;
            }
            if (kind == 1) {
                t.pte(l3, i, entry(r, gpa(r, 1L << 30)) | 0x80);
                continue;
            }
            long l2 = r.nextInt(15) == 0 ? 0xe0000000L : t.alloc();
            t.pte(l3, i, entry(r, l2));
            if (l2 == 0xe0000000L) {
                continue;
            }
            for (int j = 0; j < L2N; j++) {
                int k2 = r.nextInt(4);
                if (k2 == 0) {
                    continue;
                }
                if (k2 == 1) {
                    t.pte(l2, j, entry(r, gpa(r, 1L << 21)) | 0x80);
                    continue;
                }
                long l1 = t.alloc();
                t.pte(l2, j, entry(r, l1));
                int n = r.nextInt(64);
                for (int k = 0; k < n; k++) {
                    t.pte(l1, r.nextInt(512), entry(r, gpa(r, 4096)));
                }
            }
        }
        IntelIommu iommu = new IntelIommu(Tables.state(t.root, true, false), Tables.cfg(), t.mem);
        iommu.addressSpace(DEV);
        List<IotlbEvent> maps = new ArrayList<>();
        iommu.postLoad(new ReplayingListener((b, n, e) -> {
            if (e.type() == IotlbEvent.Type.MAP) {
                maps.add(e);
            }
        }));
        TreeMap<Long, String> fromReplay = new TreeMap<>();
        for (IotlbEvent e : maps) {
            for (long off = 0; off <= e.addrMask(); off += 4096) {
                long iova = e.iova() + off;
                if (enumerated(iova)) {
                    fromReplay.put(iova, Long.toHexString(e.translatedAddr() + off) + " " + e.perm());
                }
                if (off >= (long) L2N << 21) {
                    break;                              // the rest of a 1 GiB leaf is not enumerated
                }
            }
        }
        TreeMap<Long, String> fromTranslate = new TreeMap<>();
        for (int i = 0; i < L3N; i++) {
            for (long p = 0; p < (long) L2N * 512; p++) {
                long iova = ((long) i << 30) + (p << 12);
                Translation x = iommu.translate(DEV, iova, false);
                if (!(x instanceof Translation.Mapped)) {
                    x = iommu.translate(DEV, iova, true);
                }
                if (x instanceof Translation.Mapped m) {
                    fromTranslate.put(iova, Long.toHexString(m.gpa()) + " " + m.perm());
                }
            }
        }
        assertEquals(fromTranslate, fromReplay);
        for (IotlbEvent e : maps) {
            assertTrue(e.addrMask() == 0xfff || e.addrMask() == 0x1fffff || e.addrMask() == 0x3fffffff);
            assertEquals(0, e.iova() & e.addrMask(), "size-aligned IOVA");
            assertEquals(0, e.translatedAddr() & e.addrMask(), "size-aligned GPA");
        }
    }

    static boolean enumerated(long iova) {
        return (iova >>> 30) < L3N && ((iova >>> 21) & 0x1ff) < L2N;
    }
}
