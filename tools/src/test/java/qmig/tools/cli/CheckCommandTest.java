package qmig.tools.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import qmig.stream.vmdesc.DumpVmstateSchema;
import qmig.testdata.Captures;

/** {@code qmig check} without QEMU: both forms, text and JSON, exit codes 0/1/2/3/64. */
class CheckCommandTest {

    static Path bundledSchema(Path dir) throws Exception {
        Path p = dir.resolve("q35.json");
        try (InputStream in = DumpVmstateSchema.class.getResourceAsStream(
                "/qmig/stream/schema/qemu-7.2/pc-q35-7.2.dump-vmstate.json.gz")) {
            Files.write(p, new GZIPInputStream(in).readAllBytes());
        }
        return p;
    }

    @Test
    void plainQ35LoadsIntoTheBundledDefaultVm(@TempDir Path dir) throws Exception {
        Path f = QmigCliTest.raw(dir, "p.mig", Captures.Q35_PLAIN.bytes());
        QmigCliTest.Run r = QmigCliTest.run("check", f.toString(), "--schema", bundledSchema(dir).toString());
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("destination instances from the bundled pc-q35-7.2 capture (-nodefaults"), r.out());
        assertTrue(r.out().contains("0x00057598   full          timer/0                                        2  v2"),
                r.out());
        assertTrue(r.out().endsWith("verdict: loads\n"), r.out());
    }

    @Test
    void anI440fxStreamIntoQ35IsAMachineTypeMismatch(@TempDir Path dir) throws Exception {
        Path f = QmigCliTest.raw(dir, "pc.mig", Captures.PC_PLAIN.bytes());
        Path q35 = QmigCliTest.raw(dir, "q.mig", Captures.Q35_PLAIN.bytes());
        QmigCliTest.Run r = QmigCliTest.run("check", f.toString(), "--dest", q35.toString());
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("  qemu-system-x86_64: Machine type received is 'pc-i440fx-7.2' and local is"
                + " 'pc-q35-7.2'\n  qemu-system-x86_64: load of migration failed: Invalid argument\n"), r.out());
    }

    @Test
    void twoSchemas(@TempDir Path dir) throws Exception {
        Path q35 = bundledSchema(dir);
        QmigCliTest.Run same = QmigCliTest.run("check", "--schema", q35.toString(), "--schema", q35.toString());
        assertEquals(0, same.exit(), same.out() + same.err());
        assertTrue(same.out().endsWith("verdict: compatible\n"), same.out());
        String text = Files.readString(q35);
        int at = text.indexOf("\"intel-iommu\": {");
        assertTrue(at > 0);
        Path edited = dir.resolve("edited.json");
        Files.writeString(edited, text.replace("\"intel-iommu\": {", "\"intel-iommu-gone\": {"));
        QmigCliTest.Run r = QmigCliTest.run("check", "--json", "--schema", q35.toString(), "--schema",
                edited.toString());
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("{\"severity\": \"error\", \"path\": \"intel-iommu\", \"message\":"
                + " \"section missing at the destination\"}"), r.out());
        assertTrue(r.out().contains("\"verdict\": \"incompatible\""), r.out());
    }

    @Test
    void exitCodes(@TempDir Path dir) throws Exception {
        Path f = QmigCliTest.raw(dir, "p.mig", Captures.Q35_PLAIN.bytes());
        Path q35 = bundledSchema(dir);
        assertEquals(Qmig.EXIT_USAGE, QmigCliTest.run("check").exit());
        assertEquals(Qmig.EXIT_USAGE, QmigCliTest.run("check", "--schema", q35.toString()).exit());
        assertEquals(Qmig.EXIT_USAGE, QmigCliTest.run("check", f.toString(), "--schema", q35.toString(),
                "--schema", q35.toString()).exit());
        assertEquals(Qmig.EXIT_USAGE, QmigCliTest.run("check", f.toString(), "--dest", f.toString(),
                "--dest-device", "e1000e").exit());
        assertEquals(Qmig.EXIT_USAGE, QmigCliTest.run("check", f.toString(), "--dest-mem", "lots").exit());
        QmigCliTest.Run unknown = QmigCliTest.run("check", f.toString(), "--dest-device", "no-such-device");
        assertEquals(Qmig.EXIT_USAGE, unknown.exit());
        assertTrue(unknown.err().contains("no vmstate for device type 'no-such-device'"), unknown.err());
        byte[] all = Captures.Q35_PLAIN.bytes();
        Path cut = QmigCliTest.raw(dir, "cut.mig", Arrays.copyOf(all, all.length / 2));
        QmigCliTest.Run bad = QmigCliTest.run("check", cut.toString());
        assertEquals(Qmig.EXIT_BAD_STREAM, bad.exit(), bad.out() + bad.err());
        assertEquals(Qmig.EXIT_IO, QmigCliTest.run("check", dir.resolve("missing.mig").toString()).exit());
        QmigCliTest.Run big = QmigCliTest.run("check", "--schema", q35.toString(), "--schema", q35.toString(),
                "--limit", "maxVmDescriptionBytes=1000");
        assertEquals(Qmig.EXIT_BAD_STREAM, big.exit(), big.out() + big.err());
        assertTrue(big.err().contains("Limits.maxVmDescriptionBytes"), big.err());
        Path badField = QmigCliTest.raw(dir, "f.json", ("{\"vmschkmachine\": {\"Name\": \"pc-q35-7.2\"}, \"x\": {\"Name\":"
                + " \"x\", \"Description\": {\"name\": \"x\", \"Fields\": [1]}}}").getBytes());
        QmigCliTest.Run bf = QmigCliTest.run("check", "--schema", badField.toString(), "--schema", q35.toString());
        assertEquals(Qmig.EXIT_BAD_STREAM, bf.exit(), bf.out() + bf.err());
        assertTrue(bf.err().contains("x/x: a field is not an object"), bf.err());
        Path notJson = QmigCliTest.raw(dir, "x.json", "[1, 2]".getBytes());
        assertEquals(Qmig.EXIT_BAD_STREAM, QmigCliTest.run("check", "--schema", notJson.toString(), "--schema",
                q35.toString()).exit());
    }
}
