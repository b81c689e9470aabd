package qmig.tools.receiver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qmig.stream.multifd.MultifdCompression;
import qmig.testdata.Captures;
import qmig.tools.send.Sender;

/**
 * Issue 9, bounded retention: a receiver keeps only the most recent {@code keepRecent} reports and
 * rejections, and counts all of them.
 */
class ReceiverRetentionTest {

    private static final int KEEP = 4;
    private static final int RANDOM = 10;
    private static final int MIGRATIONS = 6;

    @Test
    @Timeout(120)
    void keepsTheMostRecentAndCountsAll() throws Exception {
        byte[] capture = Captures.PC_PLAIN.bytes();
        Random rnd = new Random(9);
        try (Receiver r = Receiver.start(ReceiverConfig.loopback(0).withKeepRecent(KEEP), s -> { })) {
            for (int i = 0; i < RANDOM; i++) {
                byte[] noise = new byte[64 + rnd.nextInt(1024)];
                rnd.nextBytes(noise);
                noise[0] = (byte) (0x20 + i); // never 'Q' (0x51) nor 0x11; names the connection in the message
                try (Socket s = ReceiverBadInputTest.connect(r)) {
                    try {
                        s.getOutputStream().write(noise);
                    } catch (IOException e) {
                        // refused while writing
                    }
                    ReceiverBadInputTest.assertClosedByPeer(s);
                }
                // the rejection is recorded before the close the client saw
                assertEquals(i + 1, r.counters().rejected(null));
                assertEquals(Math.min(i + 1, KEEP), r.rejections().size());
            }
            for (int i = 0; i < MIGRATIONS; i++) {
                Sender.Result res = Sender.send(new ByteArrayInputStream(capture), r.address(), 0,
                        MultifdCompression.NONE, Duration.ofSeconds(60));
                assertTrue(res.accepted(), res::toString);
                // one at a time, so that the ids finish in order (and --max-migrations never refuses one)
                assertTrue(r.awaitReports(i + 1, 60, TimeUnit.SECONDS).size() <= KEEP);
            }
            List<ReceiveReport> kept = r.awaitReports(MIGRATIONS, 60, TimeUnit.SECONDS);

            assertEquals(List.of(3, 4, 5, 6), kept.stream().map(ReceiveReport::id).toList(), "the last 4, in order");
            assertTrue(kept.stream().allMatch(ReceiveReport::completed));
            assertEquals(kept, r.reports());
            List<Receiver.Rejection> rej = r.rejections();
            assertEquals(KEEP, rej.size());
            for (int k = 0; k < KEEP; k++) {
                Receiver.Rejection x = rej.get(k);
                assertEquals(ReceiveError.Kind.NOT_A_MIGRATION, x.kind());
                String first = String.format("first bytes %02x", 0x20 + RANDOM - KEEP + k);
                assertTrue(x.message().contains(first), () -> x.message() + " should name " + first);
            }

            Receiver.Counters c = r.counters();
            assertEquals(MIGRATIONS, c.migrations());
            assertEquals(MIGRATIONS, c.completed());
            assertEquals(Map.of(), c.failed());
            assertEquals(RANDOM, c.rejected(null));
            assertEquals(Map.of(ReceiveError.Kind.NOT_A_MIGRATION, (long) RANDOM), c.rejected());
            assertThrows(UnsupportedOperationException.class, () -> c.rejected().clear(), "a snapshot");
            assertEquals(MIGRATIONS, r.awaitReports(MIGRATIONS, 1, TimeUnit.SECONDS).size() + 2,
                    "awaitReports waits on the count, returns what is kept");
        }
    }

    @Test
    void keepRecentIsAtLeastOne() {
        assertEquals(ReceiverConfig.DEFAULT_KEEP_RECENT, ReceiverConfig.loopback(0).keepRecent());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReceiverConfig.loopback(0).withKeepRecent(0));
        assertEquals("keepRecent must be at least 1, got 0", e.getMessage());
        assertEquals(7, ReceiverConfig.loopback(0).withKeepRecent(7).withMaxConnections(3).keepRecent());
    }
}
