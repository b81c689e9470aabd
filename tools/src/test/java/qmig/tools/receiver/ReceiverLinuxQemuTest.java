package qmig.tools.receiver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import qmig.testdata.QemuDestination;
import qmig.testdata.RepoPaths;
import qmig.viommu.vtd.Bdf;

/**
 * Issue 7: a booted Linux guest with the vIOMMU in use migrates into the receiver with 00:01.0
 * as its VFIO device. A running guest changes between two captures, so the source is paused
 * ({@code capture-stream.sh --pause}) and the oracle, {@code vtd-walk.py --json}, runs on exactly
 * the bytes the receiver got ({@code --save}). Never skipped: without QEMU this fails.
 */
class ReceiverLinuxQemuTest {

    /** The oracle's view of one device: present mappings and the IOVA range. */
    private record Walk(int mappings, long minIova, long maxIova) {
    }

    /** Runs {@code vtd-walk.py FILE --json} and picks {@code bdf} out of its device list. */
    private static Walk vtdWalk(Path file, String bdf, Path log) throws IOException, InterruptedException {
        String pick = "import json,sys\n"
                + "d=json.load(sys.stdin)\n"
                + "v=[x for x in d['devices'] if x['bdf']==sys.argv[1]][0]\n"
                + "print(v['present_mappings'], v.get('iova_min','0x0'), v.get('iova_max','0x0'))\n";
        String cmd = "python3 \"$0\" \"$1\" --json | python3 -c \"$2\" \"$3\"";
        Process p = new ProcessBuilder("bash", "-c", cmd, RepoPaths.script("vtd-walk.py").toString(),
                file.toString(), pick, bdf).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("vtd-walk.py did not finish in 120 s");
        }
        String out = Files.readString(log).trim();
        assertEquals(0, p.exitValue(), out);
        String[] f = out.split("\\s+");
        return new Walk(Integer.parseInt(f[0]), Long.decode(f[1]), Long.decode(f[2]));
    }

    @Test
    @Timeout(600)
    void pausedLinuxGuestReplaysTheOracleMappings(@TempDir Path dir) throws Exception {
        QemuDestination.requireQemu();
        Bdf dev = Bdf.parse("00:01.0");
        Path save = dir.resolve("received.mig");
        ReceiverConfig cfg = ReceiverConfig.loopback(0).withVfio(List.of(dev)).withSave(save);
        try (Receiver r = Receiver.start(cfg, System.err::println)) {
            Path log = dir.resolve("send.log");
            int rc = ReceiverQemuTest.script(log, 540, List.of("--send-to", Integer.toString(r.port()), "--pause",
                    "q35-linux-viommu", "-"));
            ReceiveReport rep = r.awaitReports(1, 60, TimeUnit.SECONDS).get(0);
            assertEquals(0, rc, () -> "QEMU did not report completed:\n" + ReceiverQemuTest.read(log) + rep.toText());
            assertTrue(ReceiverQemuTest.read(log).contains("completed"), () -> ReceiverQemuTest.read(log));
            ReceiverSendTest.assertLoaded(rep);
            assertEquals(List.of(), r.rejections());
            byte[] saved = Files.readAllBytes(save);
            assertEquals(saved.length, rep.bytes(), rep::toText);
            assertEquals(ReceiverSendTest.fileDigests(saved), rep.digests(), rep::toText);

            Walk oracle = vtdWalk(save, "00:01.0", dir.resolve("walk.log"));
            assertTrue(oracle.mappings() > 0, oracle::toString);
            assertEquals(1, rep.vfio().size(), rep::toText);
            ReceiveReport.VfioDevice v = rep.vfio().get(0);
            assertTrue(v.viaIommu(), rep::toText);
            assertEquals(oracle.mappings(), v.mappings(), () -> oracle + "\n" + rep.toText());
            assertEquals(oracle.minIova(), v.minIova(), () -> oracle + "\n" + rep.toText());
            assertEquals(oracle.maxIova(), v.maxIova(), () -> oracle + "\n" + rep.toText());
        }
    }
}
