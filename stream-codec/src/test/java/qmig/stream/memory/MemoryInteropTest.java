package qmig.stream.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import qmig.stream.grammar.MigrationStream;
import qmig.stream.grammar.ReaderOptions;
import qmig.stream.grammar.SectionType;
import qmig.stream.grammar.StreamRecord;
import qmig.stream.grammar.StreamWriter;
import qmig.stream.multifd.MultifdCompression;
import qmig.stream.multifd.MultifdRamEmitter;
import qmig.stream.ram.RamRecord;
import qmig.stream.wire.Limits;
import qmig.stream.wire.WireWriter;
import qmig.testdata.Captures;

/**
 * Issue 4: a guest memory emitted by qmig (plain, XBZRLE, compressed, multifd) is accepted by a
 * real QEMU 7.2 destination, and migrating that destination back out to a file
 * ({@code testdata/scripts/send-and-recapture.sh}) and decoding it gives the same block digests.
 *
 * <p>The memory is the q35-random-ram capture's (4 MiB of seeded random pc.ram plus the ROM and
 * ACPI blocks); the device sections, section ids, footers and trailer are the capture's, only
 * the {@code ram} sections are qmig's. Multifd runs with each {@code multifd-compression}.
 * Every block is compared, ROMs included: the destination
 * loads them from the stream as it does pc.ram.
 */
class MemoryInteropTest {

    private static final String SCENARIO = "q35-random-ram";
    private static final Set<BlockDigest.Algorithm> SHA256 = Set.of(BlockDigest.Algorithm.SHA256);

    private static MigrationStream capture;
    private static GuestMemory memory;
    private static List<BlockDigest> digests;
    private static int ramId;

    @BeforeAll
    static void decodeCapture() throws IOException {
        byte[] bytes = Captures.Q35_RANDOM_RAM.bytes();
        capture = MigrationStream.read(bytes, ReaderOptions.defaults());
        memory = GuestMemory.onHeap();
        RamLoader.load(bytes, memory, Limits.DEFAULT);
        digests = BlockDigest.of(memory, SHA256);
        ramId = capture.records().stream()
                .filter(r -> r instanceof StreamRecord.SectionStart s && s.header().idstr().equals(RamEmitter.IDSTR))
                .map(r -> ((StreamRecord.SectionStart) r).header().sectionId())
                .findFirst().orElseThrow();
    }

    @Test
    @Timeout(90)
    void plain(@TempDir Path dir) throws Exception {
        List<StreamRecord> ram;
        try (RamEmitter e = new RamEmitter(memory, EmitOptions.plain().withPagesPerPart(256))) {
            ram = e.sections(ramId, capture.footers());
        }
        byte[] stream = withRam(ram);
        RamLoader.Stats st = checkDecodes(stream);
        assertEquals(1075, st.page(), st::toString);
        roundTrip(dir, stream);
    }

    @Test
    @Timeout(90)
    void xbzrle(@TempDir Path dir) throws Exception {
        // pass 1 sends an earlier content in full; pass 2 sends the differences as XBZRLE deltas
        // (PAGE where the delta does not fit, ZERO for pages that became zero)
        GuestMemory earlier = earlierContent();
        List<StreamRecord> ram = new ArrayList<>();
        try (RamEmitter first = new RamEmitter(earlier, EmitOptions.plain().withPagesPerPart(256));
             RamEmitter second = new RamEmitter(memory, EmitOptions.plain().withPagesPerPart(256).withXbzrle(earlier))) {
            ram.add(RamEmitter.section(SectionType.SECTION_START, ramId, first.start(), capture.footers()));
            while (first.hasMorePages()) {
                ram.add(RamEmitter.section(SectionType.SECTION_PART, ramId, first.nextPart(), capture.footers()));
            }
            while (second.hasMorePages()) {
                ram.add(RamEmitter.section(SectionType.SECTION_PART, ramId, second.nextPart(), capture.footers()));
            }
            ram.add(RamEmitter.section(SectionType.SECTION_END, ramId, second.end(), capture.footers()));
        }
        byte[] stream = withRam(ram);
        RamLoader.Stats st = checkDecodes(stream);
        assertTrue(st.xbzrle() >= 200, "pass 2 carries XBZRLE deltas: " + st);
        roundTrip(dir, stream);
    }

    @Test
    @Timeout(90)
    void compressed(@TempDir Path dir) throws Exception {
        List<StreamRecord> ram;
        try (RamEmitter e = new RamEmitter(memory, EmitOptions.plain().withPagesPerPart(256).withCompression(1))) {
            ram = e.sections(ramId, capture.footers());
        }
        byte[] stream = withRam(ram);
        RamLoader.Stats st = checkDecodes(stream);
        assertTrue(st.compressed() >= 1000, "pages go out as COMPRESS_PAGE: " + st);
        // COMPRESS_PAGE needs the destination's decompression threads: capability compress
        roundTrip(dir, stream, "--cap", "compress=on");
    }

    @ParameterizedTest
    @EnumSource(MultifdCompression.class)
    @Timeout(90)
    void multifd(MultifdCompression compression, @TempDir Path dir) throws Exception {
        long zero;
        long viaChannels;
        try (RecaptureRun run = RecaptureRun.start(dir, SCENARIO, "--size", "4M", "--cap", "multifd=on",
                "--param", "multifd-channels=2", "--param", "multifd-compression=" + compression.parameter())) {
            try (Socket main = connect(run.port())) {
                // 7.2 takes the first accepted connection as the main channel (no peeking), so
                // it is connected before the channels; it starts loading once all are there
                WireWriter mw = new WireWriter(main.getOutputStream(), 1 << 16);
                StreamWriter sw = new StreamWriter(mw);
                sw.writeHeader(capture.header());
                sw.flush();
                List<Socket> sockets = new ArrayList<>();
                try {
                    List<WireWriter> channels = new ArrayList<>();
                    for (int i = 0; i < 2; i++) {
                        Socket s = connect(run.port());
                        sockets.add(s);
                        channels.add(new WireWriter(s.getOutputStream(), 1 << 16));
                    }
                    try (MultifdRamEmitter e = new MultifdRamEmitter(memory, 256, channels, compression, 1,
                            new byte[16])) {
                        for (StreamRecord r : capture.records()) {
                            if (!isRam(r)) {
                                sw.write(r);
                            } else if (r instanceof StreamRecord.SectionStart) {
                                e.write(sw, ramId, capture.footers());
                            }
                        }
                        sw.flush();
                        zero = e.zeroPages();
                        viaChannels = e.multifdPages();
                    }
                } finally {
                    for (Socket s : sockets) {
                        s.close();
                    }
                }
                main.shutdownOutput();
                RecaptureRun.Outcome o = run.outcome(60);
                assertAccepted(o);
            }
            assertEquals(79, zero);
            assertEquals(1075, viaChannels);
            assertSameMemory(dir.resolve("recaptured.mig"));
        }
    }

    // ---- helpers ------------------------------------------------------------------------------

    /** The capture with its {@code ram} sections replaced by {@code ram} (at the START's place). */
    private static byte[] withRam(List<StreamRecord> ram) throws IOException {
        List<StreamRecord> out = new ArrayList<>();
        for (StreamRecord r : capture.records()) {
            if (!isRam(r)) {
                out.add(r);
            } else if (r instanceof StreamRecord.SectionStart) {
                out.addAll(ram);
            }
        }
        return new MigrationStream(capture.header(), out, capture.footers()).toBytes();
    }

    private static boolean isRam(StreamRecord r) {
        return r instanceof StreamRecord.Section s && s.header().idstr().equals(RamEmitter.IDSTR);
    }

    /** Our own decoder reads the whole stream and its memory has the capture's digests. */
    private static RamLoader.Stats checkDecodes(byte[] stream) throws IOException {
        MigrationStream ms = MigrationStream.read(stream, ReaderOptions.defaults());
        assertTrue(ms.complete(), "stream reaches EOF");
        GuestMemory m = GuestMemory.onHeap();
        RamLoader.Stats st = RamLoader.load(stream, m, Limits.DEFAULT);
        assertEquals(digests, BlockDigest.of(m, SHA256));
        return st;
    }

    private static void roundTrip(Path dir, byte[] stream, String... options) throws Exception {
        List<String> opts = new ArrayList<>(List.of("--size", "4M"));
        opts.addAll(List.of(options));
        try (RecaptureRun run = RecaptureRun.start(dir, SCENARIO, opts.toArray(new String[0]))) {
            try (Socket s = connect(run.port())) {
                OutputStream os = s.getOutputStream();
                try {
                    os.write(stream);
                    os.flush();
                    s.shutdownOutput();
                } catch (IOException e) {
                    // a destination that rejects the stream exits and resets the connection: its verdict follows
                }
                assertAccepted(run.outcome(60));
            }
            assertSameMemory(dir.resolve("recaptured.mig"));
        }
    }

    private static void assertAccepted(RecaptureRun.Outcome o) {
        assertTrue(o.accepted(), () -> "QEMU 7.2 did not accept the stream:\n" + o.summary());
        assertTrue(o.recaptured(), () -> "QEMU 7.2 did not migrate back out:\n" + o.summary());
    }

    /** The recaptured stream, decoded by qmig, holds the memory that was sent, block for block. */
    private static void assertSameMemory(Path recaptured) throws IOException {
        try (GuestMemory back = GuestMemory.onHeap()) {
            RamLoader.load(recaptured, back, Limits.DEFAULT);
            assertEquals(digests, BlockDigest.of(back, SHA256));
        }
    }

    private static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        return s;
    }

    /**
     * The memory with a quarter of its non-zero pages slightly different (16 bytes), an eighth
     * zero, and every other zero page filled: what a destination holds before the XBZRLE pass.
     */
    private static GuestMemory earlierContent() throws IOException {
        GuestMemory m = GuestMemory.onHeap();
        m.announce(memory.blockInfos(), -1);
        byte[] page = new byte[RamBlockImage.PAGE];
        for (RamBlockImage b : memory.blocks()) {
            RamBlockImage dst = m.requireBlock(b.idstr());
            for (long p = 0; p < b.pageCount(); p++) {
                long off = p * RamBlockImage.PAGE;
                b.readPage(off, page, 0);
                if (b.isZeroPage(off)) {
                    if (p % 2 == 0) {
                        java.util.Arrays.fill(page, (byte) 0x5a);
                    }
                } else if (p % 8 == 1) {
                    java.util.Arrays.fill(page, (byte) 0);
                } else if (p % 4 == 0) {
                    int at = (int) ((p * 37) % (RamBlockImage.PAGE - 16));
                    for (int i = 0; i < 16; i++) {
                        page[at + i] ^= (byte) (0x11 + i);
                    }
                }
                dst.writePage(off, page, 0);
            }
        }
        return m;
    }
}
