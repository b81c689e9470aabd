package qmig.tools.receiver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import qmig.testdata.QemuDestination;
import qmig.testdata.RepoPaths;

/**
 * Issue 7: a real QEMU 7.2 source ({@code capture-stream.sh --send-to PORT}) migrates live into
 * the receiver; QEMU must report completed and the received memory must equal a file capture of
 * the same scenario. Never skipped: without QEMU these fail.
 */
class ReceiverQemuTest {

    private static final String SCENARIO = "q35-viommu";

    /** Runs capture-stream.sh with {@code args}; returns its exit status, output in {@code log}. */
    static int script(Path log, long seconds, List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("bash", RepoPaths.script("capture-stream.sh").toString()));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("capture-stream.sh did not finish in " + seconds + " s: " + Files.readString(log));
        }
        return p.exitValue();
    }

    private static void live(Path dir, ReceiverConfig cfg, String... opts) throws Exception {
        QemuDestination.requireQemu();
        Path file = dir.resolve("file.mig");
        // the file capture of the same never-run source: the reference digests (exec:cat can carry
        // neither a return path nor multifd channels, so it runs without the capabilities)
        List<String> fileArgs = List.of(SCENARIO, file.toString());
        int fc = script(dir.resolve("file.log"), 120, fileArgs);
        assertEquals(0, fc, () -> read(dir.resolve("file.log")));
        try (Receiver r = Receiver.start(cfg, System.err::println)) {
            List<String> args = new ArrayList<>(List.of("--send-to", Integer.toString(r.port())));
            args.addAll(List.of(opts));
            args.addAll(List.of(SCENARIO, "-"));
            int rc = script(dir.resolve("send.log"), 120, args);
            ReceiveReport rep = r.awaitReports(1, 30, TimeUnit.SECONDS).get(0);
            assertEquals(0, rc, () -> "QEMU did not report completed:\n" + read(dir.resolve("send.log")) + rep.toText());
            assertTrue(read(dir.resolve("send.log")).contains("completed"), () -> read(dir.resolve("send.log")));
            ReceiverSendTest.assertLoaded(rep);
            assertEquals(ReceiverSendTest.fileDigests(Files.readAllBytes(file)), rep.digests(), rep::toText);
            assertEquals(List.of(), r.rejections());
            check(rep);
        }
    }

    private static void check(ReceiveReport rep) {
        CHECK.get().accept(rep);
    }

    private static final ThreadLocal<java.util.function.Consumer<ReceiveReport>> CHECK =
            ThreadLocal.withInitial(() -> r -> { });

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "(" + e + ")";
        }
    }

    @Test
    @Timeout(300)
    void liveMigrationIntoTheReceiver(@TempDir Path dir) throws Exception {
        CHECK.set(rep -> assertTrue(!rep.returnPath() && rep.iommu() != null, rep::toText));
        live(dir, ReceiverConfig.loopback(0));
    }

    @Test
    @Timeout(300)
    void withReturnPath(@TempDir Path dir) throws Exception {
        CHECK.set(rep -> {
            assertTrue(rep.returnPath(), rep::toText);
            assertEquals(1, rep.pongs(), rep::toText);
        });
        live(dir, ReceiverConfig.loopback(0), "--cap", "return-path=on");
    }

    @Test
    @Timeout(300)
    void multifdTwoChannels(@TempDir Path dir) throws Exception {
        CHECK.set(rep -> {
            assertEquals(2, rep.multifd(), rep::toText);
            assertTrue(rep.ram().multifdPages() > 0, rep::toText);
        });
        live(dir, ReceiverConfig.loopback(0).withMultifd(2), "--cap", "multifd=on", "--param", "multifd-channels=2");
    }

    @Test
    @Timeout(300)
    void multifdTwoChannelsZstd(@TempDir Path dir) throws Exception {
        CHECK.set(rep -> {
            assertEquals(2, rep.multifd(), rep::toText);
            assertTrue(rep.ram().multifdPages() > 0, rep::toText);
        });
        live(dir, ReceiverConfig.loopback(0).withMultifd(2), "--cap", "multifd=on", "--param", "multifd-channels=2",
                "--param", "multifd-compression=zstd");
    }
}
