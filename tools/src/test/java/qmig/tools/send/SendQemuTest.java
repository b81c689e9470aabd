package qmig.tools.send;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qmig.stream.multifd.MultifdCompression;
import qmig.testdata.Capture;
import qmig.testdata.Captures;
import qmig.testdata.QemuDestination;

/**
 * Issue 7: {@code qmig send} of the committed captures into a real QEMU 7.2 destination
 * ({@code qemu-destination.sh}); QEMU must accept them, and the booted Linux guest must resume and
 * keep running. Never skipped: without QEMU these fail.
 */
class SendQemuTest {

    private static QemuDestination.Verdict sendInto(Capture c, String... destOptions) throws Exception {
        try (QemuDestination dest = QemuDestination.start(c.scenario(), destOptions)) {
            Sender.Result res = Sender.send(new ByteArrayInputStream(c.bytes()),
                    new InetSocketAddress("127.0.0.1", dest.port()), 0, MultifdCompression.NONE, Duration.ofSeconds(90));
            QemuDestination.Verdict v = dest.verdict(120);
            assertTrue(res.accepted(), () -> res + "\n" + v.summary());
            assertTrue(v.accepted(), v::summary);
            return v;
        }
    }

    @Test
    @Timeout(300)
    void linuxCaptureIsAcceptedAndTheGuestKeepsRunning() throws Exception {
        QemuDestination.Verdict v = sendInto(Captures.Q35_LINUX_VIOMMU, "--cont", "6");
        assertTrue(v.contOk(), v::summary);
    }

    @Test
    @Timeout(120)
    void viommuCaptureIsAccepted() throws Exception {
        sendInto(Captures.Q35_VIOMMU);
    }
}
