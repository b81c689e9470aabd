package qmig.tools.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import qmig.stream.edit.FieldPath;
import qmig.stream.grammar.MigrationStream;
import qmig.stream.grammar.ReaderOptions;
import qmig.stream.grammar.StreamRecord;
import qmig.stream.grammar.VmStatePayload;
import qmig.stream.json.Json;
import qmig.stream.json.JsonValue;
import qmig.stream.vmstate.VmStateValue;
import qmig.testdata.Capture;
import qmig.testdata.Captures;
import qmig.testdata.RepoPaths;
import qmig.tools.cli.QmigCliTest.Run;

/** {@code qmig rewrite} on the real captures: identity, each edit's exact effect, and usage errors. */
class RewriteCommandTest {

    static Stream<Capture> all() {
        return Captures.all().stream();
    }

    static Path xz(Capture c) {
        return RepoPaths.root().resolve("testdata/captures/qemu-7.2/" + c.machine() + "/" + c.scenario() + ".mig.xz");
    }

    /** Without edits OUT is the input's bytes, read compressed (sections held for the trailer) and raw. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("all")
    void anEditFreeRewriteGivesTheSameBytes(Capture c, @TempDir Path dir) throws Exception {
        byte[] original = c.bytes();
        Path out = dir.resolve("out.mig");
        Run r = QmigCliTest.run("rewrite", xz(c).toString(), out.toString());
        assertEquals(0, r.exit(), r.err());
        assertArrayEquals(original, Files.readAllBytes(out));
        if (original.length < (8 << 20)) {
            Path raw = QmigCliTest.raw(dir, "in.mig", original);
            Run again = QmigCliTest.run("rewrite", raw.toString(), out.toString());
            assertEquals(0, again.exit(), again.err());
            assertArrayEquals(original, Files.readAllBytes(out));
        }
    }

    static MigrationStream read(Path p) throws Exception {
        return MigrationStream.read(p, ReaderOptions.defaults());
    }

    static VmStateValue field(MigrationStream s, String section, String path) {
        for (StreamRecord r : s.records()) {
            if (r instanceof StreamRecord.SectionFull f && (f.header().idstr() + "/" + f.header().instanceId()).equals(section)
                    && f.payload() instanceof VmStatePayload v) {
                return FieldPath.get(v.value(), path, path);
            }
        }
        throw new AssertionError("no section " + section);
    }

    static List<String> idstrs(MigrationStream s) {
        return s.records().stream().filter(r -> r instanceof StreamRecord.SectionFull)
                .map(r -> ((StreamRecord.SectionFull) r).header().idstr() + "/" + ((StreamRecord.SectionFull) r).header().instanceId())
                .toList();
    }

    static JsonValue.JObject device(MigrationStream s, String name, long instance) {
        JsonValue.JObject root = (JsonValue.JObject) s.trailer().json();
        for (JsonValue d : root.getArray("devices")) {
            JsonValue.JObject o = (JsonValue.JObject) d;
            if (name.equals(o.getString("name")) && o.getLong("instance_id", -1) == instance) {
                return o;
            }
        }
        return null;
    }

    @Test
    void setChangesExactlyTheNamedFieldsAndNoSize(@TempDir Path dir) throws Exception {
        byte[] original = Captures.Q35_PLAIN.bytes();
        Path in = QmigCliTest.raw(dir, "in.mig", original);
        Path out = dir.resolve("out.mig");
        Run r = QmigCliTest.run("rewrite", in.toString(), out.toString(), "--set", "timer/0.cpu_ticks_offset=0x1234567",
                "--set", "cpu.env.regs[3]=3735928559", "--set", "cpu.env.segs[1].base=0xffff0000",
                "--set", "mc146818rtc.cmos_data=" + "ab".repeat(128));
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("set timer/0.cpu_ticks_offset: int64:0 -> int64:19088743"), r.out());
        byte[] edited = Files.readAllBytes(out);
        assertEquals(original.length, edited.length);
        MigrationStream s = read(out);
        assertEquals(new VmStateValue.Int(0x1234567, 8, true), field(s, "timer/0", "cpu_ticks_offset"));
        assertEquals(new VmStateValue.Int(0xdeadbeefL, 8, false), field(s, "cpu/0", "env.regs[3]"));
        assertEquals(new VmStateValue.Int(0xffff0000L, 8, false), field(s, "cpu/0", "env.segs[1].base"));
        // the trailer is kept byte for byte; only the bytes of the set fields differ
        assertArrayEquals(read(in).trailer().bytes(), s.trailer().bytes());
        int differing = 0;
        for (int i = 0; i < original.length; i++) {
            differing += original[i] != edited[i] ? 1 : 0;
        }
        assertTrue(differing > 0 && differing <= 3 + 4 + 2 + 128, "differing bytes: " + differing);
        // the path printed by dump --paths is accepted as is
        Run paths = QmigCliTest.run("dump", "--paths", out.toString());
        assertTrue(paths.out().contains("cpu/0.env.regs[3] = 3735928559\n"), paths.out());
    }

    @Test
    void dropAndRenameKeepTheTrailerConsistent(@TempDir Path dir) throws Exception {
        Path in = QmigCliTest.raw(dir, "in.mig", Captures.Q35_VIOMMU.bytes());
        Path out = dir.resolve("out.mig");
        Run r = QmigCliTest.run("rewrite", in.toString(), out.toString(), "--drop", "pcspk", "--drop", "dma/1",
                "--rename", "timer=tixer", "--rename", "0000:00:1f.2/ich9_ahci/0=0000:00:1f.2/ahci");
        assertEquals(0, r.exit(), r.err());
        MigrationStream before = read(in);
        MigrationStream after = read(out);
        assertEquals(0, after.undecodedSections().size());
        List<String> expect = before.records().stream().filter(x -> x instanceof StreamRecord.SectionFull)
                .map(x -> ((StreamRecord.SectionFull) x).header().idstr() + "/" + ((StreamRecord.SectionFull) x).header().instanceId())
                .filter(n -> !n.equals("pcspk/0") && !n.equals("dma/1"))
                .map(n -> n.equals("timer/0") ? "tixer/0" : n.equals("0000:00:1f.2/ich9_ahci/0") ? "0000:00:1f.2/ahci/0" : n)
                .toList();
        assertEquals(expect, idstrs(after));
        assertNull(device(after, "pcspk", 0));
        assertNull(device(after, "dma", 1));
        assertNotNull(device(after, "dma", 0));
        assertNull(device(after, "timer", 0));
        assertNotNull(device(after, "0000:00:1f.2/ahci", 0));
        assertEquals(device(before, "timer", 0).get("fields"), device(after, "tixer", 0).get("fields"));
        // QEMU's JSON style: QEMU's own trailer is what Json.writeQemu gives for its tree, and so is the edited one
        assertTrue(before.trailer().canonical());
        assertTrue(after.trailer().canonical());
        assertArrayEquals(Json.writeQemu(after.trailer().json()), after.trailer().bytes());
        assertEquals(field(before, "timer/0", "cpu_clock_offset"), field(after, "tixer/0", "cpu_clock_offset"));
    }

    @Test
    void usageErrorsNameThePathAndTheExpectedTypeAndLeaveNoFile(@TempDir Path dir) throws Exception {
        Path in = QmigCliTest.raw(dir, "in.mig", Captures.Q35_PLAIN.bytes());
        Path out = dir.resolve("out.mig");
        String[][] cases = {
            {"--set", "timer.nope=1", "--set timer.nope: no field 'nope' here; the fields are cpu_ticks_offset, unused, cpu_clock_offset"},
            {"--set", "cpu_common.halted=4294967296", "--set cpu_common.halted=4294967296: out of range, expected uint32 (decimal 0..4294967295, or 0x hex up to 8 digits)"},
            {"--set", "timer.cpu_ticks_offset=-9223372036854775809", "expected int64 (decimal -9223372036854775808..9223372036854775807"},
            {"--set", "cpu_common.halted=yes", "--set cpu_common.halted=yes: not a number, expected uint32"},
            {"--set", "mc146818rtc.cmos_data=00", "1 bytes, expected buffer of 128 bytes (256 hex digits)"},
            {"--set", "dma.regs[0].mode=1", "'dma' has several instances, write dma/N.regs[0].mode"},
            {"--set", "cpu.env.segs=1", "'env.segs' is an array of 6; give an element"},
            {"--set", "cpu.env.regs[16]=1", "index 16 is out of range: 'env.regs' has 16 elements"},
            {"--set", "nosuch.x=1", "--set nosuch.x: no section matches"},
            {"--set", "ram.x=1", "ram/0 is an iterative section"},
            {"--set", "configuration.name=", "expected a machine type name"},
            {"--drop", "ram", "--drop ram: ram/0 is an iterative section (START/PART/END records); only FULL sections can be dropped or renamed"},
            {"--drop", "dma", "'dma' has 2 instances, give one of [dma/0, dma/1]"},
            {"--drop", "nosuch", "--drop nosuch: no section 'nosuch' in the stream"},
            {"--rename", "timer=cpu", "section cpu/0 already exists"},
            {"--rename", "timer", "expected OLD=NEW"},
        };
        for (String[] c : cases) {
            Run r = QmigCliTest.run("rewrite", in.toString(), out.toString(), c[0], c[1]);
            assertEquals(Qmig.EXIT_USAGE, r.exit(), c[1] + ": " + r.out() + r.err());
            assertTrue(r.err().contains(c[2]), c[1] + ": " + r.err());
            assertFalse(Files.exists(out), c[1]);
        }
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of("in.mig"), left.map(p -> p.getFileName().toString()).toList());
        }
    }

    /**
     * A count field cannot be set on its own: the section's layout would change. The capture gets
     * a {@code configuration/capabilities} subsection (one capability) spliced in after the name.
     */
    @Test
    void aFieldThatCountsOthersIsRefused(@TempDir Path dir) throws Exception {
        byte[] plain = Captures.Q35_PLAIN.bytes();
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        b.write(plain, 0, 23);                                   // header, 07, be32 10, "pc-q35-7.2"
        b.write(0x05);                                           // QEMU_VM_SUBSECTION
        byte[] sub = "configuration/capabilities".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        b.write(sub.length);
        b.write(sub);
        b.write(new byte[] {0, 0, 0, 1});                        // subsection version 1
        b.write(new byte[] {0, 0, 0, 1});                        // caps_count 1
        byte[] cap = "x-ignore-shared".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        b.write(cap.length);
        b.write(cap);
        b.write(plain, 23, plain.length - 23);
        Path in = QmigCliTest.raw(dir, "in.mig", b.toByteArray());
        Path out = dir.resolve("o.mig");
        Run same = QmigCliTest.run("rewrite", in.toString(), out.toString());
        assertEquals(0, same.exit(), same.err());
        assertArrayEquals(b.toByteArray(), Files.readAllBytes(out));
        Run r = QmigCliTest.run("rewrite", in.toString(), dir.resolve("o2.mig").toString(),
                "--set", "configuration.configuration/capabilities.caps_count=2");
        assertEquals(Qmig.EXIT_USAGE, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains("--set configuration.configuration/capabilities.caps_count: the new value changes"
                + " the section's layout"), r.err());
        assertFalse(Files.exists(dir.resolve("o2.mig")));
    }

    /**
     * A section no description decodes (a trailer-less stream in which pcspk was renamed, so
     * neither a built-in nor the bundled schema knows it) can be dropped or renamed, not set.
     */
    @Test
    void anUndecodedSectionCanBeDroppedOrRenamedButNotSet(@TempDir Path dir) throws Exception {
        byte[] plain = Captures.Q35_PLAIN.bytes();
        MigrationStream s = MigrationStream.read(plain, ReaderOptions.defaults());
        Path noTrailer = QmigCliTest.raw(dir, "nt.mig", Arrays.copyOf(plain, (int) s.trailer().offset()));
        Path renamed = dir.resolve("renamed.mig");
        assertEquals(0, QmigCliTest.run("rewrite", noTrailer.toString(), renamed.toString(), "--rename", "pcspk=pcspk2").exit());
        MigrationStream r = read(renamed);
        assertEquals(1, r.undecodedSections().size());
        assertEquals("pcspk2", r.undecodedSections().get(0).header().idstr());

        Run set = QmigCliTest.run("rewrite", renamed.toString(), dir.resolve("o.mig").toString(), "--set", "pcspk2.data_on=1");
        assertEquals(Qmig.EXIT_USAGE, set.exit());
        assertTrue(set.err().contains("--set pcspk2.data_on: section pcspk2/0 is not decoded (section 'pcspk2' instance 0"
                + " version 1 is not covered"), set.err());
        assertTrue(set.err().contains("it can be dropped or renamed but its fields cannot be set"), set.err());
        assertFalse(Files.exists(dir.resolve("o.mig")));

        Path back = dir.resolve("back.mig");
        Run again = QmigCliTest.run("rewrite", renamed.toString(), back.toString(), "--rename", "pcspk2=pcspk");
        assertEquals(0, again.exit(), again.err());
        assertArrayEquals(Files.readAllBytes(noTrailer), Files.readAllBytes(back));
        Path dropped = dir.resolve("dropped.mig");
        assertEquals(0, QmigCliTest.run("rewrite", renamed.toString(), dropped.toString(), "--drop", "pcspk2").exit());
        assertEquals(Files.size(noTrailer) - 26, Files.size(dropped));
        assertEquals(0, read(dropped).undecodedSections().size());
    }

    /** A failure after decoding (here: OUT's directory is missing) leaves nothing behind, exit 3. */
    @Test
    void anUnwritableOutLeavesNoFile(@TempDir Path dir) throws Exception {
        Path in = QmigCliTest.raw(dir, "in.mig", Captures.PC_PLAIN.bytes());
        Path out = dir.resolve("missing").resolve("out.mig");
        Run r = QmigCliTest.run("rewrite", in.toString(), out.toString());
        assertEquals(Qmig.EXIT_IO, r.exit(), r.err());
        assertFalse(Files.exists(out.getParent()));
        // a malformed input: exit 2 with the offset, no OUT
        byte[] bad = Captures.PC_PLAIN.bytes();
        bad = Arrays.copyOf(bad, bad.length / 2);
        Run cut = QmigCliTest.run("rewrite", QmigCliTest.raw(dir, "cut.mig", bad).toString(), dir.resolve("o.mig").toString());
        assertEquals(Qmig.EXIT_BAD_STREAM, cut.exit(), cut.err());
        assertFalse(Files.exists(dir.resolve("o.mig")));
    }
}
