package qmig.tools.receiver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import qmig.stream.multifd.MultifdCompression;
import qmig.testdata.Captures;
import qmig.testdata.QemuDestination;
import qmig.tools.send.Sender;
import qmig.tools.tls.TestCerts;
import qmig.tools.tls.TlsCreds;

/**
 * Issue 9, TLS: {@code qmig receive --tls-creds DIR [--tls-verify-peer]} takes migrations from
 * {@code qmig send --tls-creds} and from a real QEMU 7.2 source with {@code tls-creds-x509}
 * (endpoint=client) and loads the same as without TLS; plain clients and clients with an
 * untrusted or missing certificate are refused with {@link ReceiveError.Kind#TLS_REFUSED}.
 */
class ReceiverTlsTest {

    private static final Duration T = Duration.ofSeconds(60);

    @TempDir
    static Path certDir;
    static TestCerts certs;

    @BeforeAll
    static void certs() throws Exception {
        certs = TestCerts.make(certDir);
    }

    private static ReceiverConfig tlsConfig(boolean verifyPeer) throws IOException {
        return ReceiverConfig.loopback(0).withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(20))
                .withTls(TlsCreds.load(certs.server(), TlsCreds.Endpoint.SERVER, verifyPeer));
    }

    private static TlsCreds client(Path dir) throws IOException {
        return TlsCreds.load(dir, TlsCreds.Endpoint.CLIENT, true);
    }

    @Test
    @Timeout(120)
    void qmigSendOverTlsPlainAndMultifd() throws Exception {
        byte[] good = Captures.Q35_VIOMMU.bytes();
        for (int multifd : new int[] {0, 2}) {
            try (Receiver r = Receiver.start(tlsConfig(true).withMultifd(multifd), System.err::println)) {
                Sender.Result res = Sender.send(new ByteArrayInputStream(good), r.address(), multifd,
                        MultifdCompression.NONE, T, client(certs.client()));
                assertTrue(res.accepted(), res::toString);
                ReceiveReport rep = r.awaitReports(1, 60, TimeUnit.SECONDS).get(0);
                ReceiverSendTest.assertLoaded(rep);
                assertEquals(multifd, rep.multifd(), rep::toText);
                assertEquals(ReceiverSendTest.fileDigests(good), rep.digests(), rep::toText);
                assertEquals(List.of(), r.rejections());
            }
        }
    }

    @Test
    @Timeout(60)
    void aPlainClientIsRefused() throws Exception {
        try (Receiver r = Receiver.start(tlsConfig(false), System.err::println)) {
            try (Socket s = ReceiverBadInputTest.connect(r)) {
                s.getOutputStream().write(Captures.Q35_VIOMMU.bytes(), 0, 4096);
                ReceiverBadInputTest.assertClosedByPeer(s);
            }
            ReceiverBadInputTest.awaitRejection(r, x -> x.kind() == ReceiveError.Kind.TLS_REFUSED
                    && x.message().contains("does not speak TLS"));
            assertEquals(0, r.reports().size());
            // and it keeps serving TLS clients
            assertTrue(Sender.send(new ByteArrayInputStream(Captures.Q35_PLAIN.bytes()), r.address(), 0,
                    MultifdCompression.NONE, T, client(certs.anonClient())).accepted());
            ReceiverSendTest.assertLoaded(r.awaitReports(1, 60, TimeUnit.SECONDS).get(0));
        }
    }

    @Test
    @Timeout(60)
    void untrustedAndMissingClientCertificatesAreRefusedWithVerifyPeer() throws Exception {
        try (Receiver r = Receiver.start(tlsConfig(true), System.err::println)) {
            for (Path dir : List.of(certs.rogueClient(), certs.anonClient())) {
                int before = r.rejections().size();
                assertThrows(IOException.class, () -> Sender.send(new ByteArrayInputStream(Captures.Q35_PLAIN.bytes()),
                        r.address(), 0, MultifdCompression.NONE, Duration.ofSeconds(20), client(dir)));
                ReceiverBadInputTest.awaitRejection(r, x -> r.rejections().size() > before);
                Receiver.Rejection x = r.rejections().get(before);
                assertEquals(ReceiveError.Kind.TLS_REFUSED, x.kind(), x::toString);
                assertTrue(x.message().startsWith("TLS handshake failed: "), x::toString);
            }
            assertEquals(0, r.reports().size());
        }
    }

    @Test
    @Timeout(60)
    void aClientRefusesAReceiverItsCaDidNotSign() throws Exception {
        // the rogue client's directory holds the real CA; a directory with only the rogue CA must refuse the server
        Path rogueTrust = certDir.resolve("rogue-trust");
        java.nio.file.Files.createDirectories(rogueTrust);
        java.nio.file.Files.copy(certDir.resolve("rogue-ca").resolve("ca-cert.pem"), rogueTrust.resolve("ca-cert.pem"));
        try (Receiver r = Receiver.start(tlsConfig(false), System.err::println)) {
            IOException e = assertThrows(IOException.class, () -> Sender.send(
                    new ByteArrayInputStream(Captures.Q35_PLAIN.bytes()), r.address(), 0, MultifdCompression.NONE,
                    Duration.ofSeconds(20), client(rogueTrust)));
            assertTrue(e instanceof javax.net.ssl.SSLException, e::toString);
            assertEquals(0, r.reports().size());
        }
    }

    /** A real QEMU 7.2 source migrates over TLS; the report equals that of the same VM migrated in plain TCP. */
    @Test
    @Timeout(300)
    void realQemuSourceOverTlsLoadsTheSameAsPlain(@TempDir Path dir) throws Exception {
        QemuDestination.requireQemu();
        ReceiveReport tls = live(dir, "tls", tlsConfig(true), "--object",
                "tls-creds-x509,id=tls0,dir=" + certs.client() + ",endpoint=client",
                "--param", "tls-creds=tls0", "--param", "tls-hostname=127.0.0.1");
        ReceiveReport plain = live(dir, "plain", ReceiverConfig.loopback(0));
        assertEquals(plain.digests(), tls.digests(), tls::toText);
        assertEquals(sections(plain), sections(tls));
        assertEquals(plain.ram(), tls.ram());
        assertEquals(plain.iommu(), tls.iommu());
    }

    private static List<String> sections(ReceiveReport r) {
        return r.sections().stream().map(s -> s.idstr() + "/" + s.instance() + " v" + s.version() + " x" + s.records()
                + " " + s.result()).toList();
    }

    private static ReceiveReport live(Path dir, String name, ReceiverConfig cfg, String... opts) throws Exception {
        try (Receiver r = Receiver.start(cfg, System.err::println)) {
            List<String> args = new ArrayList<>(List.of("--send-to", Integer.toString(r.port())));
            args.addAll(List.of(opts));
            args.addAll(List.of("q35-viommu", "-"));
            Path log = dir.resolve(name + ".log");
            int rc = ReceiverQemuTest.script(log, 120, args);
            assertEquals(0, rc, () -> "QEMU did not report completed over " + name + ":\n" + ReceiverQemuTest.read(log)
                    + r.rejections());
            ReceiveReport rep = r.awaitReports(1, 30, TimeUnit.SECONDS).get(0);
            ReceiverSendTest.assertLoaded(rep);
            assertEquals(List.of(), r.rejections());
            return rep;
        }
    }
}
