package qmig.stream.multifd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import qmig.stream.wire.StreamFormatException;

/** The per-channel continuous zlib/zstd streams: framing, state across packets, bombs. */
class MultifdCompressionTest {

    static byte[] pages(int n, long seed) {
        byte[] b = new byte[n * 4096];
        Random r = new Random(seed);
        for (int i = 0; i < n; i++) {
            // half random, half a repeating pattern: compressible but not trivial
            byte[] rnd = new byte[2048];
            r.nextBytes(rnd);
            System.arraycopy(rnd, 0, b, i * 4096, 2048);
            Arrays.fill(b, i * 4096 + 2048, (i + 1) * 4096, (byte) i);
        }
        return b;
    }

    @Test
    void zlibPayloadsShareOneStreamHeaderFirstAndEndOnASyncFlushMarker() {
        try (ChannelCompressor c = ChannelCompressor.of(MultifdCompression.ZLIB, 1)) {
            byte[] first = c.compress(pages(3, 1), 0, 3);
            byte[] second = c.compress(pages(2, 2), 0, 2);
            assertEquals(0x78, first[0] & 0xff);
            assertEquals(0x01, first[1] & 0xff, "level 1 header 78 01");
            for (byte[] p : new byte[][] {first, second}) {
                assertArrayEquals(new byte[] {0, 0, (byte) 0xff, (byte) 0xff}, Arrays.copyOfRange(p, p.length - 4, p.length));
            }
            assertTrue(second[0] != 0x78 || second[1] != 0x01, "no second zlib header");
        }
    }

    @Test
    void zstdFirstPayloadStartsTheFrameAndLaterOnesContinueIt() {
        try (ChannelCompressor c = ChannelCompressor.of(MultifdCompression.ZSTD, 1)) {
            byte[] first = c.compress(pages(3, 1), 0, 3);
            byte[] second = c.compress(pages(2, 2), 0, 2);
            assertArrayEquals(new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd}, Arrays.copyOf(first, 4));
            assertTrue(!Arrays.equals(Arrays.copyOf(second, 4), Arrays.copyOf(first, 4)), "no second frame header");
        }
    }

    @ParameterizedTest
    @EnumSource(MultifdCompression.class)
    void payloadsDecompressInOrderThroughOneChannelStream(MultifdCompression m) throws Exception {
        try (ChannelCompressor c = ChannelCompressor.of(m, 1); ChannelDecompressor d = ChannelDecompressor.of(m)) {
            byte[] out = new byte[MultifdConstants.PACKET_SIZE];
            for (int k = 0; k < 5; k++) {
                int n = 1 + k * 31 % 128;
                byte[] src = pages(n, k);
                byte[] payload = c.compress(src, 0, n);
                d.decompress(0, payload, payload.length, n, out);
                assertArrayEquals(src, Arrays.copyOf(out, n * 4096), "packet " + k);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = MultifdCompression.class, names = {"ZLIB", "ZSTD"})
    void aLaterPayloadAloneDoesNotDecodeInAFreshStream(MultifdCompression m) {
        byte[] second;
        try (ChannelCompressor c = ChannelCompressor.of(m, 1)) {
            c.compress(pages(4, 1), 0, 4);
            second = c.compress(pages(4, 1), 0, 4); // refers back to the first packet's pages
        }
        byte[] payload = second;
        try (ChannelDecompressor d = ChannelDecompressor.of(m)) {
            assertThrows(StreamFormatException.Corrupt.class,
                    () -> d.decompress(100, payload, payload.length, 4, new byte[4 * 4096]));
        }
    }

    @ParameterizedTest
    @EnumSource(MultifdCompression.class)
    void moreOutputThanNormalPagesIsCorrupt(MultifdCompression m) {
        // 128 zero pages compress to a few hundred bytes: a bomb claiming to be one page
        byte[] payload;
        try (ChannelCompressor c = ChannelCompressor.of(m, 1)) {
            payload = c.compress(new byte[MultifdConstants.PACKET_SIZE], 0, 128);
        }
        try (ChannelDecompressor d = ChannelDecompressor.of(m)) {
            StreamFormatException e = assertThrows(StreamFormatException.Corrupt.class,
                    () -> d.decompress(7, payload, payload.length, 1, new byte[4096]));
            assertEquals(7, e.offset());
            assertTrue(e.getMessage().contains("size expected 4096"), e.getMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(MultifdCompression.class)
    void lessOutputThanNormalPagesIsCorrupt(MultifdCompression m) {
        byte[] payload;
        try (ChannelCompressor c = ChannelCompressor.of(m, 1)) {
            payload = c.compress(pages(2, 3), 0, 2);
        }
        try (ChannelDecompressor d = ChannelDecompressor.of(m)) {
            assertThrows(StreamFormatException.Corrupt.class,
                    () -> d.decompress(0, payload, payload.length, 3, new byte[3 * 4096]));
        }
    }

    @ParameterizedTest
    @EnumSource(value = MultifdCompression.class, names = {"ZLIB", "ZSTD"})
    void garbageIsCorruptNeverAnotherException(MultifdCompression m) {
        Random r = new Random(42);
        for (int i = 0; i < 200; i++) {
            byte[] g = new byte[1 + r.nextInt(600)];
            r.nextBytes(g);
            try (ChannelDecompressor d = ChannelDecompressor.of(m)) {
                assertThrows(StreamFormatException.Corrupt.class, () -> d.decompress(0, g, g.length, 1, new byte[4096]));
            }
        }
    }

    @Test
    void zlibStreamThatFinishesIsCorrupt() {
        java.util.zip.Deflater def = new java.util.zip.Deflater(1);
        def.setInput(new byte[4096]);
        def.finish();
        byte[] buf = new byte[8192];
        int n = def.deflate(buf);
        def.end();
        try (ChannelDecompressor d = ChannelDecompressor.of(MultifdCompression.ZLIB)) {
            // a finished stream yields exactly one page: fine for this packet …
            assertThrows(StreamFormatException.Corrupt.class, () -> d.decompress(0, buf, n, 2, new byte[8192]));
        }
    }
}
