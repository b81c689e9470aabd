package qmig.bench;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import qmig.stream.memory.EmitOptions;
import qmig.stream.memory.GuestMemory;
import qmig.stream.memory.RamBlockImage;
import qmig.stream.memory.RamEmitter;
import qmig.stream.ram.PageSink;
import qmig.stream.ram.RamChannelState;
import qmig.stream.ram.RamRecord;
import qmig.stream.ram.RamSectionCodec;
import qmig.stream.wire.Limits;
import qmig.stream.wire.WireReader;
import qmig.stream.wire.WireWriter;

/**
 * Decode throughput of {@code ram} PAGE and ZERO records (QEMU 7.2 {@code ram_load_precopy})
 * through {@link RamSectionCodec}: the START payload (MEM_SIZE list, EOS) and one PART payload
 * holding every page of a {@code mib}-MiB "pc.ram" block, as the 7.2 source writes them
 * (first record names the block, the rest CONTINUE). Inputs are in memory, so this is the
 * decoder alone, without file I/O.
 *
 * <pre>
 *   PAGE record  be64 (offset | PAGE [| CONTINUE])  [cstr8 "pc.ram"]  bytes(4096)   4104 B
 *   ZERO record  be64 (offset | ZERO [| CONTINUE])  [cstr8 "pc.ram"]  u8 0          9 B
 * </pre>
 *
 * Scores: see {@link Throughput} ({@code :wireGB} and {@code :guestGB} read as GB/s).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@State(Scope.Thread)
public class RamDecodeBench {

    /** {@code page}: every page random (PAGE records); {@code zero}: every page zero (ZERO records). */
    @Param({"page", "zero"})
    public String pattern;

    /** Where pages go; see {@link Sinks#open}. */
    @Param({"none", "heap", "offheap"})
    public String sink;

    /** Guest RAM per decode, in MiB. */
    @Param({"64"})
    public int mib;

    private byte[] start;
    private byte[] part;
    private long guestBytes;
    private PageSink pageSink;
    private RamSectionCodec codec;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        guestBytes = (long) mib << 20;
        int pages = (int) (guestBytes / Pages.PAGE);
        try (GuestMemory src = GuestMemory.onHeap()) {
            RamBlockImage block = src.addBlock("pc.ram", guestBytes);
            if (pattern.equals("page")) {
                byte[] data = Pages.fill("random", pages, 1234);
                block.write(0, data, 0, data.length);
            } else if (!pattern.equals("zero")) {
                throw new IllegalArgumentException("pattern '" + pattern + "' (expected page or zero)");
            }
            try (RamEmitter emitter = new RamEmitter(src, EmitOptions.plain().withPagesPerPart(0))) {
                start = payload(emitter.start());
                part = payload(emitter.nextPart());
            }
        }
        pageSink = Sinks.open(sink);
        codec = new RamSectionCodec(Limits.DEFAULT, pageSink, false);
    }

    private static byte[] payload(List<RamRecord> records) throws IOException {
        WireWriter w = WireWriter.inMemory();
        new RamSectionCodec(Limits.DEFAULT, PageSink.NONE, false).write(w, records);
        return w.toByteArray();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        Sinks.close(pageSink);
    }

    /** Decodes START and the PART; returns the records read (JMH consumes it). */
    @Benchmark
    public int decode(Throughput t) throws IOException {
        RamChannelState state = new RamChannelState();
        int n = codec.read(WireReader.of(start), state).size();
        n += codec.read(WireReader.of(part), state).size();
        t.add(start.length + part.length, guestBytes);
        return n;
    }

    /** Stream bytes per decode (for the smoke test). */
    long wireBytes() {
        return start.length + part.length;
    }
}
