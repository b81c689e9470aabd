package qmig.tools.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import qmig.stream.grammar.MigrationStream;
import qmig.stream.grammar.ReaderOptions;
import qmig.stream.grammar.SectionHeader;
import qmig.stream.grammar.StreamRecord;
import qmig.stream.json.Json;
import qmig.stream.json.JsonValue;
import qmig.stream.json.JsonValue.JArray;
import qmig.stream.json.JsonValue.JObject;
import qmig.stream.json.JsonValue.JString;
import qmig.stream.json.JsonValue.Member;
import qmig.testdata.Captures;
import qmig.testdata.QemuDestination;

/**
 * Issue 8: {@code qmig check} against a real QEMU 7.2 destination. For each stream the destination
 * either accepts or rejects it; check (with that destination's schema and instance source) must
 * give the same verdict and, on rejection, exactly the lines QEMU printed to stderr.
 */
class CheckQemuTest {

    /** Starts {@code scenario} as a destination, sends {@code stream}, returns (accepted, QEMU's stderr lines). */
    static QemuDestination.Verdict qemu(String scenario, byte[] stream) throws Exception {
        try (QemuDestination d = QemuDestination.start(scenario)) {
            return d.send(stream, 60);
        }
    }

    static List<String> stderr(QemuDestination.Verdict v) {
        List<String> out = new ArrayList<>();
        for (String l : v.lines()) {
            if (l.startsWith("STDERR ")) {
                out.add(l.substring("STDERR ".length()));
            }
        }
        return out;
    }

    /** Runs {@code qmig check --json ARGS}; returns its exit code and qemu_errors. */
    static Object[] check(String... args) {
        List<String> a = new ArrayList<>(List.of("check", "--json"));
        a.addAll(List.of(args));
        QmigCliTest.Run r = QmigCliTest.run(a.toArray(String[]::new));
        assertTrue(r.exit() == 0 || r.exit() == 1, r.err() + r.out());
        JObject o;
        try {
            o = (JObject) Json.parse(r.out().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new AssertionError(r.out(), e);
        }
        List<String> lines = new ArrayList<>();
        for (JsonValue v : o.getArray("qemu_errors")) {
            lines.add(((JString) v).value());
        }
        assertEquals(r.exit() == 0 ? "loads" : "would fail", o.getString("verdict"), r.out());
        return new Object[] {r.exit(), lines, r.out()};
    }

    static void assertSame(QemuDestination.Verdict v, Object[] c) {
        String both = v.summary() + "\n--- qmig check:\n" + c[2];
        assertEquals(v.accepted() ? 0 : 1, c[0], both);
        if (!v.accepted()) {
            assertFalse(stderr(v).isEmpty(), both);
            assertEquals(stderr(v), c[1], both);
        }
    }

    /** The stream with section {@code idstr} renamed (header and trailer) and/or given another version. */
    static byte[] edited(byte[] stream, String idstr, String newIdstr, int newVersion) throws Exception {
        MigrationStream s = MigrationStream.read(stream, ReaderOptions.defaults());
        List<StreamRecord> out = new ArrayList<>();
        int hits = 0;
        for (StreamRecord r : s.records()) {
            if (r instanceof StreamRecord.SectionFull f && f.header().idstr().equals(idstr)) {
                SectionHeader h = f.header();
                out.add(new StreamRecord.SectionFull(f.offset(), new SectionHeader(h.type(), h.sectionId(), newIdstr,
                        h.instanceId(), newVersion < 0 ? h.versionId() : newVersion), f.payload(), f.footer()));
                hits++;
            } else if (r instanceof StreamRecord.VmDescription d) {
                out.add(new StreamRecord.VmDescription(d.offset(), trailer((JObject) d.json(), idstr, newIdstr,
                        newVersion)));
            } else {
                out.add(r);
            }
        }
        assertEquals(1, hits, idstr);
        return new MigrationStream(s.header(), out, s.footers()).toBytes();
    }

    private static JObject trailer(JObject top, String idstr, String newIdstr, int newVersion) {
        List<Member> ms = new ArrayList<>();
        for (Member m : top.members()) {
            if (!m.key().equals("devices")) {
                ms.add(m);
                continue;
            }
            List<JsonValue> devs = new ArrayList<>();
            for (JsonValue v : ((JArray) m.value()).items()) {
                JObject d = (JObject) v;
                if (idstr.equals(d.getString("name"))) {
                    List<Member> dm = new ArrayList<>();
                    for (Member x : d.members()) {
                        if (x.key().equals("name")) {
                            dm.add(new Member("name", new JString(newIdstr)));
                        } else if (x.key().equals("version") && newVersion >= 0) {
                            dm.add(new Member("version", JsonValue.JNumber.of(newVersion)));
                        } else {
                            dm.add(x);
                        }
                    }
                    d = new JObject(dm);
                }
                devs.add(d);
            }
            ms.add(new Member("devices", new JArray(devs)));
        }
        return new JObject(ms);
    }

    static Path write(Path dir, String name, byte[] b) throws Exception {
        Path p = dir.resolve(name);
        Files.write(p, b);
        return p;
    }

    @Test
    void acceptedStreamsPass(@TempDir Path dir) throws Exception {
        byte[] plain = Captures.Q35_PLAIN.bytes();
        assertSame(qemu("q35-plain", plain), check(write(dir, "plain.mig", plain).toString()));
        byte[] viommu = Captures.Q35_VIOMMU.bytes();
        Path v = write(dir, "viommu.mig", viommu);
        QemuDestination.Verdict q = qemu("q35-viommu", viommu);
        assertTrue(q.accepted(), q.summary());
        assertSame(q, check(v.toString(), "--dest", v.toString()));
        assertSame(q, check(v.toString(), "--dest-device", "intel-iommu"));
    }

    @Test
    void viommuStreamIntoQ35WithoutIntelIommu(@TempDir Path dir) throws Exception {
        byte[] viommu = Captures.Q35_VIOMMU.bytes();
        Path plain = write(dir, "plain.mig", Captures.Q35_PLAIN.bytes());
        Path v = write(dir, "viommu.mig", viommu);
        QemuDestination.Verdict q = qemu("q35-plain", viommu);
        assertFalse(q.accepted(), q.summary());
        assertSame(q, check(v.toString()));
        assertSame(q, check(v.toString(), "--dest", plain.toString()));
    }

    @Test
    void renamedSection(@TempDir Path dir) throws Exception {
        byte[] tixer = edited(Captures.Q35_VIOMMU.bytes(), "timer", "tixer", -1);
        Path t = write(dir, "tixer.mig", tixer);
        Path v = write(dir, "viommu.mig", Captures.Q35_VIOMMU.bytes());
        QemuDestination.Verdict q = qemu("q35-viommu", tixer);
        assertFalse(q.accepted(), q.summary());
        assertSame(q, check(t.toString(), "--dest", v.toString()));
    }

    @Test
    void extraDevices(@TempDir Path dir) throws Exception {
        byte[] devices = Captures.Q35_VIOMMU_DEVICES.bytes();
        Path d = write(dir, "devices.mig", devices);
        Path v = write(dir, "viommu.mig", Captures.Q35_VIOMMU.bytes());
        QemuDestination.Verdict q = qemu("q35-viommu", devices);
        assertFalse(q.accepted(), q.summary());
        assertSame(q, check(d.toString(), "--dest", v.toString()));
        assertSame(q, check(d.toString(), "--dest-device", "intel-iommu", "--dest-device", "e1000e"));
    }

    @Test
    void sectionVersionAboveTheDestinations(@TempDir Path dir) throws Exception {
        byte[] v3 = edited(Captures.Q35_PLAIN.bytes(), "fw_cfg", "fw_cfg", 3);
        Path f = write(dir, "fwcfg3.mig", v3);
        QemuDestination.Verdict q = qemu("q35-plain", v3);
        assertFalse(q.accepted(), q.summary());
        assertSame(q, check(f.toString()));
        assertEquals(List.of("qemu-system-x86_64: savevm: unsupported version 3 for 'fw_cfg' v2",
                "qemu-system-x86_64: load of migration failed: Invalid argument"), stderr(q));
    }

    @Test
    void sectionVersionBelowTheDestinationsMinimum(@TempDir Path dir) throws Exception {
        byte[] v0 = edited(Captures.Q35_PLAIN.bytes(), "mc146818rtc", "mc146818rtc", 0);
        Path f = write(dir, "rtc0.mig", v0);
        QemuDestination.Verdict q = qemu("q35-plain", v0);
        assertFalse(q.accepted(), q.summary());
        assertSame(q, check(f.toString()));
    }

    @Test
    void guestRamSizeDiffers(@TempDir Path dir) throws Exception {
        byte[] plain = Captures.Q35_PLAIN.bytes();
        Path f = write(dir, "plain.mig", plain);
        QemuDestination.Verdict q;
        try (QemuDestination d = QemuDestination.start("q35-plain", "--size", "128M")) {
            q = d.send(plain, 60);
        }
        assertFalse(q.accepted(), q.summary());
        assertSame(q, check(f.toString(), "--dest-mem", "128M"));
    }

    /** {@code v} without any subsection named {@code name}, at any depth. */
    static JsonValue withoutSubsection(JsonValue v, String name) {
        if (v instanceof JArray a) {
            List<JsonValue> items = new ArrayList<>();
            for (JsonValue x : a.items()) {
                if (!(x instanceof JObject o && name.equals(o.getString("name")) && o.has("version_id"))) {
                    items.add(withoutSubsection(x, name));
                }
            }
            return new JArray(items);
        }
        if (v instanceof JObject o) {
            List<Member> ms = new ArrayList<>();
            for (Member m : o.members()) {
                ms.add(new Member(m.key(), withoutSubsection(m.value(), name)));
            }
            return new JObject(ms);
        }
        return v;
    }

    /**
     * A subsection the destination does not have: real QEMU gets the q35-plain stream with its
     * {@code fw_cfg/dma} subsection renamed {@code fw_cfg/dmb} on the wire (same length); check gets
     * the unchanged stream and a destination schema without {@code fw_cfg/dma}. Both say ENOENT.
     */
    @Test
    void subsectionTheDestinationLacks(@TempDir Path dir) throws Exception {
        byte[] plain = Captures.Q35_PLAIN.bytes();
        byte[] dmb = plain.clone();
        byte[] name = "\u0005\nfw_cfg/dma".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        int at = -1;
        for (int i = 0; i + name.length <= dmb.length && at < 0; i++) {
            if (Arrays.equals(dmb, i, i + name.length, name, 0, name.length)) {
                at = i;
            }
        }
        assertTrue(at > 0);
        dmb[at + name.length - 1] = 'b';
        QemuDestination.Verdict q = qemu("q35-plain", dmb);
        assertFalse(q.accepted(), q.summary());
        byte[] schemaText;
        try (java.io.InputStream in = qmig.stream.vmdesc.DumpVmstateSchema.class.getResourceAsStream(
                "/qmig/stream/schema/qemu-7.2/pc-q35-7.2.dump-vmstate.json.gz")) {
            schemaText = new java.util.zip.GZIPInputStream(in).readAllBytes();
        }
        Path schema = write(dir, "no-dma.json", Json.writeQemu(withoutSubsection(Json.parse(schemaText), "fw_cfg/dma")));
        assertSame(q, check(write(dir, "plain.mig", plain).toString(), "--schema", schema.toString()));
    }
}
