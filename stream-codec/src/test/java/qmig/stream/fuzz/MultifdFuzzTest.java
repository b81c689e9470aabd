package qmig.stream.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Map;
import qmig.stream.multifd.MultifdChannelReader;
import qmig.stream.multifd.MultifdCompression;
import qmig.stream.ram.PageSink;
import qmig.stream.wire.Limits;
import qmig.stream.wire.WireReader;

/**
 * A multifd channel: the 64-byte init packet, then data and SYNC packets with none, zlib or
 * zstd payloads. The first input byte picks the configured compression (or none configured:
 * learned from the first packet) and whether RAMBlock lengths are known; seeds are cut from the
 * recorded multifd channels.
 */
@org.junit.jupiter.api.Tag("fuzz")
class MultifdFuzzTest {

    private static final MultifdCompression[] CONFIGURED = {null, MultifdCompression.NONE, MultifdCompression.ZLIB,
            MultifdCompression.ZSTD};

    @FuzzTest
    void channel(byte[] data) {
        if (data.length == 0) {
            return;
        }
        MultifdCompression c = CONFIGURED[(data[0] & 0xff) % CONFIGURED.length];
        boolean blocks = (data[0] & 0x10) != 0;
        FuzzSupport.decodesOrFailsTyped(data, () -> read(WireReader.of(data, 1, data.length - 1, 1), Limits.DEFAULT, c, blocks));
        FuzzSupport.CountingInputStream in = FuzzSupport.endless(data, 0xff, 64L << 20);
        in.skip(1);
        FuzzSupport.decodesOrFailsTyped(data.length + (64L << 20), false,
                () -> read(WireReader.of(in, 4096), FuzzSupport.TINY, c, blocks));
        // a packet's page offsets: be32 pages_alloc x 8 bytes, bounded by the packet limit
        FuzzSupport.assertBoundedRead(in, data.length, FuzzSupport.TINY.maxBufferBytes() + (1L << 16));
    }

    private static void read(WireReader in, Limits limits, MultifdCompression c, boolean blocks) throws Exception {
        try (MultifdChannelReader r = new MultifdChannelReader(in, limits, PageSink.NONE, c, (x, h) -> { })) {
            if (blocks) {
                r.setBlocks(Map.of("pc.ram", 64L << 20, "pc.bios", 256L << 10));
            }
            r.readInit();
            while (r.next() != null) {
                // pages go to the sink
            }
        }
    }
}
