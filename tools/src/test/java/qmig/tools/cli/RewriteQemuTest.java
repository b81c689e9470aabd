package qmig.tools.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import qmig.stream.grammar.MigrationStream;
import qmig.stream.vmstate.VmStateValue;
import qmig.testdata.Captures;
import qmig.tools.cli.QmigCliTest.Run;

/**
 * Rewritten streams sent to a real QEMU 7.2 destination (q35-plain, never ran): a harmless set is
 * loaded and migrated back out unchanged, a changed machine type and a renamed section are
 * refused with QEMU's own messages, and dropped sections are tolerated with an observable effect.
 */
class RewriteQemuTest {

    static Path rewrite(Path dir, String name, String... edits) throws Exception {
        Path in = dir.resolve("in.mig");
        if (!Files.exists(in)) {
            Files.write(in, Captures.Q35_PLAIN.bytes());
        }
        Path out = dir.resolve(name);
        String[] args = new String[edits.length + 3];
        args[0] = "rewrite";
        args[1] = in.toString();
        args[2] = out.toString();
        System.arraycopy(edits, 0, args, 3, edits.length);
        Run r = QmigCliTest.run(args);
        assertEquals(0, r.exit(), r.err());
        return out;
    }

    static String runstate(MigrationStream s) {
        byte[] b = ((VmStateValue.Bytes) RewriteCommandTest.field(s, "globalstate/0", "runstate")).data();
        int n = 0;
        while (n < b.length && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.US_ASCII);
    }

    /** {@code qmig diff A B --json}: the sections and paths of the differing fields, and whether RAM and lists differ. */
    static java.util.List<String> diffFields(Path a, Path b) throws Exception {
        Run r = QmigCliTest.run("diff", a.toString(), b.toString(), "--json");
        assertEquals(1, r.exit(), r.out() + r.err());
        com.fasterxml.jackson.databind.JsonNode j = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out());
        assertFalse(j.get("sections").get("differs").asBoolean(), r.out());
        assertFalse(j.get("configuration").get("differs").asBoolean(), r.out());
        for (com.fasterxml.jackson.databind.JsonNode block : j.get("ram")) {
            assertEquals(0, block.get("differing_pages").asLong(), r.out());
        }
        java.util.List<String> out = new java.util.ArrayList<>();
        for (com.fasterxml.jackson.databind.JsonNode f : j.get("fields")) {
            out.add(f.get("section").asText() + " " + f.get("path").asText() + " further=" + f.get("further").asInt());
        }
        return out;
    }

    /** QEMU loads the new values and, migrating out again while paused, writes exactly the rewritten stream. */
    @Test
    @Timeout(120)
    void aHarmlessSetIsLoadedAndMigratedBackOut(@TempDir Path dir) throws Exception {
        Path edited = rewrite(dir, "set.mig", "--set", "timer/0.cpu_ticks_offset=0x1234567",
                "--set", "cpu.env.regs[3]=0xdeadbeef");
        Path recaptured = dir.resolve("recaptured.mig");
        ScriptRun run = ScriptRun.run(dir, 90, "send-and-recapture.sh", "--feed", edited.toString(), "--timeout", "60",
                "q35-plain", recaptured.toString());
        assertTrue(run.accepted(), run.summary());
        assertTrue(run.lines().stream().anyMatch(l -> l.startsWith("RESULT ACCEPTED status=completed vm=prelaunch")),
                run.summary());
        MigrationStream back = RewriteCommandTest.read(recaptured);
        assertEquals(new VmStateValue.Int(0x1234567, 8, true), RewriteCommandTest.field(back, "timer/0", "cpu_ticks_offset"));
        assertEquals(new VmStateValue.Int(0xdeadbeefL, 8, false), RewriteCommandTest.field(back, "cpu/0", "env.regs[3]"));
        assertArrayEquals(Files.readAllBytes(edited), Files.readAllBytes(recaptured));
        // qmig diff of the original and what the real destination wrote back names exactly the two edits
        assertEquals(java.util.List.of("timer/0 cpu_ticks_offset further=0", "cpu/0 env.regs[3] further=0"),
                diffFields(dir.resolve("in.mig"), recaptured));
    }

    @Test
    @Timeout(120)
    void anotherMachineTypeIsRefusedWithQemusMessage(@TempDir Path dir) throws Exception {
        Path edited = rewrite(dir, "m.mig", "--set", "configuration.name=pc-q35-7.1");
        ScriptRun run = ScriptRun.run(dir, 90, "qemu-destination.sh", "--feed", edited.toString(), "--timeout", "60",
                "q35-plain");
        assertFalse(run.accepted(), run.summary());
        assertTrue(run.lines().contains("STDERR qemu-system-x86_64: Machine type received is 'pc-q35-7.1' and local is"
                + " 'pc-q35-7.2'"), run.summary());
    }

    @Test
    @Timeout(120)
    void aRenamedSectionIsUnknownToQemu(@TempDir Path dir) throws Exception {
        Path edited = rewrite(dir, "r.mig", "--rename", "timer=tixer");
        ScriptRun run = ScriptRun.run(dir, 90, "qemu-destination.sh", "--feed", edited.toString(), "--timeout", "60",
                "q35-plain");
        assertFalse(run.accepted(), run.summary());
        assertTrue(run.lines().stream().anyMatch(l -> l.startsWith(
                "STDERR qemu-system-x86_64: Unknown savevm section or instance 'tixer' 0. Make sure that your current VM"
                        + " setup matches your saved VM setup")), run.summary());
    }

    /**
     * QEMU 7.2 does not require every section: without {@code pcspk} the speaker keeps its reset
     * state (which is what the never-run source sent). Without {@code globalstate} the destination
     * cannot restore the source's run state: it ends {@code paused} instead of {@code prelaunch}
     * (the other test's destination), and migrating out writes {@code paused}.
     */
    @Test
    @Timeout(120)
    void droppedSectionsAreToleratedAndAMissingGlobalstateIsObservable(@TempDir Path dir) throws Exception {
        Path edited = rewrite(dir, "d.mig", "--drop", "pcspk", "--drop", "globalstate");
        MigrationStream sent = RewriteCommandTest.read(edited);
        assertFalse(RewriteCommandTest.idstrs(sent).contains("pcspk/0"));
        Path recaptured = dir.resolve("recaptured.mig");
        ScriptRun run = ScriptRun.run(dir, 90, "send-and-recapture.sh", "--feed", edited.toString(), "--timeout", "60",
                "q35-plain", recaptured.toString());
        assertTrue(run.accepted(), run.summary());
        assertTrue(run.lines().stream().anyMatch(l -> l.startsWith("RESULT ACCEPTED status=completed vm=paused")),
                run.summary());
        MigrationStream original = RewriteCommandTest.read(dir.resolve("in.mig"));
        MigrationStream back = RewriteCommandTest.read(recaptured);
        assertEquals("prelaunch", runstate(original));
        assertEquals("paused", runstate(back));
        assertEquals(RewriteCommandTest.idstrs(original), RewriteCommandTest.idstrs(back));
        assertEquals(RewriteCommandTest.field(original, "pcspk/0", "data_on"),
                RewriteCommandTest.field(back, "pcspk/0", "data_on"));
        assertFalse(Arrays.equals(Files.readAllBytes(dir.resolve("in.mig")), Files.readAllBytes(recaptured)),
                "the recapture differs from the original (globalstate)");
        // and qmig diff agrees with the destination: only globalstate differs (the run state string, first its size)
        assertEquals(java.util.List.of("globalstate/0 size further=1"), diffFields(dir.resolve("in.mig"), recaptured));
    }
}
