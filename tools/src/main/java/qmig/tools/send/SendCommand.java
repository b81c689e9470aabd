package qmig.tools.send;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import qmig.stream.multifd.MultifdCompression;
import qmig.tools.tls.TlsCreds;

/** {@code qmig send STREAM --to HOST:PORT [--multifd N]}. */
@Command(name = "send", mixinStandardHelpOptions = true,
        description = "Send a saved migration stream to a destination (QEMU -incoming tcp:..., or qmig receive) as a"
                + " QEMU 7.2 source would, reading its return path; with --multifd N the RAM goes over N multifd channels.")
public final class SendCommand implements Callable<Integer> {

    @Parameters(paramLabel = "STREAM", description = "a migration stream in any saved form (raw, compressed, libvirt"
            + " save image, qcow2 snapshot, embedded)")
    Path file;

    @Option(names = "--snapshot", paramLabel = "ID|NAME",
            description = "for a qcow2 image: the internal snapshot whose VM state to send (default: the only one with"
                    + " VM state, else the newest)")
    String snapshot;

    @Option(names = "--to", required = true, paramLabel = "HOST:PORT", description = "the destination")
    String to;

    @Option(names = "--multifd", paramLabel = "N", description = "re-emit the RAM over N multifd channels (0: plain)")
    int multifd;

    @Option(names = "--multifd-compression", paramLabel = "none|zlib|zstd", description = "multifd compression (default none)")
    String compression = "none";

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "connect and completion timeout (default 120)")
    long timeout = 120;

    @Option(names = "--tls-creds", paramLabel = "DIR",
            description = "send over TLS with the client credentials in DIR (ca-cert.pem; client-cert.pem and"
                    + " client-key.pem when the destination verifies its peers), as QEMU's tls-creds-x509 endpoint=client")
    Path tlsCreds;

    @Override
    public Integer call() {
        try (InputStream in = StreamFiles.open(file, snapshot)) {
            int colon = to.lastIndexOf(':');
            if (colon < 0) {
                System.err.println("qmig send: --to wants HOST:PORT, got " + to);
                return 64;
            }
            InetSocketAddress addr = new InetSocketAddress(to.substring(0, colon), Integer.parseInt(to.substring(colon + 1)));
            MultifdCompression c = null;
            for (MultifdCompression m : MultifdCompression.values()) {
                if (m.parameter().equals(compression)) {
                    c = m;
                }
            }
            if (c == null) {
                System.err.println("qmig send: unknown --multifd-compression " + compression);
                return 64;
            }
            TlsCreds tls = tlsCreds == null ? null : TlsCreds.load(tlsCreds, TlsCreds.Endpoint.CLIENT, true);
            Sender.Result r = Sender.send(in, addr, multifd, c, Duration.ofSeconds(timeout), tls);
            System.out.println("sent " + file + " to " + to + (r.bytes() >= 0 ? " (" + r.bytes() + " bytes)" : "")
                    + (multifd > 0 ? ", " + r.multifdPages() + " pages over " + multifd + " multifd channels" : "")
                    + ", " + r.pongs() + " PONG, " + (r.shut() == null ? "destination closed" : "SHUT(" + r.shut() + ")"));
            return r.accepted() ? 0 : 1;
        } catch (IOException e) {
            System.err.println("qmig send: " + file + ": " + e.getMessage());
            return e instanceof qmig.stream.wire.StreamFormatException ? 2 : 3;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 3;
        }
    }
}
