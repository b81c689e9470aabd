package qmig.stream.saved;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import qmig.stream.grammar.MigrationStream;
import qmig.stream.grammar.ReaderOptions;
import qmig.stream.grammar.StreamRecord;
import qmig.stream.json.Json;
import qmig.stream.json.JsonValue;
import qmig.stream.memory.Backing;
import qmig.stream.memory.BlockDigest;
import qmig.stream.memory.GuestMemory;
import qmig.stream.memory.MemoryOptions;
import qmig.stream.memory.RamLoader;
import qmig.stream.wire.Limits;
import qmig.testdata.QemuDestination;
import qmig.testdata.RepoPaths;

/**
 * qcow2 images with internal snapshots made by Debian's QEMU 7.2 ({@code make-qcow2-snapshots.sh}
 * at test time): the snapshot table equals {@code qemu-img info}'s, and each snapshot's VM state,
 * read through its own L1/L2 tables, decodes fully to the same sections and RAM as the
 * {@code migrate exec:} file QEMU wrote right after {@code savevm} (the VM was paused): the
 * same sections, the same RAM digests, and in fact the same bytes.
 */
class Qcow2SnapshotTest {

    @TempDir
    static Path dir;

    static Path v3;
    static Path v2;
    static Path ext;

    @BeforeAll
    static void make() throws Exception {
        QemuDestination.requireQemu();
        v3 = make("v3.qcow2", "1.1");
        v2 = make("v2.qcow2", "0.10");
        ext = make("ext.qcow2", "1.1", "-o", "extended_l2=on,cluster_size=128k");
    }

    static Path make(String name, String compat, String... more) throws Exception {
        Path out = dir.resolve(name);
        List<String> cmd = new ArrayList<>(List.of("bash", RepoPaths.script("make-qcow2-snapshots.sh").toString(),
                "--compat", compat));
        cmd.addAll(List.of(more));
        cmd.add(out.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] log = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("make-qcow2-snapshots.sh failed:\n" + new String(log, StandardCharsets.UTF_8));
        }
        return out;
    }

    static Path image(String version) {
        return version.equals("v3") ? v3 : version.equals("v2") ? v2 : ext;
    }

    /** qemu-img's own list: id, name, vm-state-size, date-sec, date-nsec. */
    static List<String> qemuImgSnapshots(Path img) throws Exception {
        Process p = new ProcessBuilder("qemu-img", "info", "--output=json", img.toString()).start();
        byte[] out;
        try (InputStream in = p.getInputStream()) {
            out = in.readAllBytes();
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "qemu-img info failed");
        JsonValue.JObject root = (JsonValue.JObject) Json.parse(out, 0, out.length, 0, 16);
        List<String> rows = new ArrayList<>();
        for (JsonValue v : ((JsonValue.JArray) member(root, "snapshots")).items()) {
            JsonValue.JObject o = (JsonValue.JObject) v;
            rows.add(str(member(o, "id")) + " " + str(member(o, "name")) + " " + str(member(o, "vm-state-size")) + " "
                    + str(member(o, "date-sec")) + " " + str(member(o, "date-nsec")));
        }
        return rows;
    }

    static JsonValue member(JsonValue.JObject o, String name) {
        for (JsonValue.Member m : o.members()) {
            if (m.key().equals(name)) {
                return m.value();
            }
        }
        throw new AssertionError("no member " + name);
    }

    static String str(JsonValue v) {
        return v instanceof JsonValue.JString s ? s.value() : v instanceof JsonValue.JNumber n ? n.text() : v.toString();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"v3", "v2", "v3-extended-l2"})
    @Timeout(120)
    void snapshotTableEqualsQemuImgs(String version) throws Exception {
        Path img = image(version);
        try (SavedStream s = SavedStream.open(img, Limits.DEFAULT)) {
            Qcow2Image.Choice c = s.layers().get(0).qcow2();
            assertEquals(version.equals("v2") ? 2 : 3, c.version());
            assertEquals(version.endsWith("extended-l2"), c.extendedL2());
            assertEquals(version.endsWith("extended-l2") ? 17 : 16, c.clusterBits());
            List<String> ours = new ArrayList<>();
            for (Qcow2Snapshot q : c.snapshots()) {
                ours.add(q.id() + " " + q.name() + " " + q.vmStateSize() + " " + q.dateSec() + " " + q.dateNsec());
                assertEquals(64L << 20, q.diskSize());
            }
            assertEquals(qemuImgSnapshots(img), ours);
            // default: two snapshots have VM state, the newest (vm2) is read, and inspect says why
            assertEquals("vm2", c.chosen().name());
            assertTrue(c.why().startsWith("the newest of 2"), c.why());
            String d = s.describe();
            assertTrue(d.contains("reading snapshot 2 'vm2'"), d);
            assertTrue(d.contains("(disk only)"), d);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"v3", "v2", "v3-extended-l2"})
    @Timeout(120)
    void eachVmStateDecodesToWhatMigrateWroteRightAfter(String version) throws Exception {
        Path img = image(version);
        for (String[] sel : new String[][] {{"1", "vm1"}, {"vm2", "vm2"}}) {
            Path mig = Path.of(img + "." + sel[1] + ".mig");
            byte[] fromSnapshot = SavedFiles.reencode(img, sel[0]);
            byte[] migrated = Files.readAllBytes(mig);
            MigrationStream a = MigrationStream.read(fromSnapshot, ReaderOptions.defaults());
            MigrationStream b = MigrationStream.read(migrated, ReaderOptions.defaults());
            assertTrue(a.complete(), "snapshot " + sel[0] + " stream is not complete");
            assertEquals(fullSections(b), fullSections(a));
            // paused, RTC on the VM clock: savevm and migrate write the very same bytes
            assertArrayEquals(migrated, fromSnapshot, "snapshot " + sel[1] + " vs " + mig.getFileName());
            assertEquals(digests(migrated), digests(fromSnapshot), "RAM of snapshot " + sel[0]);
            try (SavedStream s = SavedStream.open(img, Limits.DEFAULT, sel[0])) {
                byte[] raw = s.stream().readAllBytes();
                assertEquals(s.layers().get(0).qcow2().chosen().vmStateSize(), raw.length);
                assertArrayEquals(fromSnapshot, raw, "the VM state re-encodes to its own bytes");
            }
        }
    }

    @Test
    @Timeout(60)
    void aDiskOnlySnapshotOrAnUnknownOneIsATypedError() throws Exception {
        var e = org.junit.jupiter.api.Assertions.assertThrows(qmig.stream.wire.StreamFormatException.Corrupt.class,
                () -> SavedStream.open(v3, Limits.DEFAULT, "disk1"));
        assertTrue(e.getMessage().contains("disk-only"), e.getMessage());
        var u = org.junit.jupiter.api.Assertions.assertThrows(qmig.stream.wire.StreamFormatException.Corrupt.class,
                () -> SavedStream.open(v3, Limits.DEFAULT, "nosuch"));
        assertTrue(u.getMessage().contains("1 'vm1', 2 'vm2', 3 'disk1'"), u.getMessage());
    }

    static List<String> fullSections(MigrationStream s) {
        List<String> out = new ArrayList<>();
        for (StreamRecord r : s.records()) {
            if (r instanceof StreamRecord.SectionFull f) {
                out.add(f.header().idstr() + "/" + f.header().instanceId() + " v" + f.header().versionId());
            }
        }
        return out;
    }

    static Map<String, String> digests(byte[] stream) throws IOException {
        try (GuestMemory mem = GuestMemory.create(MemoryOptions.of(Backing.heap()))) {
            RamLoader.load(stream, mem, Limits.DEFAULT);
            Map<String, String> out = new TreeMap<>();
            for (BlockDigest d : BlockDigest.of(mem, java.util.Set.of(BlockDigest.Algorithm.SHA256))) {
                out.put(d.idstr(), d.sha256());
            }
            return out;
        }
    }
}
