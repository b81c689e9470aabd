package qmig.tools.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * X.509 credentials read from a directory laid out like QEMU's {@code tls-creds-x509,dir=DIR}:
 * {@code ca-cert.pem} (always), {@code server-cert.pem} + {@code server-key.pem} for the
 * server endpoint, {@code client-cert.pem} + {@code client-key.pem} (optional) for the client.
 * With {@code verifyPeer} the server requires a client certificate signed by the CA; the client
 * always checks the server's certificate against the CA and the host name.
 */
public final class TlsCreds {

    /** Which side of the connection these credentials are for (QEMU's {@code endpoint=}). */
    public enum Endpoint { SERVER, CLIENT }

    public static final String CA_CERT = "ca-cert.pem";
    public static final String SERVER_CERT = "server-cert.pem";
    public static final String SERVER_KEY = "server-key.pem";
    public static final String CLIENT_CERT = "client-cert.pem";
    public static final String CLIENT_KEY = "client-key.pem";

    /** More than 604800 s, TLS 1.3's longest ticket lifetime: the JDK then issues no session ticket. */
    private static final int NO_TICKET_SESSION_SECONDS = 604800 + 1;

    /** A PEM file's size limit: certificate chains and keys are a few KiB. */
    private static final long MAX_PEM_BYTES = 1 << 20;

    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]+?)\\s*-----END \\1-----");

    private final Path dir;
    private final Endpoint endpoint;
    private final boolean verifyPeer;
    private final SSLContext context;

    private TlsCreds(Path dir, Endpoint endpoint, boolean verifyPeer, SSLContext context) {
        this.dir = dir;
        this.endpoint = endpoint;
        this.verifyPeer = verifyPeer;
        this.context = context;
    }

    /**
     * Loads the credentials of {@code endpoint} from {@code dir}.
     *
     * @throws IOException naming the file that is missing, too large or not understood
     */
    public static TlsCreds load(Path dir, Endpoint endpoint, boolean verifyPeer) throws IOException {
        List<X509Certificate> ca = certificates(dir.resolve(CA_CERT), true);
        boolean server = endpoint == Endpoint.SERVER;
        Path certFile = dir.resolve(server ? SERVER_CERT : CLIENT_CERT);
        Path keyFile = dir.resolve(server ? SERVER_KEY : CLIENT_KEY);
        List<X509Certificate> chain = certificates(certFile, server);
        PrivateKey key = chain.isEmpty() ? null : privateKey(keyFile);
        try {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            for (int i = 0; i < ca.size(); i++) {
                trust.setCertificateEntry("ca" + i, ca.get(i));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            KeyManagerFactory kmf = null;
            if (key != null) {
                KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
                ks.load(null, null);
                char[] pw = new char[0];
                ks.setKeyEntry("key", key, pw, chain.toArray(new Certificate[0]));
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, pw);
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            if (server) {
                // A TLS 1.3 server sends NewSessionTicket after the handshake. A QEMU source never reads
                // its main channel without the return path, so the unread ticket makes its kernel answer
                // the source's close with a reset, which loses the stream's last bytes in flight. The JDK
                // sends no ticket when the session lifetime exceeds the 7-day ticket maximum (RFC 8446 §4.6.1).
                ctx.getServerSessionContext().setSessionTimeout(NO_TICKET_SESSION_SECONDS);
            }
            return new TlsCreds(dir, endpoint, verifyPeer, ctx);
        } catch (GeneralSecurityException e) {
            throw new IOException("TLS credentials in " + dir + ": " + e.getMessage(), e);
        }
    }

    public Path dir() {
        return dir;
    }

    public Endpoint endpoint() {
        return endpoint;
    }

    public boolean verifyPeer() {
        return verifyPeer;
    }

    /** A server-side engine: requires a client certificate when {@link #verifyPeer()}. */
    public SSLEngine serverEngine() {
        SSLEngine e = context.createSSLEngine();
        e.setUseClientMode(false);
        e.setNeedClientAuth(verifyPeer);
        return e;
    }

    /**
     * Wraps a connected socket in a client TLS session that checks the server's certificate
     * against the CA and {@code hostname} (QEMU's {@code tls-hostname}; an IP address matches an
     * IP subjectAltName), then runs the handshake.
     */
    public SSLSocket clientSocket(Socket plain, String hostname) throws IOException {
        SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(plain, hostname, plain.getPort(), true);
        s.setUseClientMode(true);
        SSLParameters p = s.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        if (!hostname.isEmpty() && !Character.isDigit(hostname.charAt(0)) && hostname.indexOf(':') < 0) {
            p.setServerNames(List.of(new SNIHostName(hostname)));
        }
        s.setSSLParameters(p);
        s.startHandshake();
        return s;
    }

    // ---- PEM ------------------------------------------------------------------------------------

    private static String readPem(Path f) throws IOException {
        long size = Files.size(f);
        if (size > MAX_PEM_BYTES) {
            throw new IOException(f + ": " + size + " bytes, more than a PEM file's limit of " + MAX_PEM_BYTES);
        }
        return Files.readString(f, StandardCharsets.US_ASCII);
    }

    private static List<X509Certificate> certificates(Path f, boolean required) throws IOException {
        if (!Files.exists(f)) {
            if (required) {
                throw new IOException("TLS credentials: missing " + f.getFileName() + " in " + f.getParent());
            }
            return List.of();
        }
        String text = readPem(f);
        try {
            Collection<? extends Certificate> cs = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII)));
            List<X509Certificate> out = new ArrayList<>();
            for (Certificate c : cs) {
                out.add((X509Certificate) c);
            }
            if (out.isEmpty()) {
                throw new IOException(f + ": no PEM certificate (expected -----BEGIN CERTIFICATE-----)");
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new IOException(f + ": not a PEM X.509 certificate: " + e.getMessage(), e);
        }
    }

    /** PKCS#8 ({@code PRIVATE KEY}) or PKCS#1 RSA ({@code RSA PRIVATE KEY}, as certtool writes it). */
    static PrivateKey privateKey(Path f) throws IOException {
        if (!Files.exists(f)) {
            throw new IOException("TLS credentials: missing " + f.getFileName() + " in " + f.getParent());
        }
        Matcher m = PEM.matcher(readPem(f));
        if (!m.find()) {
            throw new IOException(f + ": no PEM private key (expected -----BEGIN PRIVATE KEY-----)");
        }
        String type = m.group(1);
        byte[] der = Base64.getMimeDecoder().decode(m.group(2));
        byte[] pkcs8;
        if (type.equals("PRIVATE KEY")) {
            pkcs8 = der;
        } else if (type.equals("RSA PRIVATE KEY")) {
            pkcs8 = rsaPkcs1ToPkcs8(der);
        } else {
            throw new IOException(f + ": unsupported key type " + type
                    + " (expected PRIVATE KEY or RSA PRIVATE KEY, unencrypted; convert with openssl pkcs8 -topk8 -nocrypt)");
        }
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(pkcs8);
        for (String alg : new String[] {"RSA", "EC", "Ed25519", "Ed448"}) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new IOException(f + ": a " + type + " that is neither RSA, EC nor EdDSA");
    }

    /** PrivateKeyInfo ::= SEQUENCE { INTEGER 0, SEQUENCE { OID rsaEncryption, NULL }, OCTET STRING pkcs1 }. */
    private static byte[] rsaPkcs1ToPkcs8(byte[] pkcs1) {
        byte[] version = {0x02, 0x01, 0x00};
        byte[] algorithm = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01,
            0x01, 0x01, 0x05, 0x00};
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(version);
        body.writeBytes(algorithm);
        body.writeBytes(derTag(0x04, pkcs1));
        return derTag(0x30, body.toByteArray());
    }

    private static byte[] derTag(int tag, byte[] content) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(tag);
        int n = content.length;
        if (n < 0x80) {
            o.write(n);
        } else if (n < 0x100) {
            o.write(0x81);
            o.write(n);
        } else if (n < 0x10000) {
            o.write(0x82);
            o.write(n >> 8);
            o.write(n);
        } else {
            o.write(0x83);
            o.write(n >> 16);
            o.write(n >> 8);
            o.write(n);
        }
        o.writeBytes(content);
        return o.toByteArray();
    }
}
