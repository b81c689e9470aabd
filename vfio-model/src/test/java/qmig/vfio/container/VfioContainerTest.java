package qmig.vfio.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class VfioContainerTest {

    private static final long K4 = 0x1000;
    private static final long M2 = 0x200000;

    private static List<DmaMapping> snapshot(VfioContainer c) {
        return List.copyOf(c.mappings());
    }

    @Test
    void mapsAreKeptInIovaOrderAndUnmapReturnsTheBytesRemoved() throws Exception {
        VfioContainer c = new VfioContainer();
        c.map(0x3000, K4, 0x9000, false);
        c.map(0x1000, 2 * K4, 0x5000, true);
        assertEquals(List.of(new DmaMapping(0x1000, 2 * K4, 0x5000, true), new DmaMapping(0x3000, K4, 0x9000, false)),
                snapshot(c));
        assertEquals(3 * K4, c.mappedBytes());
        assertEquals(0x5000 + 0x1234, c.find(0x2234).translate(0x2234));
        assertEquals(3 * K4, c.unmap(0, 0x10000));
        assertEquals(0, c.size());
    }

    @Test
    void unmapOfNothingSucceedsWithZeroBytes() throws Exception {
        VfioContainer c = new VfioContainer();
        c.map(0x10000, K4, 0x10000, false);
        assertEquals(0, c.unmap(0x20000, 0x10000));
        assertEquals(1, c.size());
    }

    @Test
    void anyOverlapIsEexistAndLeavesTheContainerUnchanged() throws Exception {
        VfioContainer c = new VfioContainer();
        c.map(0x10000, 0x4000, 0x10000, false);
        List<DmaMapping> before = snapshot(c);
        long[][] overlaps = {{0x10000, K4}, {0xf000, 2 * K4}, {0x13000, 2 * K4}, {0x8000, 0x20000}, {0x11000, K4}};
        for (long[] o : overlaps) {
            VfioDmaException e = assertThrows(VfioDmaException.class, () -> c.map(o[0], o[1], 0, false));
            assertEquals(Errno.EEXIST, e.errno());
        }
        assertEquals(before, snapshot(c));
        // adjacent on both sides is fine
        c.map(0xf000, K4, 0, false);
        c.map(0x14000, K4, 0, false);
        assertEquals(3, c.size());
    }

    @Test
    void misalignedOrEmptyOrWrappingMapIsEinval() {
        VfioContainer c = new VfioContainer();
        long[][] bad = {{0x1001, K4, 0}, {0x1000, 0x800, 0}, {0x1000, K4, 0x10}, {0x1000, 0, 0},
            {0xffff_ffff_ffff_f000L, 2 * K4, 0}};
        for (long[] b : bad) {
            VfioDmaException e = assertThrows(VfioDmaException.class, () -> c.map(b[0], b[1], b[2], false));
            assertEquals(Errno.EINVAL, e.errno());
        }
        assertEquals(0, c.size());
    }

    @Test
    void theTopPageOfTheIovaSpaceCanBeMapped() throws Exception {
        VfioContainer c = new VfioContainer();
        c.map(0xffff_ffff_ffff_f000L, K4, 0, false);
        assertEquals(K4, c.unmap(0x8000_0000_0000_0000L, 0x8000_0000_0000_0000L));
    }

    @Test
    void theEntryBudgetGivesEnospcAndEachMapUsesOneEntry() throws Exception {
        VfioContainer c = new VfioContainer(ContainerConfig.defaults().withEntryLimit(3));
        c.map(0, M2, 0, false);
        c.map(M2, K4, 0, false);
        c.map(2 * M2, 1L << 30, 0, false);
        assertEquals(0, c.available());
        VfioDmaException e = assertThrows(VfioDmaException.class, () -> c.map(0x8000_0000L, K4, 0, false));
        assertEquals(Errno.ENOSPC, e.errno());
        assertEquals(3, c.size());
        c.unmap(M2, K4);
        c.map(0x8000_0000L, K4, 0, false);
        assertEquals(3, c.size());
    }

    @Test
    void theDefaultBudgetIs65535() throws Exception {
        VfioContainer c = new VfioContainer();
        for (long i = 0; i < 65535; i++) {
            c.map(i * K4, K4, i * K4, false);
        }
        assertEquals(Errno.ENOSPC, assertThrows(VfioDmaException.class, () -> c.map(65535 * K4, K4, 0, false)).errno());
    }

    @Test
    void overlapIsReportedBeforeTheBudget() throws Exception {
        VfioContainer c = new VfioContainer(ContainerConfig.defaults().withEntryLimit(1));
        c.map(0, K4, 0, false);
        assertEquals(Errno.EEXIST, assertThrows(VfioDmaException.class, () -> c.map(0, K4, 0, false)).errno());
    }

    @Test
    void unmapThatBisectsAMappingIsEinvalAtEitherEnd() throws Exception {
        VfioContainer c = new VfioContainer();
        c.map(0x10000, 0x4000, 0x10000, false);
        c.map(0x20000, M2, 0x20000, false);
        List<DmaMapping> before = snapshot(c);
        // starts inside the first mapping
        assertEquals(Errno.EINVAL, assertThrows(VfioDmaException.class, () -> c.unmap(0x11000, 0x10000)).errno());
        // ends inside the second mapping
        assertEquals(Errno.EINVAL, assertThrows(VfioDmaException.class, () -> c.unmap(0x10000, 0x20000)).errno());
        // a page in the middle
        assertEquals(Errno.EINVAL, assertThrows(VfioDmaException.class, () -> c.unmap(0x21000, K4)).errno());
        assertEquals(before, snapshot(c));
        // exact covers and covers with slack succeed
        assertEquals(0x4000, c.unmap(0x10000, 0x4000));
        assertEquals(M2, c.unmap(0x1f000, M2 + 0x2000));
        assertEquals(0, c.size());
    }

    @Test
    void unmapMisalignedOrEmptyIsEinval() throws Exception {
        VfioContainer c = new VfioContainer();
        c.map(0, K4, 0, false);
        assertEquals(Errno.EINVAL, assertThrows(VfioDmaException.class, () -> c.unmap(0, 0)).errno());
        assertEquals(Errno.EINVAL, assertThrows(VfioDmaException.class, () -> c.unmap(0, 0x800)).errno());
        assertEquals(Errno.EINVAL, assertThrows(VfioDmaException.class, () -> c.unmap(0x800, K4)).errno());
        assertEquals(1, c.size());
    }

    @Test
    void unmapAllEmptiesTheContainer() throws Exception {
        VfioContainer c = new VfioContainer();
        c.map(0, K4, 0, false);
        c.map(0x1_0000_0000L, M2, 0, false);
        assertEquals(K4 + M2, c.unmapAll());
        assertEquals(0, c.size());
    }

    @Test
    void minimumPageSizeFollowsTheBitmap() throws Exception {
        VfioContainer c = new VfioContainer(new ContainerConfig(M2 | (1L << 30), 10, 1 << 20));
        assertEquals(M2, c.config().minPageSize());
        assertEquals(Errno.EINVAL, assertThrows(VfioDmaException.class, () -> c.map(0, K4, 0, false)).errno());
        c.map(0, M2, 0, false);
    }

    @Test
    void type1ReportsEveryMappedPageDirty() throws Exception {
        VfioContainer c = new VfioContainer();
        c.map(0x2000, 2 * K4, 0x100000, false);
        c.map(0x8000, K4, 0x200000, true);
        assertEquals(Errno.EINVAL, assertThrows(VfioDmaException.class, () -> c.dirtyBitmap(0, 0x10000, K4)).errno());
        c.startDirtyTracking();
        DirtyBitmap bm = c.dirtyBitmap(0, 0x10000, K4);
        assertEquals(3, bm.cardinality());
        assertTrue(bm.isDirty(0x2000));
        assertTrue(bm.isDirty(0x3fff));
        assertFalse(bm.isDirty(0x4000));
        assertTrue(bm.isDirty(0x8000));
        assertEquals(8, bm.toBytes().length);
        assertEquals(0b1_0000_1100, bm.toBytes()[0] & 0xff | (bm.toBytes()[1] & 0xff) << 8);
        // wrong page size, bisecting range
        assertEquals(Errno.EINVAL, assertThrows(VfioDmaException.class, () -> c.dirtyBitmap(0, 0x10000, M2)).errno());
        assertEquals(Errno.EINVAL, assertThrows(VfioDmaException.class, () -> c.dirtyBitmap(0x3000, K4, K4)).errno());
    }

    @Test
    void bitmapSizeLimitCapsTheQueriedRange() throws Exception {
        VfioContainer c = new VfioContainer(ContainerConfig.defaults().withMaxDirtyBitmapBytes(8));
        c.startDirtyTracking();
        c.dirtyBitmap(0, 64 * K4, K4); // 64 pages = one word
        VfioDmaException e = assertThrows(VfioDmaException.class, () -> c.dirtyBitmap(0, 65 * K4, K4));
        assertEquals(Errno.EINVAL, e.errno());
        assertTrue(e.getMessage().contains("max_dirty_bitmap_size"), e.getMessage());
        // the default: 256 MiB of bitmap = 2^31 pages = 8 TiB
        assertEquals(256L << 20, DirtyBitmap.bitmapBytes(8L << 40, K4));
    }

    @Test
    void unmapWithDirtyBitmapReturnsTheRemovedPages() throws Exception {
        VfioContainer c = new VfioContainer();
        c.map(0x4000, 2 * K4, 0x100000, false);
        assertEquals(Errno.EINVAL, assertThrows(VfioDmaException.class,
                () -> c.unmapWithDirtyBitmap(0, 0x10000, K4)).errno());
        assertEquals(1, c.size());
        c.startDirtyTracking();
        VfioContainer.UnmapResult r = c.unmapWithDirtyBitmap(0, 0x10000, K4);
        assertEquals(2 * K4, r.bytes());
        assertEquals(2, r.dirty().cardinality());
        assertTrue(r.dirty().isDirty(0x5000));
        assertNull(c.find(0x4000));
    }
}
