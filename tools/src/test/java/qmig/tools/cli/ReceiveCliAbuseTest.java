package qmig.tools.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import qmig.stream.multifd.MultifdCompression;
import qmig.testdata.Captures;
import qmig.tools.send.Sender;

/**
 * Issue 9: {@code qmig receive} when its {@code --report} file cannot be written (an existing
 * directory, a parent that is a file) and with bad limit or TLS options.
 */
class ReceiveCliAbuseTest {

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Runs {@code qmig receive --count 1 ARGS} on a free port and sends one capture into it. */
    private static QmigCliTest.Run receiveOne(String... args) throws Exception {
        int port = freePort();
        ExecutorService ex = Executors.newSingleThreadExecutor();
        try {
            Future<Sender.Result> sent = ex.submit(() -> {
                InetSocketAddress to = new InetSocketAddress("127.0.0.1", port);
                for (int i = 0; ; i++) {
                    try {
                        return Sender.send(new ByteArrayInputStream(Captures.Q35_PLAIN.bytes()), to, 0,
                                MultifdCompression.NONE, Duration.ofSeconds(30));
                    } catch (java.net.ConnectException e) {
                        if (i > 100) {
                            throw e;
                        }
                        Thread.sleep(100); // qmig receive is still starting
                    }
                }
            });
            String[] all = Stream.concat(Stream.of("receive", "--listen", "127.0.0.1:" + port, "--count", "1"),
                    Stream.of(args)).toArray(String[]::new);
            QmigCliTest.Run r = QmigCliTest.run(all);
            assertTrue(sent.get(30, TimeUnit.SECONDS).accepted());
            return r;
        } finally {
            ex.shutdownNow();
        }
    }

    @Test
    @Timeout(60)
    void aReportPathThatIsADirectoryIsAnErrorAndTheReportStillPrints(@TempDir Path dir) throws Exception {
        Path report = Files.createDirectories(dir.resolve("report.json"));
        QmigCliTest.Run r = receiveOne("--report", report.toString());
        assertEquals(Qmig.EXIT_IO, r.exit(), r.err());
        assertTrue(r.err().contains("--report " + report + ": cannot write: is a directory"), r.err());
        assertTrue(r.out().contains("migration 1 from ") && r.out().contains(": completed"), r.out());
        assertTrue(Files.isDirectory(report));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(report), s.toList(), "no .part file left");
        }
    }

    @Test
    @Timeout(60)
    void aReportUnderAFileIsAnError(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("plain-file"), "x");
        Path report = file.resolve("report.json");
        QmigCliTest.Run r = receiveOne("--report", report.toString());
        assertEquals(Qmig.EXIT_IO, r.exit(), r.err());
        assertTrue(r.err().contains("--report " + report + ": cannot write: Not a directory"), r.err());
        assertTrue(r.out().contains(": completed"), r.out());
        assertEquals("x", Files.readString(file));
    }

    @Test
    @Timeout(60)
    void receiveAndSendOverTlsFromTheCommandLine(@TempDir Path dir) throws Exception {
        qmig.tools.tls.TestCerts certs = qmig.tools.tls.TestCerts.make(dir.resolve("certs"));
        Path stream = Files.write(dir.resolve("v.mig"), Captures.Q35_VIOMMU.bytes());
        int port = freePort();
        ExecutorService ex = Executors.newSingleThreadExecutor();
        try {
            Future<Integer> sent = ex.submit(() -> {
                for (int i = 0; ; i++) {
                    try (java.net.Socket probe = new java.net.Socket("127.0.0.1", port)) {
                        break; // listening (the probe itself ends as a refused connection)
                    } catch (java.net.ConnectException e) {
                        if (i > 100) {
                            throw e;
                        }
                        Thread.sleep(100);
                    }
                }
                return Qmig.run("send", stream.toString(), "--to", "127.0.0.1:" + port, "--tls-creds",
                        certs.client().toString(), "--timeout", "30");
            });
            QmigCliTest.Run r = QmigCliTest.run("receive", "--listen", "127.0.0.1:" + port, "--count", "1",
                    "--tls-creds", certs.server().toString(), "--tls-verify-peer");
            assertEquals(0, sent.get(30, TimeUnit.SECONDS));
            assertEquals(0, r.exit(), r.err());
            assertTrue(r.err().contains("listening on 127.0.0.1:" + port + " (TLS, verify-peer)"), r.err());
            assertTrue(r.out().contains(": completed"), r.out());
        } finally {
            ex.shutdownNow();
        }
    }

    @Test
    void keepReportsAndTotals(@TempDir Path dir) throws Exception {
        Path report = dir.resolve("report.json");
        QmigCliTest.Run r = receiveOne("--report", report.toString(), "--keep-reports", "1");
        assertEquals(0, r.exit(), r.err());
        String json = Files.readString(report);
        assertEquals(1, new com.fasterxml.jackson.databind.ObjectMapper().readTree(json).get("totals").get("completed")
                .asInt(), json);
        assertTrue(json.startsWith("{\"migrations\": [{\"id\": 1,"), json);
        assertTrue(json.endsWith("], \"rejected\": [], \"totals\": {\"completed\": 1, \"failed\": {}, \"rejected\": {}}}\n"),
                json);
    }

    @Test
    void badLimitsAndTlsOptions(@TempDir Path dir) {
        QmigCliTest.Run r = QmigCliTest.run("receive", "--max-connections", "0");
        assertEquals(Qmig.EXIT_USAGE, r.exit(), r.err());
        r = QmigCliTest.run("receive", "--keep-reports", "0");
        assertEquals(Qmig.EXIT_USAGE, r.exit(), r.err());
        assertTrue(r.err().contains("--keep-reports want at least 1"), r.err());
        r = QmigCliTest.run("receive", "--tls-verify-peer");
        assertEquals(Qmig.EXIT_USAGE, r.exit(), r.err());
        assertTrue(r.err().contains("--tls-verify-peer needs --tls-creds DIR"), r.err());
        r = QmigCliTest.run("receive", "--tls-creds", dir.toString());
        assertEquals(Qmig.EXIT_IO, r.exit(), r.err());
        assertTrue(r.err().contains("missing ca-cert.pem in " + dir), r.err());
    }
}
