package qmig.tools.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import qmig.stream.json.Json;
import qmig.stream.json.JsonValue;
import qmig.testdata.Captures;

/** The command line on real captures: what a shell user sees and the exit codes they act on. */
class QmigCliTest {

    record Run(int exit, String out, String err) {
    }

    static synchronized Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Qmig.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    static Path raw(Path dir, String name, byte[] bytes) throws Exception {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    @Test
    void inspectListsEveryRecordAndTheRamBlocks(@TempDir Path dir) throws Exception {
        Path f = raw(dir, "v.mig", Captures.Q35_VIOMMU.bytes());
        Run r = run("inspect", f.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("0x00057598   FULL       38  iommu-intel/0"), r.out());
        assertTrue(r.out().contains("0x0005f6f0   EOF"), r.out());
        assertTrue(r.out().matches("(?s).*pc\\.ram\\s+0x4000000\\s+0\\s+16384.*"), r.out());
        assertTrue(r.out().contains("VMDESCRIPTION trailer: present at 0x5f6f1, 44404 bytes, 30 devices"), r.out());
    }

    @Test
    void inspectReadsXzGzipAndZstdByContent(@TempDir Path dir) throws Exception {
        byte[] bytes = Captures.PC_PLAIN.bytes();
        Path gz = dir.resolve("p.anything");
        try (OutputStream os = new GZIPOutputStream(Files.newOutputStream(gz))) {
            os.write(bytes);
        }
        Path zst = dir.resolve("p.zst");
        try (OutputStream os = new com.github.luben.zstd.ZstdOutputStream(Files.newOutputStream(zst))) {
            os.write(bytes);
        }
        Path xz = dir.resolve("p.xz");
        try (OutputStream os = new org.tukaani.xz.XZOutputStream(Files.newOutputStream(xz), new org.tukaani.xz.LZMA2Options(1))) {
            os.write(bytes);
        }
        String plain = run("inspect", raw(dir, "p.mig", bytes).toString()).out();
        for (Path p : new Path[] {gz, zst, xz}) {
            Run r = run("inspect", p.toString());
            assertEquals(0, r.exit(), r.err());
            // the wrapper line(s) and the header line name the form; from the record table on it is the same
            String body = r.out().substring(r.out().indexOf("OFFSET "));
            assertEquals(plain.substring(plain.indexOf("OFFSET ")), body, p.toString());
            assertTrue(r.out().startsWith("wrapper: "), r.out());
        }
    }

    @Test
    void dumpJsonIsValidJsonWithEverySectionDecoded(@TempDir Path dir) throws Exception {
        Path f = raw(dir, "d.mig", Captures.Q35_VIOMMU_DEVICES.bytes());
        Run r = run("dump", "--json", f.toString());
        assertEquals(0, r.exit(), r.err());
        byte[] text = r.out().getBytes(StandardCharsets.UTF_8);
        JsonValue.JObject root = (JsonValue.JObject) Json.parse(text, 0, text.length, 0, 256);
        JsonValue.JArray records = (JsonValue.JArray) root.get("records");
        int full = 0;
        for (JsonValue v : records.items()) {
            JsonValue.JObject o = (JsonValue.JObject) v;
            if (o.getString("kind").equals("full")) {
                full++;
                assertTrue(o.has("fields"), () -> "not decoded: " + Json.toQemuString(o));
                assertTrue(java.util.Set.of("trailer", "built-in").contains(o.getString("description")),
                        "a raw file is decoded with its own trailer or a built-in: " + o.getString("description"));
            }
        }
        assertTrue(full > 30, "FULL sections: " + full);
    }

    @Test
    void dumpTextOfAStreamWithoutTrailerUsesTheBundledSchema(@TempDir Path dir) throws Exception {
        byte[] bytes = Captures.Q35_VIOMMU.bytes();
        byte[] cut = java.util.Arrays.copyOf(bytes, 0x5f6f1);
        Run r = run("dump", raw(dir, "cut.mig", cut).toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("FULL section 38 'iommu-intel' instance 0 version 1  [vmsd iommu-intel, built_in description]"), r.out());
        Run bare = run("dump", "--no-bundled-schema", raw(dir, "cut2.mig", cut).toString());
        assertEquals(1, bare.exit(), "sections without any description are reported with exit 1");
        assertTrue(bare.out().contains("undecoded"), bare.out());
        assertTrue(bare.out().contains("FULL section 0 'timer' instance 0 version 2  [vmsd timer, built_in description]"), bare.out());
    }

    @Test
    void malformedStreamExitsTwoWithOffsetAndSection(@TempDir Path dir) throws Exception {
        byte[] bytes = Captures.Q35_VIOMMU.bytes();
        bytes[0x5783b] = 0x7f; // the timer section's footer marker
        Run r = run("inspect", raw(dir, "bad.mig", bytes).toString());
        assertEquals(Qmig.EXIT_BAD_STREAM, r.exit());
        assertTrue(r.err().contains("section 0 'timer'/0 at 0x5783b: Missing section footer for timer"), r.err());
    }

    @Test
    void truncatedStreamExitsTwo(@TempDir Path dir) throws Exception {
        byte[] bytes = java.util.Arrays.copyOf(Captures.Q35_VIOMMU.bytes(), 200000);
        Run r = run("dump", raw(dir, "cut.mig", bytes).toString());
        assertEquals(Qmig.EXIT_BAD_STREAM, r.exit());
        assertTrue(r.err().contains("truncated"), r.err());
    }

    @Test
    void missingFileExitsThree(@TempDir Path dir) {
        Run r = run("inspect", dir.resolve("nope.mig").toString());
        assertEquals(Qmig.EXIT_IO, r.exit());
        assertTrue(r.err().contains("no such file"), r.err());
    }

    @Test
    void aLimitBelowTheStreamNamesTheCommandLineOptionToRaise(@TempDir Path dir) throws Exception {
        Path f = raw(dir, "v.mig", Captures.Q35_VIOMMU.bytes());
        Run r = run("inspect", "--limit", "maxVmDescriptionBytes=1000", f.toString());
        assertEquals(Qmig.EXIT_BAD_STREAM, r.exit());
        assertTrue(r.err().contains("--limit maxVmDescriptionBytes=N"), r.err());
        Run ok = run("inspect", "--limit", "maxVmDescriptionBytes=100000", f.toString());
        assertEquals(0, ok.exit(), ok.err());
        Run bad = run("inspect", "--limit", "maxBananas=1", f.toString());
        assertEquals(Qmig.EXIT_USAGE, bad.exit());
    }

    @Test
    void iommuReplaysTheLinuxGuestsTablesAsTheOracleDoes() throws Exception {
        Path f = Path.of(qmig.testdata.RepoPaths.root().toString(),
                "testdata/captures/qemu-7.2/q35/q35-linux-viommu.mig.xz");
        Run r = run("iommu", f.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("00:01.0 domain 3 multi-level levels 3 root 0x6214000 mappings 322 4K:322 iova 0xffebd000-0xffffffff"), r.out());
        assertTrue(r.out().contains("00:1f.2 domain 4 multi-level levels 3 root 0x6239000 mappings 4096 4K:4096 iova 0x0-0xffffff"), r.out());
        Run t = run("translate", f.toString(), "00:01.0", "0xfffff000");
        assertEquals(0, t.exit(), t.err());
        assertTrue(t.out().startsWith("00:01.0 iova 0xfffff000 -> gpa 0x63f2000  perm RW"), t.out());
        Run fault = run("translate", f.toString(), "00:01.0", "0x1000");
        assertEquals(1, fault.exit());
        assertTrue(fault.out().contains("fault"), fault.out());
        Run irte = run("irte", f.toString());
        assertEquals(0, irte.exit(), irte.err());
        assertEquals(9, irte.out().lines().filter(l -> l.startsWith("  IRTE[")).count(), irte.out());
    }

    @Test
    void iommuOfAStreamWithoutTheDeviceSaysSo(@TempDir Path dir) throws Exception {
        Run r = run("iommu", raw(dir, "plain.mig", Captures.Q35_PLAIN.bytes()).toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("no iommu-intel section"), r.err());
    }

    @Test
    @org.junit.jupiter.api.Timeout(180)
    void demoSendsTheBundledCaptureIntoTheReceiverAndPrintsTheMappingsOf0001() {
        Run r = run("demo");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("vfio 00:01.0: 322 mappings at 0xffebd000-0xffffffff"), r.out());
    }
}
