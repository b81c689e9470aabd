package qmig.vfio.container;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.BitSet;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import qmig.vfio.dirty.RamDirtyBitmap;

/** The word-at-a-time bitmap operations against a page-by-page reference. */
class DirtyBitmapPropertyTest {

    static final long P = 0x1000;

    @Property(tries = 500)
    void setRangeAndClearPagesMatchABitSet(@ForAll @IntRange(min = 1, max = 300) int pages,
            @ForAll @LongRange(min = -0x10000, max = 0x140000) long addr, @ForAll @LongRange(min = 0, max = 0x140000) long len,
            @ForAll @IntRange(min = 0, max = 320) int clrFrom, @ForAll @IntRange(min = 0, max = 320) int clrTo) {
        long base = 0x40000;
        DirtyBitmap bm = new DirtyBitmap(base, pages * P, P);
        BitSet ref = new BitSet();
        bm.setRange(addr, len);
        if (len > 0) {
            for (long p = 0; p < pages; p++) {
                long a = base + p * P;
                if (a + P > addr && a < addr + len) {
                    ref.set((int) p);
                }
            }
        }
        assertEquals(ref, bits(bm, pages));
        bm.clearPages(clrFrom, clrTo);
        if (clrFrom < clrTo) {
            ref.clear(Math.min(clrFrom, pages), Math.min(clrTo, pages));
        }
        assertEquals(ref, bits(bm, pages));
    }

    @Property(tries = 500)
    void pagesStartingInIsTheReportWindow(@ForAll @IntRange(min = 1, max = 200) int pages,
            @ForAll @LongRange(min = 0, max = 0x100000) long addr, @ForAll @LongRange(min = 0, max = 0x100000) long len) {
        long base = 0x20000;
        DirtyBitmap bm = new DirtyBitmap(base, pages * P, P);
        BitSet ref = new BitSet();
        for (long p = 0; p < pages; p++) {
            if (Long.compareUnsigned(base + p * P - addr, len) < 0) {
                ref.set((int) p);
            }
        }
        long[] w = bm.pagesStartingIn(addr, len);
        BitSet got = new BitSet();
        if (w != null) {
            got.set((int) w[0], (int) w[1]);
        }
        assertEquals(ref, got);
    }

    @Property(tries = 300)
    void ramBitmapSetRangeMatchesPageLoop(@ForAll @LongRange(min = 0, max = 0x400000) long addr,
            @ForAll @LongRange(min = 0, max = 0x300000) long len) {
        RamDirtyBitmap a = new RamDirtyBitmap(0x100000); // grows
        RamDirtyBitmap b = new RamDirtyBitmap(0x800000);
        a.setRange(addr, len);
        if (len > 0) {
            for (long p = addr >>> 12; p <= (addr + len - 1) >>> 12; p++) {
                b.set(p);
            }
        }
        assertEquals(b.pages(), a.pages());
        long[] wa = a.words();
        long[] wb = b.words();
        for (int i = 0; i < Math.max(wa.length, wb.length); i++) {
            assertEquals(i < wb.length ? wb[i] : 0, i < wa.length ? wa[i] : 0, "word " + i);
        }
    }

    static BitSet bits(DirtyBitmap bm, int pages) {
        BitSet b = new BitSet();
        for (int p = 0; p < pages; p++) {
            if (bm.get(p)) {
                b.set(p);
            }
        }
        return b;
    }
}
