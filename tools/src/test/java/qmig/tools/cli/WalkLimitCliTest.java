package qmig.tools.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import qmig.testdata.Captures;

/**
 * {@code --limit maxEntryReads=N / maxTotalEntryReads=N} reach the VT-d replay of {@code qmig iommu} and
 * {@code qmig vfio}; {@code --limit maxGuestBytes=N} the guest memory of the RAM commands.
 */
class WalkLimitCliTest {

    @Test
    void theWalkBudgetsAreCommandLineLimits(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("linux.mig");
        Files.write(f, Captures.Q35_LINUX_VIOMMU.bytes());
        QmigCliTest.Run ok = QmigCliTest.run("iommu", f.toString());
        assertEquals(0, ok.exit(), ok.err());
        QmigCliTest.Run small = QmigCliTest.run("iommu", "--limit", "maxTotalEntryReads=100", f.toString());
        assertEquals(Qmig.EXIT_BAD_STREAM, small.exit(), small.out());
        assertTrue(small.err().contains("WalkLimits.maxTotalEntryReads"), small.err());
        QmigCliTest.Run vfio = QmigCliTest.run("vfio", f.toString(), "--device", "00:01.0", "--limit", "maxEntryReads=100");
        assertTrue(vfio.exit() != 0 && vfio.err().contains("WalkLimits.maxEntryReads"), vfio.err());
        QmigCliTest.Run bad = QmigCliTest.run("iommu", "--limit", "maxTotalEntryReads=0", f.toString());
        assertEquals(64, bad.exit(), bad.err());
    }

    @Test
    void theGuestMemoryBoundIsACommandLineLimit(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("pc.mig");
        Files.write(f, Captures.PC_PLAIN.bytes());
        QmigCliTest.Run small = QmigCliTest.run("digest", f.toString(), "--limit", "maxGuestBytes=4096");
        assertEquals(Qmig.EXIT_BAD_STREAM, small.exit(), small.out());
        assertTrue(small.err().contains("MemoryOptions.maxGuestBytes") && small.err().contains("--limit maxGuestBytes=N"),
                small.err());
        assertEquals(0, QmigCliTest.run("digest", f.toString()).exit());
    }
}
