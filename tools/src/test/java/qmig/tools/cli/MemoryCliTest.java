package qmig.tools.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import qmig.testdata.Captures;
import qmig.testdata.QemuDestination;
import qmig.testdata.RepoPaths;

/** extract-ram, read and digest on real captures, and multifd channels merged by the CLI. */
class MemoryCliTest {

    static final String SEEDED_PC_RAM_SHA256 = "7ec9c285d62e3eae501afb56a0c931bede565e7677eb4226593089201386193b";

    static Path raw(Path dir, String name, byte[] b) throws Exception {
        Path p = dir.resolve(name);
        Files.write(p, b);
        return p;
    }

    @Test
    void digestOfTheSeededGuestIsTheSeededFilesDigest(@TempDir Path dir) throws Exception {
        QmigCliTest.Run r = QmigCliTest.run("digest", raw(dir, "r.mig", Captures.Q35_RANDOM_RAM.bytes()).toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("sha256:" + SEEDED_PC_RAM_SHA256 + "  pc.ram 0x400000"), r.out());
    }

    @Test
    void extractRamWritesBlocksThatHashLikeTheDigest(@TempDir Path dir) throws Exception {
        Path f = raw(dir, "r.mig", Captures.Q35_RANDOM_RAM.bytes());
        Path out = dir.resolve("out");
        for (String backing : new String[] {"heap", "offheap", "mapped"}) {
            QmigCliTest.Run r = QmigCliTest.run("extract-ram", "--backing", backing, f.toString(), out.toString(),
                    "--gpa", out.resolve("flat.img").toString());
            assertEquals(0, r.exit(), r.err());
            byte[] pcRam = Files.readAllBytes(out.resolve("pc.ram.bin"));
            assertEquals(SEEDED_PC_RAM_SHA256,
                    HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(pcRam)), backing);
            Path flat = out.resolve("flat.img");
            assertEquals(1L << 32, Files.size(flat), "the (sparse) flat image ends at the top of pc.bios");
            byte[] low = new byte[pcRam.length];
            try (var ch = java.nio.channels.FileChannel.open(flat)) {
                java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(low);
                while (bb.hasRemaining() && ch.read(bb, bb.position()) > 0) {
                    // read the pc.ram part at GPA 0
                }
                byte[] top = new byte[16];
                ch.read(java.nio.ByteBuffer.wrap(top), (1L << 32) - 16);
                assertEquals((byte) 0xea, top[0], "pc.bios's reset vector at 4 GiB - 16");
            }
            // below 640 KiB and from 1 MiB up the flat image is pc.ram; 0xa0000-0xfffff is the VGA window and
            // the PAM area, which a never-run q35 guest routes to its ROMs
            assertEquals(java.nio.ByteBuffer.wrap(pcRam, 0, 0xa0000), java.nio.ByteBuffer.wrap(low, 0, 0xa0000));
            assertEquals(java.nio.ByteBuffer.wrap(pcRam, 0x100000, pcRam.length - 0x100000),
                    java.nio.ByteBuffer.wrap(low, 0x100000, pcRam.length - 0x100000));
            try (var s = Files.list(out)) {
                assertTrue(s.noneMatch(p -> p.toString().endsWith(".part")), "no partial file left");
            }
        }
    }

    @Test
    void readShowsTheFirmwareResetVectorAndRefusesHoles(@TempDir Path dir) throws Exception {
        Path f = raw(dir, "p.mig", Captures.Q35_PLAIN.bytes());
        QmigCliTest.Run r = QmigCliTest.run("read", f.toString(), "0xfffffff0", "16");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("00000000fffffff0  ea 5b e0 00 f0"), r.out()); // jmp f000:e05b
        QmigCliTest.Run hole = QmigCliTest.run("read", f.toString(), "0xfee00000", "16");
        assertEquals(1, hole.exit());
        assertTrue(hole.err().contains("GPA 0xfee00000 is not RAM"), hole.err());
    }

    /** Runs a script of testdata/scripts and returns its stdout; fails on a non-zero exit. */
    static String script(List<String> args, long seconds) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash"));
        cmd.add(RepoPaths.script(args.get(0)).toString());
        cmd.addAll(args.subList(1, args.size()));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        StringBuilder out = new StringBuilder();
        try (BufferedReader br = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String l; (l = br.readLine()) != null; ) {
                out.append(l).append('\n');
            }
        }
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(args + " did not finish in " + seconds + " s");
        }
        assertEquals(0, p.exitValue(), args + ":\n" + out);
        return out.toString();
    }

    @Test
    @Timeout(300)
    void multifdChannelsMergeToTheSameDigestsAsASingleChannelMigration(@TempDir Path dir) throws Exception {
        QemuDestination.requireQemu();
        Path single = dir.resolve("single.mig");
        script(List.of("capture-stream.sh", "--size", "16M", "q35-random-ram", single.toString()), 120);
        QmigCliTest.Run want = QmigCliTest.run("digest", single.toString());
        assertEquals(0, want.exit(), want.err());
        for (String comp : new String[] {"none", "zstd"}) {
            Path mdir = dir.resolve("multifd-" + comp);
            script(List.of("multifd-capture.sh", "--no-dest", "--compression", comp, "--channels", "2", "--size", "16M",
                    "q35-random-ram", mdir.toString()), 120);
            QmigCliTest.Run got = QmigCliTest.run("digest", mdir.resolve("conn-0.bin").toString(),
                    "--channel", mdir.resolve("conn-1.bin").toString(), "--channel", mdir.resolve("conn-2.bin").toString());
            assertEquals(0, got.exit(), got.err());
            assertEquals(want.out(), got.out(), "multifd " + comp + " merged memory");
        }
    }
}
