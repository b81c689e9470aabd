package qmig.stream.multifd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qmig.stream.multifd.MultifdFixtures.CHANNEL;
import static qmig.stream.multifd.MultifdFixtures.INIT;
import static qmig.stream.multifd.MultifdFixtures.NONE_PACKET;
import static qmig.stream.multifd.MultifdFixtures.SYNC_PACKET;
import static qmig.stream.multifd.MultifdFixtures.cat;
import static qmig.stream.multifd.MultifdFixtures.withBe32;
import static qmig.stream.multifd.MultifdFixtures.withBe64;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import qmig.stream.ram.PageSink;
import qmig.stream.wire.Limits;
import qmig.stream.wire.StreamFormatException;
import qmig.stream.wire.WireReader;
import qmig.stream.wire.WireWriter;

class MultifdPacketCodecTest {

    static MultifdPacket read(byte[] b, MultifdCompression c) throws Exception {
        return MultifdPacketCodec.readPacket(WireReader.of(b), Limits.DEFAULT, c);
    }

    static byte[] write(MultifdPacket p) throws Exception {
        WireWriter w = WireWriter.inMemory();
        MultifdPacketCodec.writePacket(w, p);
        return w.toByteArray();
    }

    // ---- decoding the fixtures ---------------------------------------------------------------

    @Test
    void initPacketDecodesAndWritesBack() throws Exception {
        MultifdInitPacket p = MultifdInitPacket.read(WireReader.of(INIT));
        assertEquals(1, p.id());
        assertEquals(0x00, p.uuid()[0]);
        assertEquals((byte) 0xff, p.uuid()[15]);
        WireWriter w = WireWriter.inMemory();
        p.write(w);
        assertArrayEquals(INIT, w.toByteArray());
        assertEquals(MultifdConstants.INIT_PACKET_SIZE, INIT.length);
    }

    @Test
    void dataPacketDecodesFieldByFieldAndWritesBack() throws Exception {
        MultifdPacket p = read(NONE_PACKET, MultifdCompression.NONE);
        MultifdPacketHeader h = p.header();
        assertEquals(0, p.at());
        assertFalse(h.sync());
        assertEquals(128, h.pagesAlloc());
        assertEquals(2, h.normalPages());
        assertEquals(8192, h.nextPacketSize());
        assertEquals(2, h.packetNum());
        assertEquals("pc.ram", h.blockName());
        assertEquals(0x6000, h.offset(1));
        assertEquals(2 * 4096, p.payloadLength());
        assertEquals(MultifdConstants.HEADER_SIZE + 8192, NONE_PACKET.length);
        assertArrayEquals(NONE_PACKET, write(p));
    }

    @Test
    void syncPacketWithoutPagesHasNoPayloadAndKeepsItsStaleFields() throws Exception {
        MultifdPacket p = read(SYNC_PACKET, MultifdCompression.ZSTD); // compression is not checked without pages
        assertTrue(p.header().sync());
        assertEquals(0, p.payloadLength());
        assertEquals(8192, p.header().nextPacketSize());
        assertEquals("pc.ram", p.header().blockName());
        assertArrayEquals(SYNC_PACKET, write(p));
    }

    @Test
    void channelReaderDeliversPagesInOffsetOrderAndReportsSync() throws Exception {
        List<String> log = new ArrayList<>();
        PageSink sink = new PageSink() {
            @Override
            public void page(String block, long offset, byte[] src, int srcOff) {
                log.add(block + "@" + Long.toHexString(offset) + "=" + Integer.toHexString(src[srcOff + 4095] & 0xff));
            }
        };
        try (MultifdChannelReader r = new MultifdChannelReader(WireReader.of(new ByteArrayInputStream(CHANNEL), 4096),
                Limits.DEFAULT, sink, null, (c, h) -> log.add("sync " + c.channelId() + " #" + h.packetNum()))) {
            assertEquals(1, r.readInit().id());
            assertEquals(2, r.next().header().normalPages());
            assertEquals(MultifdCompression.NONE, r.compression());
            assertTrue(r.next().header().sync());
            assertNull(r.next());
            assertEquals(2, r.packets());
            assertEquals(2, r.pages());
            assertEquals(1, r.syncs());
        }
        assertEquals(List.of("pc.ram@0=aa", "pc.ram@6000=55", "sync 1 #5"), log);
    }

    // ---- truncation -------------------------------------------------------------------------

    static List<Integer> cuts(int n) {
        return List.of(0, 1, 4, n / 2, n - 2, n - 1);
    }

    @Test
    void everyCutOfTheInitPacketIsTruncated() {
        for (int cut = 0; cut < INIT.length; cut++) {
            byte[] b = Arrays.copyOf(INIT, cut);
            assertThrows(StreamFormatException.Truncated.class, () -> MultifdInitPacket.read(WireReader.of(b)), "cut " + cut);
        }
    }

    @Test
    void cutsOfDataPacketsAreTruncated() {
        for (byte[] packet : List.of(NONE_PACKET, SYNC_PACKET)) {
            for (int cut : cuts(packet.length)) {
                byte[] b = Arrays.copyOf(packet, cut);
                assertThrows(StreamFormatException.Truncated.class, () -> read(b, MultifdCompression.NONE), "cut " + cut);
            }
            for (int cut = 0; cut < MultifdConstants.HEADER_SIZE; cut += 7) { // every header field boundary region
                byte[] b = Arrays.copyOf(packet, cut);
                assertThrows(StreamFormatException.Truncated.class, () -> read(b, MultifdCompression.NONE), "cut " + cut);
            }
        }
    }

    @Test
    void channelCutInsideAPacketIsTruncatedButAtAPacketBoundaryEndsCleanly() throws Exception {
        for (int cut : cuts(CHANNEL.length)) {
            if (cut <= INIT.length) {
                continue;
            }
            byte[] b = Arrays.copyOf(CHANNEL, cut);
            assertThrows(StreamFormatException.Truncated.class, () -> drain(b), "cut " + cut);
        }
        assertEquals(0, drain(INIT));
        assertEquals(1, drain(cat(INIT, NONE_PACKET)));
    }

    @Test
    void secondHalfOfAPacketIsRejected() {
        byte[] b = Arrays.copyOfRange(NONE_PACKET, NONE_PACKET.length / 2, NONE_PACKET.length);
        assertThrows(StreamFormatException.class, () -> read(b, MultifdCompression.NONE));
    }

    static long drain(byte[] channel) throws Exception {
        try (MultifdChannelReader r = new MultifdChannelReader(WireReader.of(channel), Limits.DEFAULT, PageSink.NONE)) {
            r.readInit();
            while (r.next() != null) {
                // count
            }
            return r.packets();
        }
    }

    // ---- corruption -------------------------------------------------------------------------

    @Test
    void flippedMagicIsCorruptWithItsOffset() {
        StreamFormatException e = assertThrows(StreamFormatException.Corrupt.class,
                () -> read(withBe32(NONE_PACKET, 0, 0x11223345), MultifdCompression.NONE));
        assertEquals(0, e.offset());
        assertTrue(e.getMessage().contains("expected 0x11223344, found 0x11223345"), e.getMessage());
        assertThrows(StreamFormatException.Corrupt.class,
                () -> MultifdInitPacket.read(WireReader.of(withBe32(INIT, 0, 0x5145564d))));
    }

    @Test
    void otherVersionsAreUnsupported() {
        assertThrows(StreamFormatException.UnsupportedVersion.class,
                () -> read(withBe32(NONE_PACKET, 4, 2), MultifdCompression.NONE));
        assertThrows(StreamFormatException.UnsupportedVersion.class,
                () -> MultifdInitPacket.read(WireReader.of(withBe32(INIT, 4, 0))));
    }

    @ParameterizedTest
    @ValueSource(ints = {0x10, 0x40, 0x80000000, 0x6, 0xe})
    void unknownFlagBitsOrCompressionCodesAreCorrupt(int flags) {
        StreamFormatException e = assertThrows(StreamFormatException.Corrupt.class,
                () -> read(withBe32(NONE_PACKET, 8, flags), null));
        assertEquals(8, e.offset());
    }

    @Test
    void compressionOtherThanConfiguredIsCorrupt() {
        StreamFormatException e = assertThrows(StreamFormatException.Corrupt.class,
                () -> read(withBe32(NONE_PACKET, 8, 0x2), MultifdCompression.NONE));
        assertTrue(e.getMessage().contains("flags received 0x2 flags expected 0x0"), e.getMessage());
        assertThrows(StreamFormatException.Corrupt.class, () -> read(NONE_PACKET, MultifdCompression.ZLIB));
    }

    @Test
    void impossibleCountsAreCorruptBeforeAnyPayloadIsRead() {
        assertThrows(StreamFormatException.Corrupt.class, () -> read(withBe32(NONE_PACKET, 12, 129), null));
        assertThrows(StreamFormatException.Corrupt.class, () -> read(withBe32(NONE_PACKET, 12, 0xffffffffL), null));
        assertThrows(StreamFormatException.Corrupt.class,
                () -> read(withBe32(withBe32(NONE_PACKET, 12, 2), 16, 3), null));
        StreamFormatException e = assertThrows(StreamFormatException.Corrupt.class,
                () -> read(withBe32(NONE_PACKET, 16, 0xffffffffL), null));
        assertEquals(16, e.offset());
    }

    @Test
    void oversizedCompressedPayloadLengthsAreRejectedBeforeAllocation() {
        byte[] zlib = withBe32(NONE_PACKET, 8, MultifdCompression.ZLIB.flag());
        // 4 GiB - 1: above Limits.maxBufferBytes
        StreamFormatException big = assertThrows(StreamFormatException.LimitExceeded.class,
                () -> read(withBe32(zlib, 20, 0xffffffffL), MultifdCompression.ZLIB));
        assertTrue(big.getMessage().contains("Limits.maxBufferBytes"), big.getMessage());
        // 2 MiB: within the limit but beyond 7.2's 1 MiB receive buffer
        assertThrows(StreamFormatException.Corrupt.class,
                () -> read(withBe32(zlib, 20, 2 << 20), MultifdCompression.ZLIB));
        assertThrows(StreamFormatException.Corrupt.class,
                () -> read(withBe32(zlib, 20, 0), MultifdCompression.ZLIB));
        assertThrows(StreamFormatException.LimitExceeded.class, () -> MultifdPacketCodec.readPacket(
                WireReader.of(withBe32(zlib, 20, 8192)), Limits.DEFAULT.withMaxBufferBytes(4096), MultifdCompression.ZLIB));
    }

    @Test
    void unalignedOffsetIsCorrupt() {
        StreamFormatException e = assertThrows(StreamFormatException.Corrupt.class,
                () -> read(withBe64(NONE_PACKET, 328, 0x6001), null));
        assertEquals(328, e.offset());
    }

    @Test
    void unknownBlockOrOffsetBeyondTheBlockIsCorruptWhenBlocksAreKnown() throws Exception {
        byte[] channel = cat(INIT, NONE_PACKET);
        for (Map<String, Long> blocks : List.of(Map.of("pc.bios", 1L << 20), Map.of("pc.ram", 0x6000L))) {
            try (MultifdChannelReader r = new MultifdChannelReader(WireReader.of(channel), Limits.DEFAULT, PageSink.NONE)) {
                r.readInit();
                r.setBlocks(blocks);
                assertThrows(StreamFormatException.Corrupt.class, r::next, blocks.toString());
            }
        }
        try (MultifdChannelReader r = new MultifdChannelReader(WireReader.of(channel), Limits.DEFAULT, PageSink.NONE)) {
            r.readInit();
            r.setBlocks(Map.of("pc.ram", 0x7000L)); // offset 0x6000 + 4096 fits exactly
            assertEquals(2, r.next().header().normalPages());
        }
    }

    @Test
    void readerErrorsNameTheChannelAndPacket() throws Exception {
        byte[] channel = cat(INIT, NONE_PACKET, withBe32(SYNC_PACKET, 4, 7));
        try (MultifdChannelReader r = new MultifdChannelReader(WireReader.of(channel), Limits.DEFAULT, PageSink.NONE)) {
            r.readInit();
            r.next();
            StreamFormatException e = assertThrows(StreamFormatException.UnsupportedVersion.class, r::next);
            assertTrue(e.getMessage().contains("multifd channel 1 packet 1"), e.getMessage());
            assertEquals(INIT.length + NONE_PACKET.length + 4, e.offset());
        }
    }
}
