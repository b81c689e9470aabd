package qmig.tools.receiver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qmig.stream.multifd.MultifdCompression;
import qmig.stream.multifd.MultifdInitPacket;
import qmig.stream.wire.WireWriter;
import qmig.testdata.Captures;
import qmig.tools.send.Sender;

/**
 * Issue 7, bad input: a slow sender (one byte per 200 ms) and multifd channels that belong to no
 * migration (unknown uuid, more channels than announced, a duplicate id). Each is closed with a
 * typed error; a valid migration alongside completes.
 */
class ReceiverSlowAndMultifdInputTest {

    private static final long BYTE_EVERY_MS = 200;

    /** A 64-byte multifd init packet (spec/multifd.md §2) for channel {@code id} of {@code uuid}. */
    private static byte[] init(byte uuidByte, int id) throws IOException {
        byte[] uuid = new byte[16];
        Arrays.fill(uuid, uuidByte);
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        WireWriter w = new WireWriter(b);
        new MultifdInitPacket(uuid, id).write(w);
        w.flush();
        assertEquals(64, b.size());
        return b.toByteArray();
    }

    /** True once the peer closed (EOF or reset); false when nothing came within the socket timeout. */
    private static boolean closedByPeer(Socket s) throws IOException {
        try {
            InputStream in = s.getInputStream();
            byte[] b = new byte[256];
            while (in.read(b) >= 0) {
                // drain
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private static void awaitActive(Receiver r, int n) throws InterruptedException {
        for (int i = 0; i < 500 && r.activeMigrations() != n; i++) {
            Thread.sleep(20);
        }
        assertEquals(n, r.activeMigrations());
    }

    /**
     * A main channel that dribbles the start of a valid stream, one byte per 200 ms: it holds a
     * migration slot but blocks nothing else: a valid migration sent meanwhile completes, and when
     * the slow sender disconnects its migration fails with CONNECTION and the slot is free again.
     */
    @Test
    @Timeout(90)
    void slowMainChannelDoesNotBlockOthersAndEndsWhenItDisconnects() throws Exception {
        ReceiverConfig cfg = ReceiverConfig.loopback(0).withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(10));
        byte[] good = Captures.Q35_VIOMMU.bytes();
        try (Receiver r = Receiver.start(cfg, System.err::println)) {
            CountDownLatch validDone = new CountDownLatch(1);
            AtomicInteger sent = new AtomicInteger();
            AtomicBoolean slowStillOpen = new AtomicBoolean();
            Thread slow = new Thread(() -> {
                try (Socket s = ReceiverBadInputTest.connect(r)) {
                    OutputStream o = s.getOutputStream();
                    // a few seconds of one byte per 200 ms, and on until the valid migration is done (at most 60 bytes)
                    for (int i = 0; i < 60 && (i < 15 || validDone.getCount() > 0); i++) {
                        o.write(good[i]);
                        o.flush();
                        sent.incrementAndGet();
                        Thread.sleep(BYTE_EVERY_MS);
                    }
                    slowStillOpen.set(validDone.getCount() == 0);
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }, "slow-sender");
            slow.start();
            awaitActive(r, 1);
            Sender.Result res = Sender.send(new ByteArrayInputStream(good), r.address(), 0, MultifdCompression.NONE,
                    Duration.ofSeconds(60));
            validDone.countDown();
            assertTrue(res.accepted(), res::toString);
            slow.join(30_000);
            assertFalse(slow.isAlive());
            assertTrue(slowStillOpen.get(), "the valid migration finished only after the slow sender had left");
            assertTrue(sent.get() >= 15 && sent.get() < 60, () -> sent + " bytes dribbled");

            List<ReceiveReport> reps = r.awaitReports(2, 30, TimeUnit.SECONDS);
            ReceiveReport ok = reps.get(0);
            ReceiverSendTest.assertLoaded(ok);
            assertEquals(ReceiverSendTest.fileDigests(good), ok.digests());
            ReceiveReport slowRep = reps.get(1);
            assertFalse(slowRep.completed(), slowRep::toText);
            assertEquals(ReceiveError.Kind.CONNECTION, slowRep.errorKind(), slowRep::toText);
            awaitActive(r, 0);
            assertEquals(List.of(), r.rejections());
        }
    }

    /**
     * A multifd channel whose 64-byte init packet dribbles in one byte per 200 ms (12.8 s in all)
     * is closed when the sniff timeout (2 s) runs out, long before it is complete.
     */
    @Test
    @Timeout(60)
    void slowMultifdInitPacketIsClosedAfterTheSniffTimeout() throws Exception {
        ReceiverConfig cfg = ReceiverConfig.loopback(0).withMultifd(2)
                .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(10));
        byte[] init = init((byte) 0x5a, 0);
        try (Receiver r = Receiver.start(cfg, System.err::println);
             Socket s = ReceiverBadInputTest.connect(r)) {
            AtomicInteger sent = new AtomicInteger();
            AtomicBoolean stop = new AtomicBoolean();
            Thread slow = new Thread(() -> {
                try {
                    OutputStream o = s.getOutputStream();
                    for (int i = 0; i < init.length && !stop.get(); i++) {
                        o.write(init[i]);
                        o.flush();
                        sent.incrementAndGet();
                        Thread.sleep(BYTE_EVERY_MS);
                    }
                } catch (IOException e) {
                    // the receiver closed the connection: expected
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "slow-multifd");
            slow.start();
            assertTrue(closedByPeer(s), "the receiver kept the slow channel open");
            stop.set(true);
            slow.join(5_000);
            assertTrue(sent.get() < init.length, () -> "all " + sent + " bytes went through");
            ReceiverBadInputTest.awaitRejection(r, x -> x.kind() == ReceiveError.Kind.INCOMPLETE_HEADER
                    && x.message().contains("within"));
            assertEquals(0, r.activeMigrations());
            assertEquals(List.of(), r.reports());
        }
    }

    /**
     * A migration announced with 2 multifd channels whose channel 0 came with uuid 11..11: channel 1
     * with another uuid, channel 2 (more channels than announced) and a second channel 0 are each
     * closed as UNMATCHED_MULTIFD_CHANNEL; the migration itself fails only when its main channel ends.
     */
    @Test
    @Timeout(60)
    void multifdChannelsWithAnUnknownUuidOrBeyondTheAnnouncedCountAreClosed() throws Exception {
        ReceiverConfig cfg = ReceiverConfig.loopback(0).withMultifd(2)
                .withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(10));
        byte[] good = Captures.Q35_VIOMMU.bytes();
        try (Receiver r = Receiver.start(cfg, System.err::println);
             Socket main = ReceiverBadInputTest.connect(r);
             Socket ch0 = ReceiverBadInputTest.connect(r)) {
            main.getOutputStream().write(Arrays.copyOf(good, 8));
            main.getOutputStream().flush();
            awaitActive(r, 1);
            ch0.getOutputStream().write(init((byte) 0x11, 0));
            ch0.getOutputStream().flush();

            String[][] bad = {
                {"22", "1", "unknown uuid"},
                {"11", "2", "more channels than announced"},
                {"11", "0", "a second channel 0"},
            };
            for (String[] b : bad) {
                try (Socket s = ReceiverBadInputTest.connect(r)) {
                    s.getOutputStream().write(init((byte) Integer.parseInt(b[0], 16), Integer.parseInt(b[1])));
                    s.getOutputStream().flush();
                    assertTrue(closedByPeer(s), "not closed: " + b[2]);
                }
            }
            ReceiverBadInputTest.awaitRejection(r, x -> x.kind() == ReceiveError.Kind.UNMATCHED_MULTIFD_CHANNEL
                    && x.message().contains("channel 1 (uuid 2222"));
            ReceiverBadInputTest.awaitRejection(r, x -> x.kind() == ReceiveError.Kind.UNMATCHED_MULTIFD_CHANNEL
                    && x.message().contains("channel 2 (uuid 1111"));
            ReceiverBadInputTest.awaitRejection(r, x -> x.kind() == ReceiveError.Kind.UNMATCHED_MULTIFD_CHANNEL
                    && x.message().contains("channel 0 (uuid 1111"));
            assertEquals(3, r.rejections().size(), () -> r.rejections().toString());
            assertEquals(1, r.activeMigrations(), "the bad channels disturbed the migration");
            assertEquals(List.of(), r.reports());

            main.close();
            ReceiveReport rep = r.awaitReports(1, 30, TimeUnit.SECONDS).get(0);
            assertFalse(rep.completed(), rep::toText);
            assertEquals(ReceiveError.Kind.CONNECTION, rep.errorKind(), rep::toText);
            awaitActive(r, 0);
        }
    }

    /**
     * Two migrations both wait for their first multifd channel: a 7.2 main channel carries no uuid,
     * so a channel 0 with a new uuid could be either's. It is refused after the sniff timeout and
     * neither migration takes it (attaching it to the first one mixed two guests' pages in a soak).
     */
    @Test
    @Timeout(60)
    void aChannelTwoMigrationsCouldTakeIsRefusedNotGuessed() throws Exception {
        ReceiverConfig cfg = ReceiverConfig.loopback(0).withMultifd(2)
                .withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(10));
        byte[] good = Captures.Q35_VIOMMU.bytes();
        try (Receiver r = Receiver.start(cfg, System.err::println);
             Socket a = ReceiverBadInputTest.connect(r);
             Socket b = ReceiverBadInputTest.connect(r)) {
            a.getOutputStream().write(Arrays.copyOf(good, 8));
            a.getOutputStream().flush();
            b.getOutputStream().write(Arrays.copyOf(good, 8));
            b.getOutputStream().flush();
            awaitActive(r, 2);
            try (Socket ch = ReceiverBadInputTest.connect(r)) {
                ch.getOutputStream().write(init((byte) 0x33, 0));
                ch.getOutputStream().flush();
                assertTrue(closedByPeer(ch), "the ambiguous channel was kept");
            }
            ReceiverBadInputTest.awaitRejection(r, x -> x.kind() == ReceiveError.Kind.UNMATCHED_MULTIFD_CHANNEL
                    && x.message().contains("channel 0 (uuid 3333")
                    && x.message().contains("several migrations wait for a channel with this id and none has told this uuid yet"));
            assertEquals(2, r.activeMigrations());
            assertEquals(List.of(), r.reports());
        }
    }
}
