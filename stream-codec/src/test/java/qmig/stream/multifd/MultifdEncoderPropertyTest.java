package qmig.stream.multifd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import qmig.stream.ram.PageSink;
import qmig.stream.wire.Limits;
import qmig.stream.wire.StreamFormatException;
import qmig.stream.wire.WireReader;
import qmig.stream.wire.WireWriter;

/**
 * decode(encode(x)) == x for the multifd sending side: pages queued per epoch and split over N
 * channels come back, epoch by epoch, from the channels read up to their k-th SYNC packet.
 */
class MultifdEncoderPropertyTest {

    /** One queued page: block index, page number, content seed. */
    record P(int block, int page, int seed) {
    }

    static final String[] BLOCKS = {"pc.ram", "pc.bios", "/rom@etc/acpi/tables"};

    @Provide
    Arbitrary<List<List<P>>> epochs() {
        Arbitrary<P> page = net.jqwik.api.Combinators.combine(Arbitraries.integers().between(0, 2),
                Arbitraries.integers().between(0, 511), Arbitraries.integers()).as(P::new);
        // within an epoch a page is sent at most once
        Arbitrary<List<P>> epoch = page.list().ofMaxSize(400).uniqueElements(p -> Tuple.of(p.block(), p.page()));
        return epoch.list().ofMinSize(1).ofMaxSize(4);
    }

    static byte[] content(P p) {
        byte[] b = new byte[4096];
        new java.util.Random(p.seed()).nextBytes(b);
        return b;
    }

    @Property(tries = 40)
    void channelsGiveBackEveryEpochsPages(@ForAll("epochs") List<List<P>> epochs,
                                          @ForAll("channels") int n,
                                          @ForAll MultifdCompression compression) throws Exception {
        List<WireWriter> outs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            outs.add(WireWriter.inMemory());
        }
        try (MultifdEncoder enc = new MultifdEncoder(outs, compression, 1, new byte[16])) {
            for (List<P> epoch : epochs) {
                for (P p : epoch) {
                    enc.queuePage(BLOCKS[p.block()], p.page() * 4096L, content(p), 0);
                }
                enc.sync();
            }
        }
        // read back: epoch k = every channel up to its k-th SYNC
        List<Map<String, byte[]>> got = new ArrayList<>();
        for (int k = 0; k < epochs.size(); k++) {
            got.add(new HashMap<>());
        }
        for (int i = 0; i < n; i++) {
            int[] epoch = {0};
            PageSink sink = new PageSink() {
                @Override
                public void page(String block, long offset, byte[] src, int srcOff) {
                    byte[] prev = got.get(epoch[0]).put(block + "@" + offset,
                            java.util.Arrays.copyOfRange(src, srcOff, srcOff + 4096));
                    assertEquals(null, prev, "page sent twice in one epoch");
                }
            };
            try (MultifdChannelReader r = new MultifdChannelReader(WireReader.of(outs.get(i).toByteArray()),
                    Limits.DEFAULT, sink, compression, (c, h) -> epoch[0]++)) {
                assertEquals(i, r.readInit().id());
                while (r.next() != null) {
                    // pages to the sink
                }
                assertEquals(epochs.size(), r.syncs());
            }
        }
        for (int k = 0; k < epochs.size(); k++) {
            Map<String, byte[]> want = new LinkedHashMap<>();
            for (P p : epochs.get(k)) {
                want.put(BLOCKS[p.block()] + "@" + p.page() * 4096L, content(p));
            }
            assertEquals(want.keySet(), got.get(k).keySet(), "epoch " + k);
            for (Map.Entry<String, byte[]> e : want.entrySet()) {
                assertArrayEquals(e.getValue(), got.get(k).get(e.getKey()), e.getKey());
            }
        }
    }

    @Provide
    Arbitrary<Integer> channels() {
        return Arbitraries.integers().between(1, 4);
    }

    @Property(tries = 30)
    void everyPrefixOfAnEncodedChannelIsTruncatedOrAPacketBoundary(@ForAll MultifdCompression compression,
                                                                   @ForAll("cut") double at) throws Exception {
        WireWriter out = WireWriter.inMemory();
        try (MultifdEncoder enc = new MultifdEncoder(List.of(out), compression, 1, new byte[16])) {
            for (int i = 0; i < 200; i++) {
                enc.queuePage("pc.ram", i * 4096L, content(new P(0, i, i)), 0);
            }
            enc.sync();
        }
        byte[] all = out.toByteArray();
        int cut = MultifdConstants.INIT_PACKET_SIZE + 1 + (int) (at * (all.length - MultifdConstants.INIT_PACKET_SIZE - 2));
        java.util.Set<Long> boundaries = new java.util.HashSet<>();
        try (MultifdChannelReader r = new MultifdChannelReader(WireReader.of(all), Limits.DEFAULT, PageSink.NONE)) {
            r.readInit();
            do {
                boundaries.add(r.position());
            } while (r.next() != null);
        }
        byte[] b = java.util.Arrays.copyOf(all, cut);
        if (boundaries.contains((long) cut)) {
            MultifdPacketCodecTest.drain(b); // a cut between packets is a clean end
        } else {
            assertThrows(StreamFormatException.Truncated.class, () -> MultifdPacketCodecTest.drain(b), "cut " + cut);
        }
    }

    @Provide
    Arbitrary<Double> cut() {
        return Arbitraries.doubles().between(0, 1);
    }
}
