package qmig.tools.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import qmig.stream.saved.LibvirtHeader;
import qmig.testdata.QemuDestination;
import qmig.testdata.RepoPaths;

/**
 * Every command that reads a stream gives the same output on a saved form as on the bare
 * stream, apart from the wrapper lines: a libvirt save image (format xz, around the bundled
 * q35 + vIOMMU capture) against the capture itself, and a qcow2 internal snapshot made by QEMU
 * 7.2 against the stream QEMU migrated right after {@code savevm}.
 */
class SavedFormsCliTest {

    @TempDir
    static Path dir;

    static Path capture;   // the bundled q35-viommu.mig.xz
    static Path libvirt;   // the same xz bytes inside a libvirt save image
    static Path qcow2;     // make-qcow2-snapshots.sh output
    static Path vm1;       // what QEMU migrated right after "savevm vm1"

    @BeforeAll
    static void make() throws Exception {
        capture = RepoPaths.root().resolve("testdata/captures/qemu-7.2/q35/q35-viommu.mig.xz");
        byte[] xz = Files.readAllBytes(capture);
        byte[] xml = "<domain type='kvm'><name>linux</name></domain>\0".getBytes(StandardCharsets.UTF_8);
        byte[] cookie = "<cookie><slirpHelper/></cookie>\0".getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.writeBytes(LibvirtHeader.header(true, false, 2, xml.length + cookie.length + 65536, true, 3, xml.length));
        o.writeBytes(xml);
        o.writeBytes(cookie);
        o.writeBytes(new byte[65536]);
        o.writeBytes(xz);
        libvirt = dir.resolve("linux.save");
        Files.write(libvirt, o.toByteArray());

        QemuDestination.requireQemu();
        qcow2 = dir.resolve("snap.qcow2");
        Process p = new ProcessBuilder("bash", RepoPaths.script("make-qcow2-snapshots.sh").toString(), qcow2.toString())
                .redirectErrorStream(true).start();
        byte[] log = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, new String(log, StandardCharsets.UTF_8));
        vm1 = Path.of(qcow2 + ".vm1.mig");
    }

    /** The output with the file name replaced, and for inspect only the part from the record table on. */
    static String normal(QmigCliTest.Run r, Path file) {
        String out = r.out().replace(file.toString(), "FILE");
        int t = out.indexOf("OFFSET ");
        return r.exit() + "\n" + (t >= 0 ? out.substring(t) : out) + "\n--- stderr\n" + r.err().replace(file.toString(), "FILE");
    }

    static void same(List<String> args, Path bare, Path saved, String... savedExtra) {
        List<String> a = new ArrayList<>();
        List<String> b = new ArrayList<>();
        for (String s : args) {
            a.add(s.equals("FILE") ? bare.toString() : s);
            b.add(s.equals("FILE") ? saved.toString() : s);
        }
        b.addAll(List.of(savedExtra));
        QmigCliTest.Run want = QmigCliTest.run(a.toArray(new String[0]));
        QmigCliTest.Run got = QmigCliTest.run(b.toArray(new String[0]));
        assertEquals(normal(want, bare), normal(got, saved), String.join(" ", b));
    }

    static TreeMap<String, String> tree(Path d) throws IOException {
        TreeMap<String, String> m = new TreeMap<>();
        try (var s = Files.list(d)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                try {
                    MessageDigest md = MessageDigest.getInstance("SHA-256");
                    try (var in = Files.newInputStream(p)) {
                        byte[] buf = new byte[1 << 16];
                        for (int n; (n = in.read(buf)) > 0; ) {
                            md.update(buf, 0, n);
                        }
                    }
                    m.put(p.getFileName().toString(), HexFormat.of().formatHex(md.digest()));
                } catch (java.security.NoSuchAlgorithmException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return m;
    }

    @Test
    @Timeout(300)
    void everyCommandReadsALibvirtXzImageAsTheCaptureItself() throws Exception {
        QmigCliTest.Run inspect = QmigCliTest.run("inspect", libvirt.toString());
        assertEquals(0, inspect.exit(), inspect.err());
        assertTrue(inspect.out().startsWith("wrapper: libvirt save image v2, format xz, was_running=1, domain XML "),
                inspect.out());
        long streamAt = Files.size(libvirt) - Files.size(capture);
        assertTrue(inspect.out().contains("wrapper: xz compressed, at offset " + streamAt), inspect.out());
        assertTrue(inspect.out().contains(": QEMU migration stream, version 3 (libvirt save image, xz)"), inspect.out());
        for (List<String> cmd : List.of(
                List.of("inspect", "FILE"),
                List.of("dump", "--json", "FILE"),
                List.of("iommu", "FILE"),
                List.of("translate", "FILE", "00:1f.2", "0x1000"),
                List.of("irte", "FILE"),
                List.of("vfio", "FILE", "--device", "00:01.0"),
                List.of("digest", "FILE"),
                List.of("read", "FILE", "0xfffffff0", "16"))) {
            same(cmd, capture, libvirt);
        }
        Path a = Files.createDirectories(dir.resolve("ram-a"));
        Path b = Files.createDirectories(dir.resolve("ram-b"));
        assertEquals(0, QmigCliTest.run("extract-ram", capture.toString(), a.toString()).exit());
        assertEquals(0, QmigCliTest.run("extract-ram", libvirt.toString(), b.toString()).exit());
        assertEquals(tree(a), tree(b));
        // qmig send and the demo read their STREAM through StreamFiles: the same bytes come out
        byte[] want;
        try (var in = new org.tukaani.xz.XZInputStream(Files.newInputStream(capture))) {
            want = in.readAllBytes();
        }
        try (var in = qmig.tools.send.StreamFiles.open(libvirt)) {
            assertTrue(java.util.Arrays.equals(want, in.readAllBytes()), "StreamFiles.open of the libvirt image");
        }
        // the issue-8 commands take the same forms: diff finds nothing, check gives the same verdict,
        // an edit-free rewrite writes the bare stream, report writes its page
        QmigCliTest.Run d = QmigCliTest.run("diff", capture.toString(), libvirt.toString());
        assertEquals(0, d.exit(), d.out() + d.err());
        same(List.of("check", "FILE", "--dest-mem", "256M", "--dest-device", "intel-iommu", "--dest-device",
                "virtio-net-pci", "--dest-device", "isa-serial"), capture, libvirt);
        Path rw = dir.resolve("libvirt-rewritten.mig");
        QmigCliTest.Run r = QmigCliTest.run("rewrite", libvirt.toString(), rw.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(java.util.Arrays.equals(want, Files.readAllBytes(rw)), "rewrite of the libvirt image");
        Path html = dir.resolve("libvirt-report.html");
        QmigCliTest.Run rep = QmigCliTest.run("report", libvirt.toString(), "--html", html.toString());
        assertEquals(0, rep.exit(), rep.err());
        assertTrue(Files.readString(html).contains("libvirt save image"), "the report names the wrapper");
    }

    @Test
    @Timeout(300)
    void everyCommandReadsAQcow2SnapshotAsTheStreamQemuMigrated() throws Exception {
        QmigCliTest.Run inspect = QmigCliTest.run("inspect", "--snapshot", "vm1", qcow2.toString());
        assertEquals(0, inspect.exit(), inspect.err());
        assertTrue(inspect.out().startsWith("wrapper: qcow2 v3 image, cluster size 65536, 3 snapshots; reading snapshot 1"
                + " 'vm1' (selected)"), inspect.out());
        assertTrue(inspect.out().matches("(?s).*\\n  2 +vm2 +778686 .*\\n  3 +disk1 +\\(disk only\\).*"), inspect.out());
        for (List<String> cmd : List.of(
                List.of("inspect", "FILE"),
                List.of("dump", "--json", "FILE"),
                List.of("dump", "FILE"),
                List.of("iommu", "FILE"),
                List.of("vfio", "FILE", "--device", "00:01.0"),
                List.of("digest", "FILE", "--both"),
                List.of("read", "FILE", "0xfffffff0", "16"))) {
            same(cmd, vm1, qcow2, "--snapshot", "vm1");
        }
        Path a = Files.createDirectories(dir.resolve("q-a"));
        Path b = Files.createDirectories(dir.resolve("q-b"));
        assertEquals(0, QmigCliTest.run("extract-ram", vm1.toString(), a.toString()).exit());
        assertEquals(0, QmigCliTest.run("extract-ram", qcow2.toString(), b.toString(), "--snapshot", "1").exit());
        assertEquals(tree(a), tree(b));
        // diff, check and rewrite pick the snapshot too
        QmigCliTest.Run d = QmigCliTest.run("diff", vm1.toString(), qcow2.toString(), "--snapshot-b", "vm1");
        assertEquals(0, d.exit(), d.out() + d.err());
        QmigCliTest.Run d2 = QmigCliTest.run("diff", qcow2.toString(), qcow2.toString(), "--snapshot-a", "vm1",
                "--snapshot-b", "vm1");
        assertEquals(0, d2.exit(), d2.out() + d2.err());
        same(List.of("check", "FILE", "--dest", vm1.toString()), vm1, qcow2, "--snapshot", "vm1");
        Path rw = dir.resolve("vm1-rewritten.mig");
        QmigCliTest.Run r = QmigCliTest.run("rewrite", qcow2.toString(), rw.toString(), "--snapshot", "vm1");
        assertEquals(0, r.exit(), r.err());
        assertTrue(java.util.Arrays.equals(Files.readAllBytes(vm1), Files.readAllBytes(rw)), "rewrite of snapshot vm1");
        // the default is the newest snapshot with VM state, and inspect says so
        QmigCliTest.Run dflt = QmigCliTest.run("inspect", qcow2.toString());
        assertTrue(dflt.out().contains("reading snapshot 2 'vm2' (the newest of 2 with VM state"), dflt.out());
    }

    @Test
    @Timeout(180)
    void sendOfALibvirtXzImageIsAcceptedByARealQemu() throws Exception {
        try (QemuDestination dest = QemuDestination.start("q35-viommu")) {
            QmigCliTest.Run r = QmigCliTest.run("send", libvirt.toString(), "--to", "127.0.0.1:" + dest.port());
            QemuDestination.Verdict v = dest.verdict(120);
            assertEquals(0, r.exit(), r.out() + r.err() + v.summary());
            assertTrue(v.accepted(), v.summary());
        }
    }

    @Test
    @Timeout(120)
    void unwrapWritesTheBareStreamAndNoPartialFileOnError() throws Exception {
        Path out = dir.resolve("bare.mig");
        QmigCliTest.Run r = QmigCliTest.run("unwrap", qcow2.toString(), out.toString(), "--snapshot", "vm1");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("<- read (selected)"), r.out());
        assertEquals(-1, Files.mismatch(vm1, out), "unwrapped snapshot vm1 equals QEMU's migrate output");

        QmigCliTest.Run x = QmigCliTest.run("unwrap", "--xml", libvirt.toString());
        assertEquals(0, x.exit(), x.err());
        assertTrue(x.out().contains("--- domain XML ---\n<domain type='kvm'><name>linux</name></domain>"), x.out());
        assertTrue(x.out().contains("--- cookie XML ---\n<cookie><slirpHelper/></cookie>"), x.out());

        // a bomb limit stops the copy: exit 2, and neither OUT nor a temporary file is left behind
        Path sub = Files.createDirectories(dir.resolve("unwrap-fail"));
        Path failed = sub.resolve("never.mig");
        QmigCliTest.Run bomb = QmigCliTest.run("unwrap", "--limit", "maxDecompressedBytes=100000", libvirt.toString(),
                failed.toString());
        assertEquals(Qmig.EXIT_BAD_STREAM, bomb.exit(), bomb.out() + bomb.err());
        assertTrue(bomb.err().contains("--limit maxDecompressedBytes=N"), bomb.err());
        try (var s = Files.list(sub)) {
            assertFalse(s.findAny().isPresent(), "no file left in " + sub);
        }
    }
}
