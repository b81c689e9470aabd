package qmig.stream.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import qmig.stream.grammar.ReaderOptions;
import qmig.stream.grammar.StreamHeader;
import qmig.stream.grammar.StreamRecord;
import qmig.stream.grammar.StreamWriter;
import qmig.stream.multifd.MultifdCompression;
import qmig.stream.multifd.MultifdMerger;
import qmig.stream.multifd.MultifdRamEmitter;
import qmig.stream.wire.Limits;
import qmig.stream.wire.WireReader;
import qmig.stream.wire.WireWriter;
import qmig.testdata.Captures;

/** The multifd emitter's output, merged back by qmig's own reader, is the memory it emitted. */
class MultifdRamEmitterTest {

    private static final Set<BlockDigest.Algorithm> SHA256 = Set.of(BlockDigest.Algorithm.SHA256);
    private static GuestMemory memory;

    @BeforeAll
    static void load() throws IOException {
        memory = GuestMemory.onHeap();
        RamLoader.load(Captures.Q35_RANDOM_RAM.bytes(), memory, Limits.DEFAULT);
    }

    @ParameterizedTest
    @EnumSource(MultifdCompression.class)
    void mergedBackIsTheEmittedMemory(MultifdCompression compression) throws IOException {
        WireWriter main = WireWriter.inMemory();
        List<WireWriter> channels = List.of(WireWriter.inMemory(), WireWriter.inMemory());
        StreamWriter sw = new StreamWriter(main);
        sw.writeHeader(StreamHeader.V3);
        long zero;
        long multifd;
        try (MultifdRamEmitter e = new MultifdRamEmitter(memory, 256, channels, compression, 1, new byte[16])) {
            e.write(sw, 2, true);
            zero = e.zeroPages();
            multifd = e.multifdPages();
        }
        sw.write(new StreamRecord.Eof(-1));
        // 1154 pages in all blocks: 1075 non-zero go to the channels, 79 zero stay on main
        assertEquals(79, zero);
        assertEquals(1075, multifd);

        List<WireReader> readers = new ArrayList<>();
        for (WireWriter w : channels) {
            readers.add(WireReader.of(w.toByteArray()));
        }
        try (GuestMemory back = GuestMemory.onHeap(); RamLoader sink = new RamLoader(back)) {
            MultifdMerger.Summary s = MultifdMerger.merge(WireReader.of(main.toByteArray()), readers,
                    ReaderOptions.defaults(), compression, sink);
            // START, ceil(1154 / 256) = 5 PARTs, END: one sync point each
            assertEquals(7, s.syncPoints());
            assertEquals(1075, s.multifdPages());
            assertEquals(0, s.pagesAfterLastSync());
            assertEquals(0, s.unmatchedSyncs());
            assertEquals(79, sink.stats().zero());
            assertEquals(BlockDigest.of(memory, SHA256), BlockDigest.of(back, SHA256));
        }
    }
}
