package qmig.stream.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.Digest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import qmig.stream.grammar.MigrationStream;
import qmig.stream.grammar.ReaderOptions;
import qmig.stream.grammar.StreamRecord;
import qmig.stream.grammar.StreamWriter;
import qmig.stream.wire.Limits;
import qmig.stream.wire.WireWriter;
import qmig.testdata.Captures;
import qmig.testdata.RepoPaths;

/** Guest memory rebuilt from the real QEMU 7.2 captures, checked against independent sources. */
class CaptureMemoryTest {

    private static byte[] linux;

    @BeforeAll
    static void load() {
        linux = Captures.Q35_LINUX_VIOMMU.bytes();
    }

    @Test
    void randomRamPcRamIsTheSeededFileOnEveryBacking(@TempDir Path dir) throws IOException {
        String expected = MemoryTestSupport.sidecarString(Captures.Q35_RANDOM_RAM, "ram_file_sha256");
        for (MemoryOptions opts : MemoryTestSupport.allBackings(dir.resolve("mapped"))) {
            try (GuestMemory mem = GuestMemory.create(opts); InputStream in = Captures.Q35_RANDOM_RAM.open()) {
                RamLoader.Stats st = RamLoader.load(in, mem, Limits.DEFAULT);
                RamBlockImage ram = mem.requireBlock("pc.ram");
                assertEquals(4L << 20, ram.usedLength());
                assertEquals(1024, ram.nonZeroPages(), opts::toString);
                assertEquals(expected, BlockDigest.of(ram).sha256(), opts::toString);
                // sidecar: 1075 normal and 79 zero pages over all blocks; 3 EOS (START, PART, END)
                assertEquals(new RamLoader.Stats(79, 1075, 0, 0, 3), st);
            }
        }
        // the mapped backing left the image behind; it is the seeded file
        byte[] file = Files.readAllBytes(dir.resolve("mapped").resolve("pc.ram.bin"));
        assertEquals(expected, hex("SHA-256", file));
    }

    @Test
    void emittedRamSectionsAreTheCapturedBytes() throws IOException {
        // never-run guest: QEMU sent START, one PART with every page of every block, END with EOS only
        byte[] cap = Captures.Q35_RANDOM_RAM.bytes();
        GuestMemory mem = GuestMemory.onHeap();
        RamLoader.load(cap, mem, Limits.DEFAULT);
        WireWriter w = WireWriter.inMemory();
        try (RamEmitter e = new RamEmitter(mem, EmitOptions.plain().withPagesPerPart(0))) {
            e.write(new StreamWriter(w), 2, true);
        }
        byte[] ours = w.toByteArray();
        // sidecar: START at 23, END at 4412806 with an 8-byte payload + 5-byte footer
        int from = 23;
        int to = 4412806 + 5 + 8 + 5;
        assertEquals(to - from, ours.length);
        assertArrayEquals(java.util.Arrays.copyOfRange(cap, from, to), ours);
    }

    @Test
    void linuxBlocksEqualStreamInfoRebuild(@TempDir Path dir) throws Exception {
        Path mig = dir.resolve("q35-linux-viommu.mig");
        Files.write(mig, linux);
        Path out = dir.resolve("ram");
        Process p = new ProcessBuilder("python3", RepoPaths.script("stream-info.py").toString(), mig.toString(),
                "--ram-out", out.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("stream-info.log").toFile()).start();
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), "stream-info.py did not finish");
        assertEquals(0, p.exitValue(), () -> "stream-info.py failed: " + read(dir.resolve("stream-info.log")));

        try (GuestMemory mem = GuestMemory.create(MemoryOptions.of(Backing.offHeap()))) {
            RamLoader.Stats st = RamLoader.load(linux, mem, Limits.DEFAULT);
            assertTrue(st.sections() > 3, "a live migration has several PARTs: " + st);
            assertEquals(7, mem.blocks().size());
            for (RamBlockImage b : mem.blocks()) {
                byte[] file = Files.readAllBytes(out.resolve(GuestMemory.fileNameOf(b.idstr())));
                assertEquals(b.usedLength(), file.length, b.idstr());
                BlockDigest d = BlockDigest.of(b);
                assertEquals(hex("SHA-256", file), d.sha256(), b.idstr());
                assertEquals(blake3(file), d.blake3(), b.idstr());
            }
            assertEquals(256L << 20, mem.requireBlock("pc.ram").usedLength());
        }
    }

    @Test
    void linuxRoundTripThroughEmittedSections(@TempDir Path dir) throws IOException {
        try (GuestMemory a = GuestMemory.create(MemoryOptions.of(Backing.offHeap()));
             GuestMemory b = GuestMemory.create(MemoryOptions.of(Backing.mappedFiles(dir)))) {
            RamLoader.load(linux, a, Limits.DEFAULT);
            byte[] emitted = MemoryTestSupport.emit(a, EmitOptions.plain().withPagesPerPart(5000));
            // the emitted stream is itself a valid stream for the grammar reader
            MigrationStream ms = MigrationStream.read(emitted, ReaderOptions.defaults());
            long parts = ms.records().stream().filter(r -> r instanceof StreamRecord.SectionPart).count();
            assertEquals((65536 + 32 + 64 + 64 + 32 + 1 + 1 + 4999) / 5000, parts);
            RamLoader.load(emitted, b, Limits.DEFAULT);
            assertEquals(BlockDigest.of(a, Set.of(BlockDigest.Algorithm.values())),
                    BlockDigest.of(b, Set.of(BlockDigest.Algorithm.values())));
            assertEquals(a.requireBlock("pc.ram").nonZeroPages(), b.requireBlock("pc.ram").nonZeroPages());
        }
    }

    @Test
    void compressedRoundTrip() throws IOException {
        GuestMemory a = GuestMemory.onHeap();
        RamLoader.load(Captures.Q35_RANDOM_RAM.bytes(), a, Limits.DEFAULT);
        a.requireBlock("pc.ram").writePage(0x3000, new byte[4096], 0); // a zero page inside the block
        byte[] emitted = MemoryTestSupport.emit(a, EmitOptions.plain().withCompression(1));
        GuestMemory b = GuestMemory.onHeap();
        RamLoader.Stats st = RamLoader.load(emitted, b, Limits.DEFAULT);
        assertEquals(MemoryTestSupport.sha256s(a), MemoryTestSupport.sha256s(b));
        // random pages do not shrink, but they are still sent compressed; block first pages are not
        assertTrue(st.compressed() > 1000, st::toString);
        assertTrue(st.page() >= 1 && st.page() <= 7, st::toString);
    }

    @Test
    void xbzrleRoundTripAgainstThePreviousMemory() throws IOException {
        byte[] cap = Captures.Q35_RANDOM_RAM.bytes();
        GuestMemory base = GuestMemory.onHeap();
        RamLoader.load(cap, base, Limits.DEFAULT);
        GuestMemory next = GuestMemory.onHeap();
        RamLoader.load(cap, next, Limits.DEFAULT);
        RamBlockImage ram = next.requireBlock("pc.ram");
        ram.write(0x1ffe, new byte[] {1, 2, 3, 4}, 0, 4);          // small change across a page edge
        ram.writePage(0x5000, new byte[4096], 0);                  // page became zero
        byte[] noise = new byte[4096];
        new java.util.Random(7).nextBytes(noise);
        ram.writePage(0x9000, noise, 0);                           // page rewritten: delta too long
        byte[] emitted = MemoryTestSupport.emit(next, EmitOptions.plain().withXbzrle(base));

        GuestMemory dest = GuestMemory.onHeap();
        RamLoader.load(cap, dest, Limits.DEFAULT);                 // the destination holds the base
        RamLoader.Stats st = RamLoader.load(emitted, dest, Limits.DEFAULT);
        assertEquals(new RamLoader.Stats(1, 1, 2, 0, 3), st);      // 0x1000 and 0x2000 by XBZRLE, 0x9000 as PAGE
        assertEquals(MemoryTestSupport.sha256s(next), MemoryTestSupport.sha256s(dest));
    }

    private static String hex(String alg, byte[] b) {
        try {
            return HexFormat.of().formatHex(java.security.MessageDigest.getInstance(alg).digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static String blake3(byte[] b) {
        Digest d = BlockDigest.Algorithm.BLAKE3.newDigest();
        d.update(b, 0, b.length);
        byte[] h = new byte[32];
        d.doFinal(h, 0);
        return HexFormat.of().formatHex(h);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
