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
import qmig.stream.memory.RamLoader;
import qmig.stream.multifd.ChannelCompressor;
import qmig.stream.multifd.MultifdChannelReader;
import qmig.stream.multifd.MultifdCompression;
import qmig.stream.multifd.MultifdEncoder;
import qmig.stream.ram.PageSink;
import qmig.stream.wire.Limits;
import qmig.stream.wire.WireReader;
import qmig.stream.wire.WireWriter;

/**
 * Decode throughput of one multifd channel (QEMU 7.2 {@code multifd_recv_thread}) through
 * {@link MultifdChannelReader}: the 64-byte init packet, then packets of 128 pages (a
 * {@code MULTIFD_PACKET_SIZE} of 512 KiB) with {@code none}, {@code zlib} or {@code zstd}
 * payloads at level 1 (7.2's default {@code multifd-zlib-level} / {@code multifd-zstd-level}),
 * and a final SYNC packet. The channel bytes are made in {@code @Setup} by
 * {@link MultifdEncoder} with one channel, so every packet is on it.
 *
 * <pre>
 *   packet := header (fixed 40 B + ramblock[256] + be64 offset[128])   = 1320 B for 128 pages
 *             payload (next_packet_size bytes: 128 x 4096 raw, or one zlib / zstd flush)
 * </pre>
 *
 * Scores: see {@link Throughput}; {@code guestGB} counts the uncompressed pages, so for zlib and
 * zstd it is the rate at which guest RAM is restored, {@code wireGB} the rate of channel bytes.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@State(Scope.Thread)
public class MultifdDecodeBench {

    /** The {@code multifd-compression} parameter. */
    @Param({"none", "zlib", "zstd"})
    public String compression;

    /** Page contents; see {@link Pages#fill}. */
    @Param({"random", "text"})
    public String content;

    /** Where pages go: {@code none} or {@code heap}; see {@link Sinks#open}. */
    @Param({"none", "heap"})
    public String sink;

    /** Guest RAM per decode, in MiB. */
    @Param({"64"})
    public int mib;

    private MultifdCompression method;
    private byte[] channel;
    private long guestBytes;
    private PageSink pageSink;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        method = MultifdCompression.ofParameter(compression);
        guestBytes = (long) mib << 20;
        int pages = (int) (guestBytes / Pages.PAGE);
        byte[] data = Pages.fill(content, pages, 1234);
        WireWriter w = WireWriter.inMemory();
        try (MultifdEncoder enc = new MultifdEncoder(List.of(w), method, ChannelCompressor.DEFAULT_LEVEL,
                new byte[16])) {
            for (int i = 0; i < pages; i++) {
                enc.queuePage("pc.ram", (long) i * Pages.PAGE, data, i * Pages.PAGE);
            }
            enc.sync();
        }
        channel = w.toByteArray();
        pageSink = Sinks.open(sink);
        if (pageSink instanceof RamLoader loader) {
            loader.memory().addBlock("pc.ram", guestBytes);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        Sinks.close(pageSink);
    }

    /** Reads the whole channel; returns the pages delivered (JMH consumes it). */
    @Benchmark
    public long decode(Throughput t) throws IOException {
        try (MultifdChannelReader r = new MultifdChannelReader(WireReader.of(channel), Limits.DEFAULT, pageSink,
                method, (c, h) -> { })) {
            r.readInit();
            while (r.next() != null) {
                // pages went to the sink
            }
            t.add(channel.length, guestBytes);
            return r.pages();
        }
    }

    /** Channel bytes per decode (for the smoke test). */
    long wireBytes() {
        return channel.length;
    }
}
