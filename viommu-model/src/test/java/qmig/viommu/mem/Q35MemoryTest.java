package qmig.viommu.mem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import qmig.testdata.Captures;
import qmig.viommu.DmaReadException;

class Q35MemoryTest {

    @Test
    void splitFollowsPcQ35Init() {
        assertEquals(new Q35RamLayout(256L << 20, 256L << 20, 0), Q35RamLayout.of(256L << 20));
        assertEquals(new Q35RamLayout(0xA0000000L, 0xA0000000L, 0), Q35RamLayout.of(0xA0000000L));
        Q35RamLayout big = Q35RamLayout.of(0xB0000000L);
        assertEquals(0x80000000L, big.below4g());
        assertEquals(0x30000000L, big.above4g());
        assertEquals(1L << 32, big.gpaOf(0x80000000L));
        assertEquals(0x80000000L, big.offsetOf(1L << 32));
        assertEquals(-1, big.offsetOf(0x90000000L));
        assertEquals(-1, big.offsetOf((1L << 32) + 0x30000000L));
    }

    @Test
    void sparseMemoryReadsLittleEndianAndFailsOutsideRam() throws Exception {
        SparseDmaMemory m = SparseDmaMemory.withRam(1 << 20);
        m.writeLongLE(0x1ffc, 0x1122334455667788L);     // crosses a page boundary
        assertEquals(0x1122334455667788L, m.readLongLE(0x1ffc));
        assertEquals(0, m.readLongLE(0x8000));
        assertThrows(DmaReadException.class, () -> m.readLongLE((1 << 20) - 4));
        assertThrows(DmaReadException.class, () -> m.readLongLE(-8));
        assertFalse(m.isRam(1 << 20));
        assertTrue(m.isRam(0));
    }

    @Test
    void captureRamLandsAtItsGuestPhysicalAddress() throws Exception {
        LoadedCapture c = LoadedCapture.read(Captures.Q35_LINUX_VIOMMU.bytes());
        assertEquals(256L << 20, c.layout().ramSize());
        assertTrue(c.memory().storedPages() > 1000);
        assertTrue(c.memory().isRam(0x620b000L));
        assertFalse(c.memory().isRam(0xfee00000L));
    }
}
