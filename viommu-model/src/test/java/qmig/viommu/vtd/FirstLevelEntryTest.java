package qmig.viommu.vtd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FirstLevelEntryTest {

    @Test
    void decodesAFourKilobyteLeaf() {
        // P | R/W | U/S | A | D, page at 0x12345000
        FirstLevelEntry e = new FirstLevelEntry(1, 0x0000_0000_1234_5067L);
        assertTrue(e.present() && e.writable() && e.user() && e.accessed() && e.dirty() && e.leaf());
        assertEquals(0x12345000L, e.address());
        assertEquals(0, e.reservedBits(48));
        assertEquals("FL1 0x0000000012345067 P RW U A D -> 0x12345000", e.toString());
    }

    @Test
    void largeLeavesAndTheirReservedAddressBits() {
        FirstLevelEntry twoMeg = new FirstLevelEntry(2, 0x0000_0000_4020_0085L); // P U PS, 0x40200000
        assertTrue(twoMeg.pageSize() && twoMeg.leaf());
        assertFalse(twoMeg.writable());
        assertEquals(0, twoMeg.reservedBits(48));
        FirstLevelEntry misaligned = new FirstLevelEntry(2, 0x0000_0000_4020_3085L); // bit 12 is PAT, bit 13 reserved
        assertEquals(0x2000, misaligned.reservedBits(48));
        FirstLevelEntry oneGig = new FirstLevelEntry(3, 0x0000_0000_4000_2085L);
        assertEquals(0x2000, oneGig.reservedBits(48));
        assertEquals(0x80, new FirstLevelEntry(4, 0x0000_0000_0000_1087L).reservedBits(48), "PS is reserved at level 4");
    }

    @Test
    void addressBitsAboveTheWidthAreReservedAndTheTopBitsIgnored() {
        FirstLevelEntry e = new FirstLevelEntry(1, 0xfff0_0080_0000_1007L);
        assertEquals(0x0000_0080_0000_0000L, e.reservedBits(39));
        assertEquals(0, e.reservedBits(48));
        assertThrows(IllegalArgumentException.class, () -> new FirstLevelEntry(5, 0));
    }
}
