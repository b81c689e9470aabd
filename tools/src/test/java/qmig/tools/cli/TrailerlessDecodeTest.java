package qmig.tools.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import qmig.stream.grammar.CommandType;
import qmig.stream.grammar.MigrationStream;
import qmig.stream.grammar.ReaderOptions;
import qmig.stream.grammar.StreamRecord;
import qmig.stream.json.Json;
import qmig.stream.json.JsonValue;
import qmig.stream.json.JsonValue.JNumber;
import qmig.stream.json.JsonValue.JObject;
import qmig.stream.json.JsonValue.Member;
import qmig.testdata.Captures;
import qmig.tools.cli.QmigCliTest.Run;

/**
 * Streams without a VMDESCRIPTION trailer, captured from a real QEMU 7.2 at test time (spec
 * stream.md §8–9): {@code -machine q35,suppress-vmdesc=on} and a postcopy migration recorded
 * between two QEMUs (its device state is inside PACKAGED). Both decode completely with the
 * bundled 7.2 schema and give the same values as the committed q35-plain capture (the VMs never
 * ran). A cut stream decodes up to the cut; a section version the schema does not cover is named,
 * and decodes with a -dump-vmstate file that covers it.
 */
class TrailerlessDecodeTest {

    @TempDir
    static Path dir;
    static Path novmdesc;
    static Path postcopy;
    static Path plain;

    @BeforeAll
    @Timeout(180)
    static void capture() throws Exception {
        novmdesc = dir.resolve("novmdesc.mig");
        ScriptRun a = ScriptRun.run(dir, 120, "capture-stream.sh", "--timeout", "60", "q35-plain-novmdesc", novmdesc.toString());
        assertEquals(0, a.exit(), a.summary());
        postcopy = dir.resolve("postcopy.mig");
        ScriptRun b = ScriptRun.run(dir, 150, "postcopy-capture.sh", "--timeout", "60", "q35-plain", postcopy.toString());
        assertEquals(0, b.exit(), b.summary());
        plain = QmigCliTest.raw(dir, "plain.mig", Captures.Q35_PLAIN.bytes());
    }

    /** {@code dump --paths} without the configuration lines (postcopy adds nothing there, but keep the sections only). */
    static List<String> sectionPaths(Path p) {
        Run r = QmigCliTest.run("dump", "--paths", p.toString());
        assertEquals(0, r.exit(), r.err());
        return r.out().lines().filter(l -> !l.startsWith("configuration.")).toList();
    }

    static void assertEveryFullSectionDecoded(Path p) throws Exception {
        Run r = QmigCliTest.run("dump", "--json", p.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals("", r.err());
        int full = 0;
        for (String line : r.out().lines().toList()) {
            if (line.contains("\"kind\": \"full\"")) {
                full++;
                assertFalse(line.contains("\"undecoded\""), line);
                assertTrue(line.contains("\"description\": \"schema\"") || line.contains("\"description\": \"built-in\""), line);
            }
        }
        assertTrue(r.out().contains("\"complete\": true"), r.out().substring(0, 200));
        assertTrue(full >= 25 || r.out().contains("\"packaged\""), "FULL sections: " + full);
    }

    @Test
    void aSuppressVmdescStreamDecodesWithTheBundledSchemaAlone() throws Exception {
        MigrationStream withTrailer = MigrationStream.read(plain, ReaderOptions.defaults());
        byte[] bytes = Files.readAllBytes(novmdesc);
        // the same never-run VM: QEMU wrote the committed capture's bytes, less the trailer
        assertArrayEquals(Arrays.copyOf(Files.readAllBytes(plain), (int) withTrailer.trailer().offset()), bytes);
        assertEveryFullSectionDecoded(novmdesc);
        assertEquals(sectionPaths(plain), sectionPaths(novmdesc));
        Run inspect = QmigCliTest.run("inspect", novmdesc.toString());
        assertTrue(inspect.out().contains("VMDESCRIPTION trailer: absent"), inspect.out());
    }

    @Test
    void aPostcopyStreamDecodesItsPackagedDeviceState() throws Exception {
        MigrationStream s = MigrationStream.read(postcopy, ReaderOptions.defaults());
        assertNull(s.trailer());
        assertTrue(s.complete());
        StreamRecord.Command pkg = (StreamRecord.Command) s.records().stream()
                .filter(r -> r instanceof StreamRecord.Command c && c.type() == CommandType.PACKAGED).findFirst().orElseThrow();
        // every device section of the precopy capture, in the same order, is inside PACKAGED
        assertEquals(RewriteCommandTest.idstrs(MigrationStream.read(plain, ReaderOptions.defaults())),
                RewriteCommandTest.idstrs(new MigrationStream(s.header(), pkg.packaged(), true)));
        for (CommandType t : List.of(CommandType.POSTCOPY_ADVISE, CommandType.POSTCOPY_LISTEN, CommandType.POSTCOPY_RUN)) {
            assertTrue(pkg.packaged().stream().anyMatch(r -> r instanceof StreamRecord.Command c && c.type() == t)
                    || s.records().stream().anyMatch(r -> r instanceof StreamRecord.Command c && c.type() == t), t.name());
        }
        assertEquals(0, s.undecodedSections().size());
        assertEveryFullSectionDecoded(postcopy);
        assertEquals(sectionPaths(plain), sectionPaths(postcopy));
        Run a = QmigCliTest.run("digest", plain.toString());
        Run b = QmigCliTest.run("digest", postcopy.toString());
        assertEquals(0, b.exit(), b.err());
        assertEquals(a.out(), b.out());
        Run text = QmigCliTest.run("dump", postcopy.toString());
        assertTrue(text.out().contains("\n    0x"), "packaged records are printed, indented");
    }

    /** Edits reach into PACKAGED: the command's length follows its new contents. */
    @Test
    void aPostcopyStreamRewritesIdenticallyAndADropInsidePackagedKeepsItConsistent() throws Exception {
        Path same = dir.resolve("pc-same.mig");
        Run r = QmigCliTest.run("rewrite", postcopy.toString(), same.toString());
        assertEquals(0, r.exit(), r.err());
        assertArrayEquals(Files.readAllBytes(postcopy), Files.readAllBytes(same));
        Path dropped = dir.resolve("pc-drop.mig");
        Run d = QmigCliTest.run("rewrite", postcopy.toString(), dropped.toString(), "--drop", "pcspk",
                "--set", "timer.cpu_ticks_offset=5");
        assertEquals(0, d.exit(), d.err());
        MigrationStream s = MigrationStream.read(dropped, ReaderOptions.defaults());
        StreamRecord.Command pkg = (StreamRecord.Command) s.records().stream()
                .filter(x -> x instanceof StreamRecord.Command c && c.type() == CommandType.PACKAGED).findFirst().orElseThrow();
        assertFalse(pkg.packaged().stream().anyMatch(x -> x instanceof StreamRecord.SectionFull f
                && f.header().idstr().equals("pcspk")));
        long declared = ((pkg.data()[0] & 0xffL) << 24) | ((pkg.data()[1] & 0xffL) << 16) | ((pkg.data()[2] & 0xffL) << 8)
                | (pkg.data()[3] & 0xffL);
        assertEquals(Files.size(postcopy) - 26, Files.size(dropped)); // pcspk's FULL record is 26 bytes
        assertEquals(declared, (long) new qmig.stream.grammar.MigrationStream(s.header(), pkg.packaged(), true)
                .toBytes().length - 8);
        assertTrue(QmigCliTest.run("dump", "--paths", dropped.toString()).out().contains("timer/0.cpu_ticks_offset = 5\n"));
    }

    /** Cut in the middle of the cpu section, after RAM: everything before it is printed, then Truncated with its offset. */
    @Test
    void aCutStreamDecodesUpToTheCut() throws Exception {
        MigrationStream s = MigrationStream.read(novmdesc, ReaderOptions.defaults());
        StreamRecord.SectionFull cpu = (StreamRecord.SectionFull) s.records().stream()
                .filter(r -> r instanceof StreamRecord.SectionFull f && f.header().idstr().equals("cpu")).findFirst().orElseThrow();
        byte[] bytes = Files.readAllBytes(novmdesc);
        long payload = cpu.offset() + 1 + 4 + 1 + 3 + 4 + 4;
        Path cut = QmigCliTest.raw(dir, "cut.mig", Arrays.copyOf(bytes, (int) cpu.offset() + 900));
        Run text = QmigCliTest.run("dump", cut.toString());
        assertEquals(Qmig.EXIT_BAD_STREAM, text.exit(), text.err());
        assertTrue(text.out().contains("FULL section 4 'cpu_common' instance 0 version 1  [vmsd cpu_common, schema description]"),
                text.out());
        assertTrue(text.out().contains("PART section 2 'ram'"), "RAM before the cut is decoded");
        String where = String.format("0x%08x Truncated: section 5 'cpu'/0 at 0x%x: truncated section payload", payload, payload);
        assertTrue(text.out().contains(where), text.out());
        assertTrue(text.err().contains(String.format("section 5 'cpu'/0 at 0x%x: truncated", payload)), text.err());
        Run json = QmigCliTest.run("dump", "--json", cut.toString());
        assertEquals(Qmig.EXIT_BAD_STREAM, json.exit());
        JObject root = (JObject) Json.parse(json.out().getBytes(StandardCharsets.UTF_8));
        assertEquals(JsonValue.wrap(false), root.get("complete"));
        JObject error = root.getObject("error");
        assertEquals("Truncated", error.getString("kind"));
        assertEquals(payload, error.getLong("offset", -1));
        List<JsonValue> records = root.getArray("records");
        assertEquals("cpu_common", ((JObject) records.get(records.size() - 1)).getString("idstr"));
    }

    /** mc146818rtc's header says version 4: named with what the bundled schema covers; a dump file covering 4 decodes it. */
    @Test
    void aVersionTheSchemaDoesNotCoverIsNamedAndAHandMadeDumpDecodesIt() throws Exception {
        MigrationStream s = MigrationStream.read(novmdesc, ReaderOptions.defaults());
        StreamRecord.SectionFull rtc = (StreamRecord.SectionFull) s.records().stream()
                .filter(r -> r instanceof StreamRecord.SectionFull f && f.header().idstr().equals("mc146818rtc")).findFirst()
                .orElseThrow();
        assertEquals(3, rtc.header().versionId());
        byte[] bytes = Files.readAllBytes(novmdesc);
        int versionAt = (int) rtc.offset() + 1 + 4 + 1 + "mc146818rtc".length() + 4;
        assertEquals(3, bytes[versionAt + 3]);
        bytes[versionAt + 3] = 4;
        Path v4 = QmigCliTest.raw(dir, "rtc-v4.mig", bytes);
        Run r = QmigCliTest.run("dump", v4.toString());
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().contains(String.format("section 19 'mc146818rtc'/0 at 0x%x not decoded: section 'mc146818rtc'"
                + " instance 0 version 4 is not covered: the bundled QEMU 7.2 schema (pc-q35-7.2) covers 'mc146818rtc'"
                + " versions 1 to 3; give the source QEMU's -dump-vmstate file with --schema", rtc.offset())), r.err());
        assertTrue(r.out().contains("(undecoded: section 'mc146818rtc' instance 0 version 4 is not covered"), r.out());

        Path schema = dir.resolve("rtc-v4.dump-vmstate.json");
        Files.write(schema, Json.writeQemu(rtcAtVersion4()));
        Run ok = QmigCliTest.run("dump", "--paths", "--schema", schema.toString(), v4.toString());
        assertEquals(0, ok.exit(), ok.err());
        Run before = QmigCliTest.run("dump", "--paths", novmdesc.toString());
        String cmos = before.out().lines().filter(l -> l.startsWith("mc146818rtc/0.cmos_data = ")).findFirst().orElseThrow();
        assertTrue(ok.out().contains(cmos + "\n"), ok.out());
        assertTrue(ok.out().contains("mc146818rtc/0.base_rtc = 1577836800\n"), "the -rtc base of the scenario");
    }

    /** The bundled pc-q35-7.2 -dump-vmstate entry of mc146818rtc, its version raised to 4: a dump a user could make. */
    static JsonValue rtcAtVersion4() throws Exception {
        byte[] text;
        try (InputStream in = new GZIPInputStream(TrailerlessDecodeTest.class.getResourceAsStream(
                "/qmig/stream/schema/qemu-7.2/pc-q35-7.2.dump-vmstate.json.gz"))) {
            text = in.readAllBytes();
        }
        JObject all = (JObject) Json.parse(text, 0, text.length, 0, 1000);
        JObject rtc = all.getObject("mc146818rtc");
        assertNotNull(rtc);
        return new JObject(List.of(new Member("mc146818rtc", bump(rtc))));
    }

    private static JObject bump(JObject o) {
        List<Member> ms = new ArrayList<>();
        for (Member m : o.members()) {
            if (m.key().equals("version_id")) {
                ms.add(new Member("version_id", JNumber.of(4)));
            } else if (m.key().equals("Description")) {
                ms.add(new Member("Description", bump((JObject) m.value())));
            } else {
                ms.add(m);
            }
        }
        return new JObject(ms);
    }
}
