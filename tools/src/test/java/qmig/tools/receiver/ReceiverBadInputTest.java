package qmig.tools.receiver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qmig.stream.multifd.MultifdCompression;
import qmig.testdata.Captures;
import qmig.tools.send.Sender;

/**
 * Issue 7, bad input: connections that are not migrations, or broken ones, are closed with a
 * typed error while a valid migration alongside completes.
 */
class ReceiverBadInputTest {

    static Socket connect(Receiver r) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", r.port()), 5000);
        s.setSoTimeout(10_000);
        return s;
    }

    /** Waits until the peer closed the socket (read returns -1 or resets). */
    static void assertClosedByPeer(Socket s) {
        try {
            byte[] b = new byte[256];
            while (s.getInputStream().read(b) >= 0) {
                // drain until closed
            }
        } catch (IOException e) {
            // a reset is a close too
        }
    }

    static void awaitRejection(Receiver r, Predicate<Receiver.Rejection> p) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < end) {
            if (r.rejections().stream().anyMatch(p)) {
                return;
            }
            Thread.sleep(20);
        }
        throw new TimeoutException("no such rejection: " + r.rejections());
    }

    @Test
    @Timeout(120)
    void badConnectionsAreClosedWhileAValidMigrationCompletes() throws Exception {
        ReceiverConfig cfg = ReceiverConfig.loopback(0).withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(10));
        try (Receiver r = Receiver.start(cfg, System.err::println)) {
            byte[] good = Captures.Q35_VIOMMU.bytes();
            Thread valid = new Thread(() -> {
                try {
                    Sender.send(new ByteArrayInputStream(good), r.address(), 0, MultifdCompression.NONE, Duration.ofSeconds(60));
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            valid.start();

            // random bytes
            byte[] noise = new byte[4096];
            new Random(7).nextBytes(noise);
            noise[0] = 0x00;
            try (Socket s = connect(r)) {
                s.getOutputStream().write(noise);
                assertClosedByPeer(s);
            }
            // an HTTP request
            try (Socket s = connect(r)) {
                s.getOutputStream().write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertClosedByPeer(s);
            }
            // a partial header: "QE", then nothing until the sniff timeout
            try (Socket s = connect(r)) {
                s.getOutputStream().write(new byte[] {0x51, 0x45});
                assertClosedByPeer(s);
            }
            // a partial header, then the sender closes
            try (Socket s = connect(r)) {
                s.getOutputStream().write(new byte[] {0x51, 0x45, 0x56});
            }
            // a stream cut inside a section
            try (Socket s = connect(r)) {
                OutputStream o = s.getOutputStream();
                o.write(Arrays.copyOf(good, 0x1000));
                o.flush();
                s.shutdownOutput();
                assertClosedByPeer(s);
            }
            // a multifd channel while multifd is off
            try (Socket s = connect(r)) {
                byte[] init = new byte[64];
                init[0] = 0x11;
                init[1] = 0x22;
                init[2] = 0x33;
                init[3] = 0x44;
                init[7] = 1;
                s.getOutputStream().write(init);
                assertClosedByPeer(s);
            }

            valid.join(60_000);
            awaitRejection(r, x -> x.kind() == ReceiveError.Kind.NOT_A_MIGRATION && x.message().contains("00 "));
            awaitRejection(r, x -> x.kind() == ReceiveError.Kind.NOT_A_MIGRATION && x.message().contains("47 45 54 20"));
            awaitRejection(r, x -> x.kind() == ReceiveError.Kind.INCOMPLETE_HEADER && x.message().contains("within"));
            awaitRejection(r, x -> x.kind() == ReceiveError.Kind.INCOMPLETE_HEADER && x.message().contains("3 bytes"));
            awaitRejection(r, x -> x.kind() == ReceiveError.Kind.UNMATCHED_MULTIFD_CHANNEL);

            List<ReceiveReport> reps = r.awaitReports(2, 30, TimeUnit.SECONDS);
            List<ReceiveReport> ok = new ArrayList<>();
            List<ReceiveReport> failed = new ArrayList<>();
            for (ReceiveReport rep : reps) {
                (rep.completed() ? ok : failed).add(rep);
            }
            assertEquals(1, ok.size(), reps::toString);
            ReceiverSendTest.assertLoaded(ok.get(0));
            assertEquals(ReceiverSendTest.fileDigests(good), ok.get(0).digests());
            assertEquals(1, failed.size(), reps::toString);
            assertEquals(ReceiveError.Kind.CONNECTION, failed.get(0).errorKind(), failed.get(0)::toText);
            assertTrue(failed.get(0).error().contains("ended"), failed.get(0)::toText);
            assertEquals(0, r.activeMigrations());
        }
    }

    @Test
    @Timeout(60)
    void moreMigrationsThanAllowedAreRefused() throws Exception {
        ReceiverConfig cfg = ReceiverConfig.loopback(0).withMaxMigrations(1);
        try (Receiver r = Receiver.start(cfg, System.err::println);
             Socket first = connect(r)) {
            // the first migration holds its slot: a header and nothing more yet
            first.getOutputStream().write(Arrays.copyOf(Captures.Q35_VIOMMU.bytes(), 8));
            first.getOutputStream().flush();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (r.activeMigrations() < 1 && System.nanoTime() < end) {
                Thread.sleep(10);
            }
            try (Socket second = connect(r)) {
                second.getOutputStream().write(Arrays.copyOf(Captures.Q35_VIOMMU.bytes(), 8));
                assertClosedByPeer(second);
            }
            awaitRejection(r, x -> x.kind() == ReceiveError.Kind.TOO_MANY_MIGRATIONS);
        }
    }
}
