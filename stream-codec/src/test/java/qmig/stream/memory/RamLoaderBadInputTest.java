package qmig.stream.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;
import qmig.stream.grammar.SectionType;
import qmig.stream.ram.BlockInfo;
import qmig.stream.ram.RamRecord;
import qmig.stream.wire.Limits;
import qmig.stream.wire.StreamFormatException;

/**
 * Malformed RAM reaches the memory as a typed {@link StreamFormatException} with a stream offset
 * and the block's name, whether the codec or the loader catches it.
 */
class RamLoaderBadInputTest {

    private static final int PAGE = 4096;
    private static final long BLOCK = 16 * PAGE;

    /** Header, START (MEM_SIZE pc.ram 64 KiB + pc.rom 8 KiB), one PART with {@code records}, END, EOF. */
    private static byte[] stream(RamRecord... records) throws IOException {
        List<RamRecord> part = new ArrayList<>(List.of(records));
        part.add(new RamRecord.Eos());
        return MemoryTestSupport.stream(List.of(
                RamEmitter.section(SectionType.SECTION_START, 2, List.of(
                        new RamRecord.MemSize(BLOCK + 2 * PAGE, List.of(new BlockInfo("pc.ram", BLOCK), new BlockInfo("pc.rom", 2 * PAGE))),
                        new RamRecord.Eos()), true),
                RamEmitter.section(SectionType.SECTION_PART, 2, part, true),
                RamEmitter.section(SectionType.SECTION_END, 2, List.of(new RamRecord.Eos()), true)));
    }

    private static StreamFormatException loadFails(byte[] stream) {
        return assertThrows(StreamFormatException.class, () -> RamLoader.load(stream, GuestMemory.onHeap(), Limits.DEFAULT));
    }

    private static byte[] filled(int b) {
        byte[] p = new byte[PAGE];
        Arrays.fill(p, (byte) b);
        return p;
    }

    @Test
    void corruptXbzrleNamesBlockAndOffset() throws IOException {
        // zrun 0, nzrun 5, but only 2 literal bytes follow
        byte[] bad = {0x00, 0x05, 0x11, 0x22};
        byte[] s = stream(new RamRecord.Page(0, false, "pc.ram", filled(1)),
                new RamRecord.Xbzrle(0x1000, true, null, bad));
        StreamFormatException e = loadFails(s);
        assertTrue(e instanceof StreamFormatException.Corrupt, e::toString);
        assertTrue(e.getMessage().contains("'pc.ram'") && e.getMessage().contains("0x1000"), e::getMessage);
        assertTrue(e.getMessage().contains("section 2 'ram'"), e::getMessage);
        // the offset points into the encoding, which sits at the end of the stream minus what follows it
        int encAt = indexOf(s, bad);
        assertTrue(e.offset() >= encAt && e.offset() < encAt + bad.length, () -> e.offset() + " vs " + encAt);
    }

    @Test
    void corruptXbzrleGivenDirectlyToTheLoader() throws IOException {
        GuestMemory mem = GuestMemory.onHeap();
        RamLoader l = new RamLoader(mem, () -> 1000);
        l.memSize(List.of(new BlockInfo("pc.ram", BLOCK)));
        l.page("pc.ram", 0, filled(7), 0);
        byte[] bad = {0x00, (byte) 0x81, 0x7f}; // a 2-byte count that leaves no room
        StreamFormatException e = assertThrows(StreamFormatException.class, () -> l.xbzrle("pc.ram", 0, bad, 0, 3));
        assertTrue(e.getMessage().contains("block 'pc.ram' page 0x0"), e::getMessage);
        assertTrue(e.offset() >= 997 && e.offset() <= 1000, e::toString);
        // the page kept its content
        byte[] back = new byte[PAGE];
        mem.requireBlock("pc.ram").readPage(0, back, 0);
        assertArrayEquals(filled(7), back);
    }

    @Test
    void zlibBombStopsAtOnePage() throws IOException {
        byte[] big = new byte[1 << 20];
        Deflater d = new Deflater(9);
        d.setInput(big);
        d.finish();
        byte[] buf = new byte[8192];
        int n = d.deflate(buf);
        d.end();
        assertTrue(n < RamRecord.MAX_COMPRESSED_LENGTH, "a 1 MiB bomb fits a compressed record: " + n);
        byte[] bomb = Arrays.copyOf(buf, n);
        StreamFormatException e = loadFails(stream(new RamRecord.Zero(0, false, "pc.ram", 0),
                new RamRecord.CompressedPage(0x2000, true, null, bomb)));
        assertTrue(e instanceof StreamFormatException.Corrupt, e::toString);
        assertTrue(e.getMessage().contains("more than 4096 bytes"), e::getMessage);
        assertTrue(e.getMessage().contains("block 'pc.ram' page 0x2000"), e::getMessage);
        assertTrue(e.offset() > 0, e::toString);
    }

    @Test
    void offsetPastUsedLength() throws IOException {
        StreamFormatException e = loadFails(stream(new RamRecord.Page(BLOCK, false, "pc.ram", filled(1))));
        assertTrue(e.getMessage().contains("Illegal RAM offset 0x10000 in block 'pc.ram'"), e::getMessage);
        assertTrue(e.offset() > 0, e::toString);

        RamLoader l = new RamLoader(GuestMemory.onHeap(), () -> 500);
        l.memSize(List.of(new BlockInfo("pc.rom", 2 * PAGE)));
        StreamFormatException d = assertThrows(StreamFormatException.class, () -> l.zero("pc.rom", 2 * PAGE, 0));
        assertTrue(d.getMessage().contains("Illegal RAM offset 0x2000 in block 'pc.rom'"), d::getMessage);
        assertEquals(499, d.offset());
    }

    @Test
    void unknownBlock() throws IOException {
        StreamFormatException e = loadFails(stream(new RamRecord.Zero(0, false, "vga.vram", 0)));
        assertTrue(e.getMessage().contains("Can't find block 'vga.vram'"), e::getMessage);
        assertTrue(e.offset() > 0, e::toString);

        RamLoader l = new RamLoader(GuestMemory.onHeap(), () -> 9000);
        StreamFormatException d = assertThrows(StreamFormatException.class, () -> l.page("pc.ram", 0, filled(1), 0));
        assertTrue(d.getMessage().contains("Can't find block 'pc.ram'"), d::getMessage);
        assertEquals(9000 - PAGE, d.offset());
    }

    @Test
    void announcementsAboveTheLimitAllocateNothing() throws IOException {
        GuestMemory mem = GuestMemory.create(MemoryOptions.heap().withMaxGuestBytes(1L << 30));
        RamLoader l = new RamLoader(mem, () -> 77);
        StreamFormatException e = assertThrows(StreamFormatException.LimitExceeded.class,
                () -> l.memSize(List.of(new BlockInfo("pc.ram", 1L << 30), new BlockInfo("pc.bios", 1L << 18))));
        assertTrue(e.getMessage().contains("MemoryOptions.maxGuestBytes"), e::getMessage);
        assertEquals(77, e.offset());
        assertTrue(mem.blocks().isEmpty());
        // a used_length with the sign bit set (be64 from the wire) is over every limit
        assertThrows(StreamFormatException.LimitExceeded.class,
                () -> l.memSize(List.of(new BlockInfo("pc.ram", 0x8000_0000_0000_0000L))));
        // and a used_length that is not whole pages is corrupt
        StreamFormatException c = assertThrows(StreamFormatException.Corrupt.class,
                () -> l.memSize(List.of(new BlockInfo("odd", 0x1800))));
        assertTrue(c.getMessage().contains("'odd'"), c::getMessage);
    }

    @Test
    void zeroRecordsFillAndFree() throws IOException {
        GuestMemory mem = GuestMemory.onHeap();
        RamLoader.load(stream(new RamRecord.Page(0, false, "pc.ram", filled(9)),
                new RamRecord.Zero(0x1000, true, null, 0xaa),      // 7.2 memsets any fill byte
                new RamRecord.Page(0x2000, true, null, filled(3)),
                new RamRecord.Zero(0x2000, true, null, 0)), mem, Limits.DEFAULT); // content, then zero again
        RamBlockImage ram = mem.requireBlock("pc.ram");
        byte[] p = new byte[PAGE];
        ram.readPage(0x1000, p, 0);
        assertArrayEquals(filled(0xaa), p);
        ram.readPage(0x2000, p, 0);
        assertArrayEquals(new byte[PAGE], p);
        assertTrue(ram.isZeroPage(0x2000));
        assertEquals(2, ram.nonZeroPages());
    }

    @Test
    void truncatedStreamIsTruncated() throws IOException {
        byte[] s = stream(new RamRecord.Page(0, false, "pc.ram", filled(1)));
        for (int cut : new int[] {0, 8, s.length / 2, s.length - 2}) {
            StreamFormatException e = loadFails(Arrays.copyOf(s, cut));
            assertTrue(e instanceof StreamFormatException.Truncated, () -> cut + ": " + e);
        }
    }

    @Test
    void emittedStreamIsAcceptedWhole() throws IOException {
        // the fixture itself is valid: the failures above come from the bad record alone
        RamLoader.Stats st = RamLoader.load(stream(new RamRecord.Page(0, false, "pc.ram", filled(1))),
                GuestMemory.onHeap(), Limits.DEFAULT);
        assertEquals(new RamLoader.Stats(0, 1, 0, 0, 3), st);
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = hay.length - needle.length; i >= 0; i--) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
