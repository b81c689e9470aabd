package qmig.stream.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qmig.stream.memory.PhysicalMap.GiB;
import static qmig.stream.memory.PhysicalMap.MiB;

import java.io.IOException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import qmig.stream.memory.PhysicalMap.Chipset;
import qmig.stream.memory.PhysicalMap.RamSplit;

/** pc (i440fx) and q35 guest-physical layouts of QEMU 7.2 (hw/i386/pc_piix.c, pc_q35.c; spec/ram.md §11). */
class PhysicalMapTest {

    private static final long FOUR_G = 4 * GiB;

    /** chipset, -m, expected below 4 GiB, expected above 4 GiB. */
    static Stream<Arguments> splits() {
        return Stream.of(
                // q35: lowmem 0xb0000000, or 0x80000000 once ram >= 0xb0000000
                Arguments.of(Chipset.Q35, 64 * MiB, 64 * MiB, 0L),
                Arguments.of(Chipset.Q35, 2560 * MiB, 2560 * MiB, 0L),
                Arguments.of(Chipset.Q35, 2816 * MiB, 2 * GiB, 768 * MiB),     // exactly 0xb0000000
                Arguments.of(Chipset.Q35, 3584 * MiB, 2 * GiB, 1536 * MiB),
                Arguments.of(Chipset.Q35, 4 * GiB, 2 * GiB, 2 * GiB),
                Arguments.of(Chipset.Q35, 8 * GiB, 2 * GiB, 6 * GiB),
                // pc: lowmem 0xe0000000; once ram >= that, gigabyte-aligned to 0xc0000000
                Arguments.of(Chipset.I440FX, 64 * MiB, 64 * MiB, 0L),
                Arguments.of(Chipset.I440FX, 2560 * MiB, 2560 * MiB, 0L),
                Arguments.of(Chipset.I440FX, 2816 * MiB, 2816 * MiB, 0L),
                Arguments.of(Chipset.I440FX, 3584 * MiB, 3 * GiB, 512 * MiB),  // exactly 0xe0000000
                Arguments.of(Chipset.I440FX, 4 * GiB, 3 * GiB, 1 * GiB),
                Arguments.of(Chipset.I440FX, 8 * GiB, 3 * GiB, 5 * GiB));
    }

    @ParameterizedTest(name = "{0} -m {1}")
    @MethodSource("splits")
    void splitAndHoles(Chipset chipset, long ram, long below, long above) throws IOException {
        PhysicalMap.X86Builder b = PhysicalMap.x86(chipset, ram);
        assertEquals(new RamSplit(below, above, FOUR_G), b.split());
        PhysicalMap map = b.build();

        GuestMemory mem = GuestMemory.onHeap();
        RamBlockImage pcRam = mem.addBlock("pc.ram", ram);
        RamBlockImage bios = mem.addBlock("pc.bios", 256 * 1024);
        RamBlockImage rom = mem.addBlock("pc.rom", 128 * 1024);
        GuestPhysicalMemory phys = mem.physical(map);

        // low RAM, the VGA window hole, the PAM area at reset: pc.rom and isa-bios
        assertTrue(phys.isRam(0));
        assertTrue(phys.isRam(0x9ffff));
        assertFalse(phys.isRam(0xa0000));
        assertFalse(phys.isRam(0xbffff));
        assertEquals("pc.rom", phys.locate(0xc0000).block());
        assertEquals(0x1ffff, phys.blockOffset(0xdffff));
        assertEquals("pc.bios", phys.locate(0xe0000).block());
        assertEquals(0x20000, phys.blockOffset(0xe0000));
        assertEquals(0x3fff0, phys.blockOffset(0xffff0));                // reset vector, via isa-bios
        assertEquals(0x3fff0, phys.blockOffset(FOUR_G - 16));           // the same byte at the top of 4 GiB
        assertEquals(MiB, phys.blockOffset(MiB));

        // the end of low RAM, the PCI hole, IOAPIC, pc.bios
        assertTrue(phys.isRam(below - 1));
        assertEquals(below - 1, phys.blockOffset(below - 1));
        assertFalse(phys.isRam(below));
        assertFalse(phys.isRam(0xfec00000L));
        assertFalse(phys.isRam(FOUR_G - 256 * 1024 - 1));
        assertEquals(0, phys.blockOffset(FOUR_G - 256 * 1024));

        // above 4 GiB
        assertEquals(above > 0, phys.isRam(FOUR_G));
        if (above > 0) {
            assertEquals(below, phys.blockOffset(FOUR_G));
            assertEquals(ram - 1, phys.blockOffset(FOUR_G + above - 1));
        }
        assertFalse(phys.isRam(FOUR_G + above));
        assertNull(map.find(FOUR_G + above));

        // one write into pc.ram across the split, read back by GPA from both sides
        byte[] marker = {1, 2, 3, 4, 5, 6, 7, 8};
        pcRam.write(below - 4, marker, 0, above > 0 ? 8 : 4);
        assertArrayEquals(new byte[] {1, 2, 3, 4}, phys.read(below - 4, 4));
        if (above > 0) {
            assertArrayEquals(new byte[] {5, 6, 7, 8}, phys.read(FOUR_G, 4));
            assertEquals(0x04030201, phys.readIntLE(below - 4));
            assertEquals(0x08070605, phys.readIntLE(FOUR_G));
        }
        NotRamException e = assertThrows(NotRamException.class, () -> phys.read(below - 4, new byte[8], 0, 8));
        assertEquals(below, e.gpa());
        assertFalse(phys.isRam(below - 4, 8));
        assertTrue(phys.isRam(below - 4, 4));

        // ROM content shows where the map puts it
        bios.write(0x3fff0, new byte[] {(byte) 0xea, 0x5b, (byte) 0xe0}, 0, 3);
        assertArrayEquals(new byte[] {(byte) 0xea, 0x5b, (byte) 0xe0}, phys.read(0xffff0, 3));
        assertArrayEquals(new byte[] {(byte) 0xea, 0x5b, (byte) 0xe0}, phys.read(FOUR_G - 16, 3));
        rom.write(0, new byte[] {0x55, (byte) 0xaa}, 0, 2);
        assertEquals(0xaa55, phys.readIntLE(0xc0000) & 0xffff);
    }

    /** Real captures: the reset vector in pc.bios shows at 0xffff0 (isa-bios) and at 4 GiB - 16. */
    @ParameterizedTest
    @MethodSource("plainCaptures")
    void capturedFirmwareAppearsAtBothAliases(qmig.testdata.Capture c, String machine, Chipset chipset) throws IOException {
        GuestMemory mem = GuestMemory.onHeap();
        String type;
        try (RamLoader l = new RamLoader(mem)) {
            type = l.readStream(qmig.stream.wire.WireReader.of(c.bytes()), qmig.stream.wire.Limits.DEFAULT);
        }
        assertEquals(machine, type);
        PhysicalMap map = PhysicalMap.forMachine(type, mem);
        GuestPhysicalMemory phys = mem.physical(map);
        byte[] top = phys.read(FOUR_G - 16, 16);
        byte[] low = phys.read(0xffff0, 16);
        assertArrayEquals(top, low);
        assertEquals((byte) 0xea, top[0], "SeaBIOS starts with a far jump");    // ljmp f000:e05b
        long ram = mem.requireBlock("pc.ram").usedLength();
        assertEquals(PhysicalMap.split(chipset, ram, 0, true).below4g(), ram); // small guests: all below 4 GiB
        assertFalse(phys.isRam(ram));
    }

    static Stream<Arguments> plainCaptures() {
        return Stream.of(Arguments.of(qmig.testdata.Captures.Q35_PLAIN, "pc-q35-7.2", Chipset.Q35),
                Arguments.of(qmig.testdata.Captures.PC_PLAIN, "pc-i440fx-7.2", Chipset.I440FX));
    }

    @Test
    void machineTypes() throws IOException {
        GuestMemory mem = GuestMemory.onHeap();
        mem.addBlock("pc.ram", 4 * GiB);
        assertEquals(3 * GiB, PhysicalMap.forMachine("pc-i440fx-7.2", mem).find(FOUR_G).blockOffset());
        assertEquals(3584 * MiB, PhysicalMap.forMachine("pc-i440fx-1.7", mem).find(FOUR_G).blockOffset());
        assertEquals(3584 * MiB, PhysicalMap.forMachine("pc-1.2", mem).find(FOUR_G).blockOffset());
        assertEquals(2 * GiB, PhysicalMap.forMachine("pc-q35-7.2", mem).find(FOUR_G).blockOffset());
        assertThrows(IllegalArgumentException.class, () -> PhysicalMap.forMachine("virt-7.2", mem));
    }

    @Test
    void qemuSourceCommentExamplesForPc() {
        // hw/i386/pc_piix.c: pc-1.7 -m 4G -> 3584M low, 512M high
        assertEquals(new RamSplit(3584 * MiB, 512 * MiB, FOUR_G),
                PhysicalMap.x86(Chipset.I440FX, 4 * GiB).gigabyteAlign(false).split());
        // pc,max-ram-below-4g=2G -m 4G -> 2048M low, 2048M high
        assertEquals(new RamSplit(2 * GiB, 2 * GiB, FOUR_G),
                PhysicalMap.x86(Chipset.I440FX, 4 * GiB).maxRamBelow4g(2 * GiB).split());
        // pc,max-ram-below-4g=4G -m 3968M -> 3968M low
        assertEquals(new RamSplit(3968 * MiB, 0, FOUR_G),
                PhysicalMap.x86(Chipset.I440FX, 3968 * MiB).maxRamBelow4g(4 * GiB).split());
        // q35 takes min(lowmem, max-ram-below-4g)
        assertEquals(new RamSplit(GiB, 3 * GiB, FOUR_G),
                PhysicalMap.x86(Chipset.Q35, 4 * GiB).maxRamBelow4g(GiB).split());
    }

    @Test
    void pamAttributesSelectRamOrRom() throws IOException {
        // PAM0 high nibble: 0xf0000; PAM1 low nibble 0xc0000, high nibble 0xc4000; PAM5 low nibble 0xe0000
        byte[] pam = {0x30, 0x01, 0, 0, 0, 0x00, 0x20};
        PhysicalMap map = PhysicalMap.x86(Chipset.Q35, 64 * MiB).pam(pam).build();
        GuestMemory mem = GuestMemory.onHeap();
        mem.addBlock("pc.ram", 64 * MiB);
        mem.addBlock("pc.bios", 256 * 1024);
        mem.addBlock("pc.rom", 128 * 1024);
        GuestPhysicalMemory phys = mem.physical(map);
        assertEquals("pc.ram", phys.locate(0xc0000).block());
        assertEquals("pc.rom", phys.locate(0xc4000).block());
        assertEquals(0x4000, phys.blockOffset(0xc4000));
        assertEquals("pc.bios", phys.locate(0xe0000).block());
        assertEquals("pc.ram", phys.locate(0xec000).block());        // PAM6 high nibble: WE only -> RAM in 7.2
        assertEquals("pc.ram", phys.locate(0xf0000).block());
        assertEquals(0xfffff, phys.blockOffset(0xfffff));
        // RAM regions touching low RAM merge with it
        assertTrue(map.find(0xc0000).name().contains("pam-ram"));
    }

    @Test
    void rangesOfMissingBlocksAreNotRam() throws IOException {
        GuestMemory mem = GuestMemory.onHeap();
        mem.addBlock("pc.ram", 64 * MiB);
        GuestPhysicalMemory phys = mem.physical(PhysicalMap.q35(64 * MiB));
        assertFalse(phys.isRam(0xc0000));
        NotRamException e = assertThrows(NotRamException.class, () -> phys.readLongLE(FOUR_G - 8));
        assertTrue(e.getMessage().contains("pc.bios"), e::getMessage);
        // a map that is larger than the block is a configuration error
        assertThrows(IllegalArgumentException.class, () -> mem.physical(PhysicalMap.q35(128 * MiB)));
    }

    @Test
    void readLongLeAcrossPageAndRangeEdges() throws IOException {
        GuestMemory mem = GuestMemory.onHeap();
        RamBlockImage ram = mem.addBlock("pc.ram", 4 * GiB);
        GuestPhysicalMemory phys = mem.physical(PhysicalMap.x86(Chipset.Q35, 4 * GiB).biosSize(0).build());
        ram.write(0x1ffc, new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, 0, 8);
        assertEquals(0x0807060504030201L, phys.readLongLE(0x1ffc));
        assertEquals(0x0807060504030201L, ram.readLongLE(0x1ffc));
        // 0x9fffc..0xa0003 runs into the VGA window
        assertEquals(0xa0000, assertThrows(NotRamException.class, () -> phys.readLongLE(0x9fffc)).gpa());
        assertEquals(0, phys.readLongLE(FOUR_G + 0x1000)); // zero page above 4 GiB
        assertEquals(2, ram.nonZeroPages());
    }
}
