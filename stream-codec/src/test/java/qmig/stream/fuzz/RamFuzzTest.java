package qmig.stream.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import qmig.stream.memory.GuestMemory;
import qmig.stream.memory.MemoryOptions;
import qmig.stream.memory.RamLoader;
import qmig.stream.ram.PageSink;
import qmig.stream.ram.RamChannelState;
import qmig.stream.ram.RamSectionCodec;
import qmig.stream.wire.Limits;
import qmig.stream.wire.WireReader;

/**
 * The {@code ram} section's records (MEM_SIZE, ZERO, PAGE, XBZRLE, COMPRESS_PAGE, EOS, HOOK)
 * framed by {@link RamSectionCodec} and applied by {@link RamLoader} to a small guest memory.
 * Seeds are the START, PART and END payloads of the real captures, cut short.
 */
@org.junit.jupiter.api.Tag("fuzz")
class RamFuzzTest {

    /** Guest memory small enough that a fuzzed MEM_SIZE list runs into its limit. */
    private static final long GUEST = 64L << 20;

    @FuzzTest
    void records(byte[] data) throws IOException {
        FuzzSupport.decodesOrFailsTyped(data, () -> new RamSectionCodec(Limits.DEFAULT, PageSink.NONE, true)
                .read(WireReader.of(data), new RamChannelState()));
        try (GuestMemory mem = GuestMemory.create(MemoryOptions.heap().withMaxGuestBytes(GUEST))) {
            WireReader r = WireReader.of(data);
            RamLoader loader = new RamLoader(mem, r::position);
            FuzzSupport.decodesOrFailsTyped(data, () -> {
                RamSectionCodec codec = new RamSectionCodec(Limits.DEFAULT, loader, false);
                RamChannelState state = new RamChannelState();
                while (!r.atEnd()) {
                    codec.read(r, state);
                }
                loader.eos();
            });
        }
        FuzzSupport.CountingInputStream in = FuzzSupport.endless(data, 0xff, 64L << 20);
        FuzzSupport.decodesOrFailsTyped(data.length + (64L << 20), false, () -> new RamSectionCodec(FuzzSupport.TINY,
                PageSink.NONE, false).read(WireReader.of(in, 4096), new RamChannelState()));
        // a page body is 4 KiB, an XBZRLE or zlib record's be16/be32 length is checked against the page size
        FuzzSupport.assertBoundedRead(in, data.length, 1L << 16);
    }
}
