package qmig.tools.receiver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import qmig.stream.memory.BlockDigest;
import qmig.stream.memory.GuestMemory;
import qmig.stream.memory.RamLoader;
import qmig.stream.multifd.MultifdCompression;
import qmig.stream.wire.Limits;
import qmig.testdata.Capture;
import qmig.testdata.Captures;
import qmig.tools.send.Sender;
import qmig.viommu.vtd.Bdf;

/**
 * Issue 7: {@code qmig send} of committed captures into {@code qmig receive} over real TCP on
 * 127.0.0.1 (port from binding port 0).
 */
class ReceiverSendTest {

    private static final Duration T = Duration.ofSeconds(60);

    /** What {@link RamLoader} makes of the same file: the reference the receiver must match. */
    static List<BlockDigest> fileDigests(byte[] stream) throws IOException {
        try (GuestMemory m = GuestMemory.onHeap()) {
            RamLoader.load(stream, m, Limits.DEFAULT);
            return BlockDigest.of(m, EnumSet.of(BlockDigest.Algorithm.SHA256));
        }
    }

    static void assertLoaded(ReceiveReport rep) {
        assertTrue(rep.completed(), rep::toText);
        assertFalse(rep.sections().isEmpty());
        for (ReceiveReport.SectionResult s : rep.sections()) {
            assertTrue(s.result() != null && s.result().startsWith("loaded"), () -> s + "\n" + rep.toText());
        }
    }

    private static ReceiveReport sendOne(Capture c, ReceiverConfig cfg, int multifd) throws Exception {
        try (Receiver r = Receiver.start(cfg, System.err::println)) {
            Sender.Result res = Sender.send(new ByteArrayInputStream(c.bytes()), r.address(), multifd,
                    MultifdCompression.NONE, T);
            assertTrue(res.accepted(), res::toString);
            List<ReceiveReport> reps = r.awaitReports(1, 60, TimeUnit.SECONDS);
            assertEquals(List.of(), r.rejections());
            return reps.get(0);
        }
    }

    @Test
    @Timeout(120)
    void viommuCaptureLoadsWithTheFileDigests(@TempDir Path dir) throws Exception {
        byte[] bytes = Captures.Q35_VIOMMU.bytes();
        Path save = dir.resolve("received.mig");
        ReceiveReport rep = sendOne(Captures.Q35_VIOMMU, ReceiverConfig.loopback(0).withSave(save), 0);
        assertLoaded(rep);
        assertEquals("pc-q35-7.2", rep.machineType());
        assertEquals(bytes.length, rep.bytes());
        assertEquals(fileDigests(bytes), rep.digests());
        assertTrue(rep.iommu() != null, rep::toText);
        assertArrayEquals(bytes, Files.readAllBytes(save));
        assertFalse(Files.exists(dir.resolve("received.mig.part")));
        assertTrue(rep.toJson().contains("\"status\": \"completed\""), rep::toJson);
    }

    @Test
    @Timeout(180)
    void linuxCaptureReplaysTheVfioDeviceMappings() throws Exception {
        Bdf dev = Bdf.parse("00:01.0");
        ReceiveReport rep = sendOne(Captures.Q35_LINUX_VIOMMU, ReceiverConfig.loopback(0).withVfio(List.of(dev)), 0);
        assertLoaded(rep);
        assertEquals(1, rep.vfio().size());
        ReceiveReport.VfioDevice v = rep.vfio().get(0);
        assertTrue(v.viaIommu(), rep::toText);
        assertEquals(322, v.mappings(), rep::toText);
        assertEquals(0xffebd000L, v.minIova(), rep::toText);
        assertEquals(0xffffffffL, v.maxIova(), rep::toText);
        assertEquals(fileDigests(Captures.Q35_LINUX_VIOMMU.bytes()), rep.digests());
    }

    @Test
    @Timeout(120)
    void multifdSendIntoTheReceiver() throws Exception {
        byte[] bytes = Captures.Q35_VIOMMU.bytes();
        ReceiveReport rep = sendOne(Captures.Q35_VIOMMU, ReceiverConfig.loopback(0).withMultifd(2), 2);
        assertLoaded(rep);
        assertEquals(2, rep.multifd());
        assertTrue(rep.ram().multifdPages() > 0, rep::toText);
        assertEquals(fileDigests(bytes), rep.digests());
    }
}
