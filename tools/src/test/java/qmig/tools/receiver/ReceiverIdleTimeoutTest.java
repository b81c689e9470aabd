package qmig.tools.receiver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qmig.testdata.Captures;

/**
 * Issue 7, idle timeout: a main channel that sends half a valid stream and then nothing (the
 * socket stays open) is closed after {@code --idle-timeout} with IDLE_TIMEOUT and its migration
 * fails cleanly, freeing its slot.
 */
class ReceiverIdleTimeoutTest {

    @Test
    @Timeout(60)
    void stalledMainChannelIsClosedAfterTheIdleTimeout() throws Exception {
        ReceiverConfig cfg = ReceiverConfig.loopback(0).withIdle(Duration.ofSeconds(1));
        assertEquals(Duration.ofSeconds(60), ReceiverConfig.loopback(0).idleTimeout());
        byte[] good = Captures.Q35_VIOMMU.bytes();
        try (Receiver r = Receiver.start(cfg, System.err::println); Socket s = ReceiverBadInputTest.connect(r)) {
            s.setSoTimeout(20_000);
            OutputStream o = s.getOutputStream();
            o.write(good, 0, good.length / 2);
            o.flush();
            long t0 = System.nanoTime();
            // the receiver closes the stalled connection: EOF (or a reset) on our side
            InputStream in = s.getInputStream();
            try {
                while (in.read(new byte[256]) >= 0) {
                    // drain the return path, if any
                }
            } catch (IOException closed) {
                // reset by the receiver: closed too
            }
            long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(waitedMs >= 900 && waitedMs < 15_000, () -> "closed after " + waitedMs + " ms");

            List<ReceiveReport> reps = r.awaitReports(1, 20, TimeUnit.SECONDS);
            ReceiveReport rep = reps.get(0);
            assertFalse(rep.completed(), rep::toText);
            assertEquals(ReceiveError.Kind.IDLE_TIMEOUT, rep.errorKind(), rep::toText);
            assertTrue(rep.error().contains("main channel of migration 1: no bytes for 1000 ms"), rep::toText);
            assertEquals(good.length / 2, rep.bytes(), rep::toText);
            for (int i = 0; i < 500 && r.activeMigrations() != 0; i++) {
                Thread.sleep(20);
            }
            assertEquals(0, r.activeMigrations());
        }
    }
}
