package qmig.stream.multifd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import qmig.stream.wire.StreamFormatException;
import qmig.stream.grammar.MigrationStream;
import qmig.stream.grammar.ReaderOptions;
import qmig.stream.grammar.StreamReader;
import qmig.stream.ram.PageSink;
import qmig.stream.wire.Limits;
import qmig.stream.wire.WireReader;
import qmig.stream.wire.WireWriter;

/**
 * Real QEMU 7.2 multifd migrations (2 channels) recorded at test time by multifd-capture.sh:
 * q35-random-ram with 16 MiB of seeded random RAM for none, zlib and zstd, relayed to a real
 * destination that must accept them, and q35-plain recorded by the pure sink.
 */
class MultifdRealCaptureTest {

    private static final String SCENARIO = "q35-random-ram";
    private static final String SIZE = "16M";

    static MultifdCaptureRun.Recorded capture(MultifdCompression c) throws Exception {
        return MultifdCaptureRun.multifd(SCENARIO, SIZE, c.parameter(), true);
    }

    @ParameterizedTest
    @EnumSource(MultifdCompression.class)
    @Timeout(300)
    void recordingHasOneMainAndTwoMultifdChannelsAcceptedByTheDestination(MultifdCompression c) throws Exception {
        MultifdCaptureRun.Recorded r = capture(c);
        assertTrue(r.summaryJson().contains("\"dest_result\": \"RESULT ACCEPTED"), r.summaryJson());
        assertEquals(3, r.connections().size(), r.summaryJson());
        Set<Integer> ids = new HashSet<>();
        for (Path ch : r.channels()) {
            MultifdInitPacket init = MultifdInitPacket.read(WireReader.of(Files.readAllBytes(ch)));
            ids.add(init.id());
            assertArrayEquals(new byte[16], init.uuid(), "no -uuid given: zero uuid");
        }
        assertEquals(Set.of(0, 1), ids);
    }

    @ParameterizedTest
    @EnumSource(MultifdCompression.class)
    @Timeout(300)
    void everyPacketOfEveryChannelReencodesByteForByte(MultifdCompression c) throws Exception {
        MultifdCaptureRun.Recorded r = capture(c);
        long eos = load(r.main()).eos;
        assertTrue(eos >= 3, "START, at least one PART, END");
        for (Path ch : r.channels()) {
            byte[] original = Files.readAllBytes(ch);
            WireReader in = WireReader.of(original);
            WireWriter out = WireWriter.inMemory();
            MultifdInitPacket.read(in).write(out);
            int packets = 0;
            int syncs = 0;
            int withPages = 0;
            while (!in.atEnd()) {
                long at = in.position();
                MultifdPacket p = MultifdPacketCodec.readPacket(in, Limits.DEFAULT, c);
                assertEquals(at, p.at());
                WireWriter one = WireWriter.inMemory();
                MultifdPacketCodec.writePacket(one, p);
                byte[] bytes = one.toByteArray();
                assertArrayEquals(java.util.Arrays.copyOfRange(original, (int) at, (int) in.position()), bytes,
                        ch + " packet " + packets);
                out.bytes(bytes);
                packets++;
                syncs += p.header().sync() ? 1 : 0;
                withPages += p.header().normalPages() > 0 ? 1 : 0;
            }
            assertArrayEquals(original, out.toByteArray());
            assertEquals(eos, syncs, "one SYNC per EOS of the ram section");
            assertTrue(withPages > 10, "pages travel on both channels: " + withPages);
            System.out.printf("multifd %s %s: %d bytes, %d packets (%d with pages, %d SYNC)%n", c.parameter(),
                    ch.getFileName(), original.length, packets, withPages, syncs);
        }
    }

    /** A fresh channel writer fed the decoded pages of each packet reproduces the recorded channel. */
    @ParameterizedTest
    @EnumSource(MultifdCompression.class)
    @Timeout(300)
    void channelWriterReproducesTheRecordedChannelFromItsPages(MultifdCompression c) throws Exception {
        for (Path ch : capture(c).channels()) {
            byte[] original = Files.readAllBytes(ch);
            List<byte[]> pages = new ArrayList<>();
            PageSink collect = new PageSink() {
                @Override
                public void page(String block, long offset, byte[] src, int srcOff) {
                    pages.add(java.util.Arrays.copyOfRange(src, srcOff, srcOff + 4096));
                }
            };
            WireWriter out = WireWriter.inMemory();
            try (MultifdChannelReader reader = new MultifdChannelReader(WireReader.of(original), Limits.DEFAULT,
                    collect, c, (x, h) -> { });
                 MultifdChannelWriter writer = new MultifdChannelWriter(out, 0, c, ChannelCompressor.DEFAULT_LEVEL)) {
                MultifdInitPacket init = reader.readInit();
                init.write(out);
                MultifdPacket p;
                while ((p = readNext(reader, pages)) != null) {
                    MultifdPacketHeader h = p.header();
                    int n = h.normalPages();
                    byte[] flat = new byte[n * 4096];
                    for (int i = 0; i < n; i++) {
                        System.arraycopy(pages.get(i), 0, flat, i * 4096, 4096);
                    }
                    long[] offs = new long[n];
                    for (int i = 0; i < n; i++) {
                        offs[i] = h.offset(i);
                    }
                    MultifdPacket w = writer.writePacket(h.sync(), h.packetNum(), n > 0 ? h.blockName() : null, offs, n,
                            flat, 0);
                    assertEquals(h, w.header(), ch + " header of packet " + reader.packets());
                    assertArrayEquals(p.payload(), w.payload(), ch + " " + c.parameter() + " payload of packet "
                            + reader.packets() + " (" + n + " pages)");
                    pages.clear();
                }
            }
            assertArrayEquals(original, out.toByteArray(), ch.toString());
        }
    }

    private static MultifdPacket readNext(MultifdChannelReader r, List<byte[]> pages) throws IOException {
        pages.clear();
        return r.next();
    }

    @ParameterizedTest
    @EnumSource(MultifdCompression.class)
    @Timeout(300)
    void mainChannelIsAnOrdinaryStreamWhoseRamRecordsAreZeroPages(MultifdCompression c) throws Exception {
        byte[] main = Files.readAllBytes(capture(c).main());
        assertArrayEquals(main, MigrationStream.read(main, ReaderOptions.defaults()).toBytes());
        BlockImages sink = new BlockImages();
        StreamReader r = new StreamReader(WireReader.of(main), ReaderOptions.defaults().withPages(sink, false));
        r.readHeader();
        while (r.next() != null) {
            // pages go to the sink
        }
        assertEquals(0, sink.pages, "non-zero pages travel on the multifd channels only");
        assertTrue(sink.zeros > 0, "zero pages stay on the main channel");
        assertTrue(sink.eos >= 3, "START, PART..., END");
    }

    @ParameterizedTest
    @EnumSource(MultifdCompression.class)
    @Timeout(300)
    void mergedMemoryEqualsASingleChannelMigrationOfTheSameGuest(MultifdCompression c) throws Exception {
        MultifdCaptureRun.Recorded r = capture(c);
        BlockImages merged = merge(r, c);
        BlockImages single = load(MultifdCaptureRun.single(SCENARIO, SIZE));
        assertEquals(single.sha256(), merged.sha256());
        assertTrue(merged.blocks.get("pc.ram").length == 16 << 20);
    }

    @Test
    @Timeout(300)
    void pureSinkRecordingOfQ35PlainMergesToTheSingleChannelMemory() throws Exception {
        MultifdCaptureRun.Recorded r = MultifdCaptureRun.multifd("q35-plain", null, "zstd", false);
        assertTrue(r.summaryJson().contains("\"forwarded\": false"), r.summaryJson());
        BlockImages merged = merge(r, null);
        assertEquals(load(MultifdCaptureRun.single("q35-plain", null)).sha256(), merged.sha256());
    }

    @Test
    @Timeout(300)
    void mergeRejectsAChannelWithoutItsLastSyncAndDuplicateChannelIds() throws Exception {
        MultifdCaptureRun.Recorded r = capture(MultifdCompression.NONE);
        byte[] main = Files.readAllBytes(r.main());
        byte[] first = Files.readAllBytes(r.channels().get(0));
        byte[] second = Files.readAllBytes(r.channels().get(1));
        // channels are recorded in accept order, which is not always their id order
        boolean swapped = MultifdInitPacket.read(WireReader.of(first)).id() == 1;
        byte[] ch0 = swapped ? second : first;
        byte[] ch1 = swapped ? first : second;
        // drop channel 1's packets from its last SYNC on
        long lastSync = -1;
        try (MultifdChannelReader cr = new MultifdChannelReader(WireReader.of(ch1), Limits.DEFAULT, PageSink.NONE)) {
            cr.readInit();
            long at = cr.position();
            MultifdPacket p;
            while ((p = cr.next()) != null) {
                if (p.header().sync()) {
                    lastSync = at;
                }
                at = cr.position();
            }
        }
        byte[] cut = java.util.Arrays.copyOf(ch1, (int) lastSync);
        StreamFormatException.Truncated t = assertThrows(StreamFormatException.Truncated.class, () -> MultifdMerger.merge(
                WireReader.of(main), List.of(WireReader.of(ch0), WireReader.of(cut)), ReaderOptions.defaults(), null,
                new BlockImages()));
        assertTrue(t.getMessage().contains("before its SYNC packet"), t.getMessage());
        StreamFormatException.Corrupt dup = assertThrows(StreamFormatException.Corrupt.class, () -> MultifdMerger.merge(
                WireReader.of(main), List.of(WireReader.of(ch0), WireReader.of(ch0)), ReaderOptions.defaults(), null,
                new BlockImages()));
        assertTrue(dup.getMessage().contains("already set up"), dup.getMessage());
        assertThrows(StreamFormatException.Corrupt.class, () -> MultifdMerger.merge(WireReader.of(main),
                List.of(WireReader.of(ch1)), ReaderOptions.defaults(), null, new BlockImages()));
    }

    static BlockImages merge(MultifdCaptureRun.Recorded r, MultifdCompression c) throws IOException {
        BlockImages sink = new BlockImages();
        List<WireReader> channels = new ArrayList<>();
        for (Path p : r.channels()) {
            channels.add(WireReader.of(Files.readAllBytes(p)));
        }
        MultifdMerger.Summary s = MultifdMerger.merge(WireReader.of(Files.readAllBytes(r.main())), channels,
                ReaderOptions.defaults(), c, sink);
        assertEquals(load(r.main()).eos, s.syncPoints());
        assertEquals(0, s.pagesAfterLastSync());
        assertEquals(0, s.unmatchedSyncs());
        assertEquals(s.multifdPages(), sink.pages);
        System.out.printf("merged %s: main %d bytes, %d sync points, channel pages %s, packets %s, bytes %s, main zero pages %d%n",
                r.dir().getFileName(), Files.size(r.main()), s.syncPoints(), java.util.Arrays.toString(s.channelPages()),
                java.util.Arrays.toString(s.channelPackets()), java.util.Arrays.toString(s.channelBytes()), sink.zeros);
        return sink;
    }

    static BlockImages load(Path single) throws IOException {
        BlockImages sink = new BlockImages();
        StreamReader r = new StreamReader(WireReader.of(Files.readAllBytes(single)),
                ReaderOptions.defaults().withPages(sink, false));
        r.readHeader();
        while (r.next() != null) {
            // pages go to the sink
        }
        assertNull(r.next());
        return sink;
    }
}
