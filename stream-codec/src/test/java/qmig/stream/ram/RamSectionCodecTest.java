package qmig.stream.ram;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import qmig.stream.wire.Limits;
import qmig.stream.wire.StreamFormatException;
import qmig.stream.wire.WireReader;
import qmig.stream.wire.WireWriter;

class RamSectionCodecTest {

    // ---- helpers ------------------------------------------------------------------------------

    private static List<RamRecord> read(byte[] payload, RamChannelState state) throws IOException {
        return read(payload, state, new RamSectionCodec(Limits.DEFAULT, PageSink.NONE, true));
    }

    private static List<RamRecord> read(byte[] payload, RamChannelState state, RamSectionCodec codec)
            throws IOException {
        WireReader r = WireReader.of(payload);
        List<RamRecord> records = codec.read(r, state);
        assertEquals(payload.length, r.position(), "the payload is consumed exactly, through EOS");
        return records;
    }

    /** A channel that has read the START payload of spec/ram.md §13. */
    private static RamChannelState afterStart() throws IOException {
        RamChannelState s = new RamChannelState();
        read(RamFixtures.start().build(), s);
        return s;
    }

    /** A channel whose last block is pc.ram (as after a PART that ended on a pc.ram page). */
    private static RamChannelState afterPcRamPage() throws IOException {
        RamChannelState s = afterStart();
        read(new RamFixtures().rec(0, 0x02).cstr8("pc.ram").u8(0).rec(0, 0x10).build(), s);
        return s;
    }

    /** Each fixture with the channel state it is read in. */
    static Stream<Arguments> fixtures() {
        return Stream.of(
                Arguments.of("start", (Supplier<RamFixtures>) RamFixtures::start, false),
                Arguments.of("part", (Supplier<RamFixtures>) RamFixtures::part, true),
                Arguments.of("xbzrle", (Supplier<RamFixtures>) RamFixtures::xbzrle, true),
                Arguments.of("compressed", (Supplier<RamFixtures>) RamFixtures::compressed, true),
                Arguments.of("flush", (Supplier<RamFixtures>) RamFixtures::flush, true));
    }

    private static RamChannelState stateFor(boolean needsLastBlock) throws IOException {
        return needsLastBlock ? afterPcRamPage() : new RamChannelState();
    }

    // ---- decoding the fixtures ----------------------------------------------------------------

    @Test
    void startAnnouncesTheBlockList() throws IOException {
        RamChannelState s = new RamChannelState();
        RecordingSink sink = new RecordingSink(true);
        List<RamRecord> recs = read(RamFixtures.start().build(), s, new RamSectionCodec(Limits.DEFAULT, sink, false));

        assertEquals(2, recs.size());
        RamRecord.MemSize m = assertInstanceOf(RamRecord.MemSize.class, recs.get(0));
        assertEquals(0x8082000L, m.total());
        assertEquals(0, m.at());
        assertEquals(List.of(new BlockInfo("pc.ram", 0x8000000L), new BlockInfo("/rom@etc/acpi/tables", 0x20000L),
                new BlockInfo("pc.bios", 0x40000L), new BlockInfo("pc.rom", 0x20000L),
                new BlockInfo("/rom@etc/table-loader", 0x1000L), new BlockInfo("/rom@etc/acpi/rsdp", 0x1000L)),
                m.blocks());
        assertInstanceOf(RamRecord.Eos.class, recs.get(1));
        assertEquals(List.of("pc.ram", "/rom@etc/acpi/tables", "pc.bios", "pc.rom", "/rom@etc/table-loader",
                "/rom@etc/acpi/rsdp"), List.copyOf(s.blocks().keySet()));
        assertEquals(OptionalLong.of(0x40000L), s.usedLength("pc.bios"));
        assertNull(s.lastBlock());
        assertEquals(List.of("memSize 6", "eos"), sink.log);
    }

    @Test
    void partRecordsAndSinkCalls() throws IOException {
        RamChannelState s = afterStart();
        RecordingSink sink = new RecordingSink(true);
        RamFixtures f = RamFixtures.part();
        List<RamRecord> recs = read(f.build(), s, new RamSectionCodec(Limits.DEFAULT, sink, true));

        List<Integer> at = f.recordStarts();
        assertEquals(List.of(
                new RamRecord.Zero(at.get(0), 0x0, false, "pc.ram", 0),
                new RamRecord.Zero(at.get(1), 0x1000, true, null, 0),
                new RamRecord.Page(at.get(2), 0x2000, true, null, RamFixtures.pattern(7)),
                new RamRecord.Page(at.get(3), 0x3f000, false, "pc.bios", RamFixtures.pattern(9)),
                new RamRecord.Zero(at.get(4), 0x3e000, true, null, 0),
                new RamRecord.Eos(at.get(5), false)), recs);
        assertEquals(List.of("zero pc.ram 0x0 0", "zero pc.ram 0x1000 0", "page pc.ram 0x2000 7",
                "page pc.bios 0x3f000 9", "zero pc.bios 0x3e000 0", "eos"), sink.log);
        assertEquals("pc.bios", s.lastBlock());
    }

    @Test
    void xbzrleAndCompressedRecords() throws IOException {
        RamChannelState s = afterPcRamPage();
        List<RamRecord> x = read(RamFixtures.xbzrle().build(), s);
        RamRecord.Xbzrle first = assertInstanceOf(RamRecord.Xbzrle.class, x.get(0));
        assertTrue(first.cont());
        assertArrayEquals(new byte[] {0x10, 0x02, (byte) 0xaa, (byte) 0xbb}, first.encoded());
        RamRecord.Xbzrle second = assertInstanceOf(RamRecord.Xbzrle.class, x.get(1));
        assertEquals("pc.rom", second.block());
        assertEquals(7, second.length());

        List<RamRecord> c = read(RamFixtures.compressed().build(), s);
        RamRecord.CompressedPage z = assertInstanceOf(RamRecord.CompressedPage.class, c.get(1));
        assertEquals(0x6000, z.offset());
        assertEquals(0x78, z.zlib()[0] & 0xff);
        assertEquals(0x01, z.zlib()[1] & 0xff);
        try (ZlibPage zp = new ZlibPage()) {
            assertArrayEquals(RamFixtures.pattern(3), zp.inflate(z.zlib(), -1));
        }
        assertEquals(0, ((RamRecord.CompressedPage) c.get(2)).length());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void readThenWriteIsByteIdentical(String name, Supplier<RamFixtures> fixture, boolean needsLast)
            throws IOException {
        byte[] payload = fixture.get().build();
        RamSectionCodec codec = new RamSectionCodec(Limits.DEFAULT, PageSink.NONE, true);
        List<RamRecord> recs = read(payload, stateFor(needsLast), codec);
        WireWriter w = WireWriter.inMemory();
        codec.write(w, recs);
        assertArrayEquals(payload, w.toByteArray());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void everyCutThrowsTruncatedAndLeavesTheStateAlone(String name, Supplier<RamFixtures> fixture, boolean needsLast)
            throws IOException {
        byte[] payload = fixture.get().build();
        for (int n = 0; n < payload.length; n++) {
            byte[] cut = java.util.Arrays.copyOf(payload, n);
            RamChannelState s = stateFor(needsLast);
            String lastBefore = s.lastBlock();
            Map<String, Long> blocksBefore = Map.copyOf(s.blocks());
            for (boolean retain : new boolean[] {true, false}) {
                RamSectionCodec codec = new RamSectionCodec(Limits.DEFAULT, new RecordingSink(!retain), retain);
                final int len = n;
                StreamFormatException e = assertThrows(StreamFormatException.class,
                        () -> codec.read(WireReader.of(cut), s), () -> name + " cut at " + len);
                assertInstanceOf(StreamFormatException.Truncated.class, e, () -> name + " cut at " + len + ": " + e);
                assertTrue(e.offset() >= 0 && e.offset() <= n, () -> "offset of " + e);
            }
            assertEquals(lastBefore, s.lastBlock());
            assertEquals(blocksBefore, s.blocks());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void flippedFlagsAreCorruptAtTheRecord(String name, Supplier<RamFixtures> fixture, boolean needsLast)
            throws IOException {
        RamFixtures f = fixture.get();
        byte[] payload = f.build();
        int[] bad = {0x000, 0x001, 0x003, 0x00a, 0x012, 0x014, 0x021, 0x042, 0x108, 0x400, 0x800, 0xc08};
        for (int start : f.recordStarts()) {
            for (int flags : bad) {
                byte[] b = payload.clone();
                b[start + 6] = (byte) ((b[start + 6] & 0xf0) | (flags >>> 8));
                b[start + 7] = (byte) flags;
                StreamFormatException e = assertThrows(StreamFormatException.class,
                        () -> read(b, stateFor(needsLast)));
                assertInstanceOf(StreamFormatException.Corrupt.class, e, e::toString);
                assertEquals(start, e.offset(), e::toString);
                assertTrue(e.detail().startsWith(String.format("Unknown combination of migration flags: 0x%x", flags)),
                        e::toString);
            }
            for (int hook : new int[] {0x080, 0x0a8, 0x082}) {
                byte[] b = payload.clone();
                b[start + 6] = (byte) (b[start + 6] & 0xf0);
                b[start + 7] = (byte) hook;
                StreamFormatException e = assertThrows(StreamFormatException.class, () -> read(b, stateFor(needsLast)));
                assertInstanceOf(StreamFormatException.Corrupt.class, e);
                assertEquals(start, e.offset());
                assertTrue(e.detail().contains("RAM_SAVE_FLAG_HOOK") && e.detail().contains("RDMA"), e::toString);
            }
        }
    }

    // ---- block resolution and CONTINUE --------------------------------------------------------

    @Test
    void continuePersistsAcrossSections() throws IOException {
        RamChannelState s = afterStart();
        read(RamFixtures.part().build(), s);                 // ends on a pc.bios page
        assertEquals("pc.bios", s.lastBlock());
        RecordingSink sink = new RecordingSink(true);
        read(RamFixtures.flush().build(), s, new RamSectionCodec(Limits.DEFAULT, sink, false));
        assertEquals(List.of("zero pc.bios 0x4000 0", "flush", "eos"), sink.log);
        assertEquals("pc.bios", s.lastBlock());
    }

    @Test
    void continueWithoutLastBlockIsCorrupt() throws IOException {
        byte[] b = RamFixtures.flush().build();              // starts with ZERO|CONTINUE
        StreamFormatException e = assertThrows(StreamFormatException.Corrupt.class, () -> read(b, afterStart()));
        assertEquals(0, e.offset());
        assertTrue(e.detail().contains("bad migration stream"), e::toString);
    }

    @Test
    void unknownBlockIsCorruptAndNamed() throws IOException {
        byte[] named = new RamFixtures()
                .rec(0x1000, 0x22).u8(0)                       // ZERO|CONTINUE onto pc.ram
                .rec(0x2000, 0x02).cstr8("pc.ramx").u8(0)      // ZERO naming a block MEM_SIZE never listed
                .rec(0, 0x10).build();
        StreamFormatException e = assertThrows(StreamFormatException.Corrupt.class, () -> read(named, afterPcRamPage()));
        assertEquals(9, e.offset());
        assertTrue(e.detail().contains("'pc.ramx'"), e::toString);
        // before any MEM_SIZE nothing is known
        StreamFormatException e2 = assertThrows(StreamFormatException.Corrupt.class,
                () -> read(RamFixtures.part().build(), new RamChannelState()));
        assertTrue(e2.detail().contains("'pc.ram'"), e2::toString);
    }

    @ParameterizedTest
    @ValueSource(longs = {0x20000L, 0x21000L, 0x7ffffffffffff000L, 0xfffffffffffff000L})
    void offsetOutsideTheBlockIsIllegal(long offset) throws IOException {
        byte[] b = new RamFixtures()
                .rec(0x1f000, 0x08).cstr8("pc.rom").bytes(new byte[4096])   // last page of pc.rom (0x20000): fine
                .rec(offset, 0x22).u8(0)                                    // one beyond
                .rec(0, 0x10).build();
        StreamFormatException e = assertThrows(StreamFormatException.Corrupt.class, () -> read(b, afterStart()));
        assertEquals(8 + 7 + 4096, e.offset());
        assertTrue(e.detail().startsWith("Illegal RAM offset 0x" + Long.toHexString(offset)), e::toString);
    }

    // ---- MEM_SIZE -----------------------------------------------------------------------------

    @Test
    void memSizeListThatOvershootsItsTotalIsCorrupt() {
        byte[] b = new RamFixtures()
                .rec(0x3000, 0x04)                       // total 0x3000 | MEM_SIZE
                .cstr8("a").be64(0x1000)                 // 0x2000 left
                .cstr8("b").be64(0x4000)                 // overshoots
                .rec(0, 0x10).build();
        StreamFormatException e = assertThrows(StreamFormatException.Corrupt.class,
                () -> read(b, new RamChannelState()));
        assertEquals(8 + 2 + 8, e.offset());
        assertTrue(e.detail().contains("overshoots") && e.detail().contains("'b'"), e::toString);
    }

    @Test
    void memSizeBlockCountIsLimited() {
        byte[] b = new RamFixtures()
                .rec(0x3000, 0x04).cstr8("a").be64(0x1000).cstr8("b").be64(0x1000).cstr8("c").be64(0x1000)
                .rec(0, 0x10).build();
        RamSectionCodec codec = new RamSectionCodec(Limits.DEFAULT.withMaxRamBlocks(2), PageSink.NONE, true);
        StreamFormatException e = assertThrows(StreamFormatException.LimitExceeded.class,
                () -> codec.read(WireReader.of(b), new RamChannelState()));
        assertTrue(e.detail().contains("Limits.maxRamBlocks"), e::toString);
    }

    @Test
    void memSizeOptionalFieldsFollowTheState() throws IOException {
        byte[] b = new RamFixtures()
                .rec(0x202000, 0x04)                                  // total 0x202000 | MEM_SIZE
                .cstr8("pc.ram").be64(0x200000).be64(0x200000)        // used 2 MiB, page_size 2 MiB (hugepages), gpa
                .be64(0x0)
                .cstr8("pc.rom").be64(0x2000).be64(0xc0000)           // used 0x2000, no page_size, gpa 0xc0000
                .rec(0, 0x10).build();
        RamChannelState s = new RamChannelState("pc.ram"::equals, true);
        RamSectionCodec codec = new RamSectionCodec(Limits.DEFAULT, PageSink.NONE, true);
        List<RamRecord> recs = read(b, s, codec);
        RamRecord.MemSize m = (RamRecord.MemSize) recs.get(0);
        assertEquals(new BlockInfo("pc.ram", 0x200000, OptionalLong.of(0x200000), OptionalLong.of(0)), m.blocks().get(0));
        assertEquals(new BlockInfo("pc.rom", 0x2000, OptionalLong.empty(), OptionalLong.of(0xc0000)), m.blocks().get(1));
        WireWriter w = WireWriter.inMemory();
        codec.write(w, recs);
        assertArrayEquals(b, w.toByteArray());
        // without the capabilities the same bytes do not parse
        assertThrows(StreamFormatException.class, () -> read(b, new RamChannelState()));
    }

    // ---- page bodies --------------------------------------------------------------------------

    @Test
    void xbzrleHeaderChecks() throws IOException {
        byte[] wrongFlag = new RamFixtures().rec(0x1000, 0x40).cstr8("pc.rom").u8(0x02).be16(1).u8(0)
                .rec(0, 0x10).build();
        StreamFormatException e = assertThrows(StreamFormatException.Corrupt.class, () -> read(wrongFlag, afterStart()));
        assertEquals(8 + 7, e.offset());
        assertTrue(e.detail().contains("wrong compression"), e::toString);

        byte[] tooLong = new RamFixtures().rec(0x1000, 0x40).cstr8("pc.rom").u8(0x01).be16(4097)
                .rec(0, 0x10).build();
        e = assertThrows(StreamFormatException.Corrupt.class, () -> read(tooLong, afterStart()));
        assertEquals(8 + 7 + 1, e.offset());
        assertTrue(e.detail().contains("len overflow"), e::toString);

        RamFixtures bad = RamFixtures.xbzrleBadDelta();
        e = assertThrows(StreamFormatException.Corrupt.class, () -> read(bad.build(), afterPcRamPage()));
        assertEquals(8 + 3 + 4, e.offset(), e::toString);     // the stray byte after the first run
        assertTrue(e.detail().contains("decode error"), e::toString);
    }

    @ParameterizedTest
    @ValueSource(ints = {4111, 0x7fffffff, -1, 0x80000000})
    void compressedLengthIsCheckedBeforeReading(int len) throws IOException {
        byte[] b = new RamFixtures().rec(0x1000, 0x100).cstr8("pc.rom").be32(len).rec(0, 0x10).build();
        StreamFormatException e = assertThrows(StreamFormatException.Corrupt.class, () -> read(b, afterStart()));
        assertEquals(8 + 7, e.offset());
        assertTrue(e.detail().startsWith("Invalid compressed data length: " + len), e::toString);
    }

    @Test
    void anyZeroFillIsAccepted() throws IOException {
        byte[] b = new RamFixtures().rec(0x1000, 0x22).u8(0xa5).rec(0, 0x10).build();
        RecordingSink sink = new RecordingSink(true);
        List<RamRecord> recs = read(b, afterPcRamPage(), new RamSectionCodec(Limits.DEFAULT, sink, false));
        assertEquals(0xa5, ((RamRecord.Zero) recs.get(0)).fill());
        assertEquals("zero pc.ram 0x1000 165", sink.log.get(0));
    }

    @Test
    void pagesNotRetainedCannotBeWrittenBack() throws IOException {
        RamSectionCodec codec = new RamSectionCodec(Limits.DEFAULT, PageSink.NONE, false);
        List<RamRecord> recs = read(RamFixtures.part().build(), afterStart(), codec);
        assertNull(((RamRecord.Page) recs.get(2)).data());
        assertThrows(IllegalArgumentException.class, () -> codec.write(WireWriter.inMemory(), recs));
    }

    // ---- input shapes and skipping ------------------------------------------------------------

    enum Source {
        ARRAY, ONE_BYTE_AT_A_TIME, FILE_CHANNEL
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void everyInputShapeReadsTheSame(Source source, boolean retain, boolean wantsContent, @TempDir Path dir)
            throws IOException {
        byte[] payload = concat(RamFixtures.part().build(), RamFixtures.compressed().build(), new byte[] {0x7e});
        RamChannelState reference = afterStart();
        List<RamRecord> expected = new RamSectionCodec(Limits.DEFAULT, PageSink.NONE, retain)
                .read(WireReader.of(payload), reference);

        RamChannelState s = afterStart();
        RecordingSink sink = new RecordingSink(wantsContent);
        RamSectionCodec codec = new RamSectionCodec(Limits.DEFAULT, sink, retain);
        Path file = dir.resolve("payload.bin");
        Files.write(file, payload);
        try (FileChannel fc = FileChannel.open(file, StandardOpenOption.READ)) {
            WireReader r = switch (source) {
                case ARRAY -> WireReader.of(payload);
                case ONE_BYTE_AT_A_TIME -> WireReader.of(oneByteAtATime(payload), 4096);
                case FILE_CHANNEL -> WireReader.of(fc, 4096);
            };
            List<RamRecord> first = codec.read(r, s);
            List<RamRecord> second = codec.read(r, s);
            assertEquals(expected.size(), first.size());
            assertEquals(RamFixtures.part().recordStarts().size(), first.size());
            assertEquals(0x7e, r.u8(), "positioned just after EOS");
            assertTrue(r.atEnd());
            assertEquals(new RamSectionCodec(Limits.DEFAULT, PageSink.NONE, retain)
                    .read(WireReader.of(RamFixtures.compressed().build()), afterPcRamPage()).size(), second.size());
            RamRecord.Page page = (RamRecord.Page) first.get(2);
            if (retain) {
                assertArrayEquals(RamFixtures.pattern(7), page.data());
            } else {
                assertNull(page.data());
            }
        }
        long skipped = sink.log.stream().filter(l -> l.endsWith("skipped")).count();
        assertEquals(wantsContent || retain ? 0 : 5, skipped, sink.log::toString);
        assertEquals(2, sink.counts.get("pc.bios")[0] + sink.counts.get("pc.bios")[1]);
        assertEquals(6, sink.counts.get("pc.ram")[0] + sink.counts.get("pc.ram")[1]);
    }

    static Stream<Arguments> shapes() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (Source s : Source.values()) {
            b.add(Arguments.of(s, true, true));
            b.add(Arguments.of(s, false, true));
            b.add(Arguments.of(s, false, false));
        }
        return b.build();
    }

    static InputStream oneByteAtATime(byte[] b) {
        return new ByteArrayInputStream(b) {
            @Override
            public synchronized int read(byte[] dst, int off, int len) {
                return super.read(dst, off, Math.min(len, 1));
            }
        };
    }

    static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream o = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }
}
