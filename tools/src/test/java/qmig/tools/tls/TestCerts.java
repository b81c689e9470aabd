package qmig.tools.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test certificates made with the {@code openssl} command (installed by install-qemu.sh): a CA,
 * a server certificate for 127.0.0.1 and a client certificate, laid out in QEMU's
 * {@code tls-creds-x509} directories, plus a client whose certificate another CA signed. The
 * extensions are those QEMU's sanity check wants (CA: basicConstraints CA:TRUE and keyCertSign;
 * leaves: CA:FALSE, digitalSignature/keyEncipherment and the server/client purpose).
 *
 * @param server      endpoint=server directory: ca-cert.pem, server-cert.pem, server-key.pem (PKCS#1)
 * @param client      endpoint=client directory: ca-cert.pem, client-cert.pem, client-key.pem (PKCS#8)
 * @param rogueClient endpoint=client directory whose client certificate another CA signed
 * @param anonClient  endpoint=client directory with ca-cert.pem only (no client certificate)
 */
public record TestCerts(Path server, Path client, Path rogueClient, Path anonClient) {

    /** Makes everything under {@code dir} (a few hundred ms of openssl). */
    public static TestCerts make(Path dir) throws IOException, InterruptedException {
        Path ca = Files.createDirectories(dir.resolve("ca"));
        Path rogue = Files.createDirectories(dir.resolve("rogue-ca"));
        Path server = Files.createDirectories(dir.resolve("server"));
        Path client = Files.createDirectories(dir.resolve("client"));
        Path rogueClient = Files.createDirectories(dir.resolve("rogue-client"));
        Path anon = Files.createDirectories(dir.resolve("anon-client"));
        authority(ca, "qmig test CA");
        authority(rogue, "qmig rogue CA");
        leaf(ca, server, "server", "127.0.0.1", "serverAuth", "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
        // certtool and older QEMU set-ups write PKCS#1 keys: the receiver must read those too
        openssl(server, "rsa", "-in", "server-key.pem", "-traditional", "-out", "server-key.pem");
        leaf(ca, client, "client", "qmig test client", "clientAuth", "");
        leaf(rogue, rogueClient, "client", "qmig rogue client", "clientAuth", "");
        for (Path d : List.of(server, client, rogueClient, anon)) {
            Files.copy(ca.resolve("ca-cert.pem"), d.resolve("ca-cert.pem"));
        }
        return new TestCerts(server, client, rogueClient, anon);
    }

    private static void authority(Path d, String cn) throws IOException, InterruptedException {
        openssl(d, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca-key.pem", "-out", "ca-cert.pem",
                "-days", "3", "-subj", "/CN=" + cn, "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    }

    private static void leaf(Path ca, Path d, String name, String cn, String purpose, String extra)
            throws IOException, InterruptedException {
        Path ext = d.resolve(name + ".ext");
        Files.writeString(ext, "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                + "extendedKeyUsage=" + purpose + "\n" + extra);
        openssl(d, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + "-key.pem", "-out", name + ".csr",
                "-subj", "/CN=" + cn);
        openssl(d, "x509", "-req", "-in", name + ".csr", "-CA", ca.resolve("ca-cert.pem").toString(), "-CAkey",
                ca.resolve("ca-key.pem").toString(), "-set_serial", Long.toString(System.nanoTime() & 0xffffffffL),
                "-days", "3", "-extfile", ext.toString(), "-out", name + "-cert.pem");
    }

    private static void openssl(Path cwd, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Path log = Files.createTempFile(cwd, "openssl", ".log");
        Process p;
        try {
            p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).redirectOutput(log.toFile())
                    .start();
        } catch (IOException e) {
            throw new IOException("openssl is needed for the TLS tests (testdata/scripts/install-qemu.sh installs it)", e);
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("openssl " + String.join(" ", args) + ": no answer in 60 s");
        }
        if (p.exitValue() != 0) {
            throw new IOException("openssl " + String.join(" ", args) + " failed: " + Files.readString(log));
        }
        Files.delete(log);
    }
}
