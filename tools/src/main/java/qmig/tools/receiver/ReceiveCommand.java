package qmig.tools.receiver;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import qmig.stream.vmdesc.DumpVmstateSchema;
import qmig.stream.vmstate.DescriptionSource;
import qmig.tools.tls.TlsCreds;
import qmig.viommu.vtd.Bdf;

/** {@code qmig receive --listen 127.0.0.1:PORT [--vfio BDF…] [--schema F] [--save F] [--report F.json]}. */
@Command(name = "receive", mixinStandardHelpOptions = true,
        description = "Listen for QEMU 7.2 migrations (tcp:HOST:PORT sources, or qmig send), load them like a QEMU"
                + " destination, replay the vIOMMU mappings of the --vfio devices and report what was loaded.")
public final class ReceiveCommand implements Callable<Integer> {

    @picocli.CommandLine.Mixin
    qmig.tools.cli.LimitOptions limitOptions = new qmig.tools.cli.LimitOptions();

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "address to listen on (default 127.0.0.1:4444)")
    String listen = "127.0.0.1:4444";

    @Option(names = "--allow-remote", description = "allow a non-loopback --listen address")
    boolean allowRemote;

    @Option(names = "--vfio", paramLabel = "BDF", split = ",", description = "VFIO devices (bus:dev.fn) whose mappings are replayed")
    List<String> vfio = new ArrayList<>();

    @Option(names = "--schema", paramLabel = "DUMP_VMSTATE.json", description = "QEMU -dump-vmstate output for device sections")
    Path schema;

    @Option(names = "--save", paramLabel = "FILE", description = "write each received main stream (FILE, FILE.2, ...)")
    Path save;

    @Option(names = "--report", paramLabel = "FILE.json", description = "write the reports of finished migrations as JSON")
    Path report;

    @Option(names = "--machine", paramLabel = "TYPE", description = "refuse streams of another machine type")
    String machine;

    @Option(names = "--max-migrations", paramLabel = "N", description = "migrations loading at once (default 4)")
    int maxMigrations = 4;

    @Option(names = "--multifd-channels", paramLabel = "N", description = "multifd channels per migration (default 0)")
    int multifd;

    @Option(names = "--idle-timeout", paramLabel = "SECONDS",
            description = "close a main or multifd connection that sends nothing for this long while loading (default 60)")
    long idleSeconds = 60;

    @Option(names = "--max-connections", paramLabel = "N",
            description = "connections open at once, sniffing, main and multifd together; more are closed at once (default "
                    + ReceiverConfig.DEFAULT_MAX_CONNECTIONS + ")")
    int maxConnections = ReceiverConfig.DEFAULT_MAX_CONNECTIONS;

    @Option(names = "--tls-creds", paramLabel = "DIR",
            description = "require TLS with the X.509 credentials in DIR, laid out as QEMU's tls-creds-x509 endpoint=server:"
                    + " ca-cert.pem, server-cert.pem, server-key.pem")
    Path tlsCreds;

    @Option(names = "--tls-verify-peer", description = "with --tls-creds: require a client certificate signed by ca-cert.pem")
    boolean tlsVerifyPeer;

    @Option(names = "--keep-reports", paramLabel = "N",
            description = "reports and rejections kept for --report, the most recent ones; totals count all (default "
                    + ReceiverConfig.DEFAULT_KEEP_RECENT + ")")
    int keepReports = ReceiverConfig.DEFAULT_KEEP_RECENT;

    @Option(names = "--count", paramLabel = "N", description = "exit after N migrations finished (default: run until killed)")
    int count;

    private volatile boolean reportFailed;

    @Override
    public Integer call() throws Exception {
        int colon = listen.lastIndexOf(':');
        if (colon < 0) {
            System.err.println("qmig receive: --listen wants HOST:PORT, got " + listen);
            return 64;
        }
        InetSocketAddress addr = new InetSocketAddress(listen.substring(0, colon), Integer.parseInt(listen.substring(colon + 1)));
        InetAddress ia = addr.getAddress();
        if (ia == null || (!ia.isLoopbackAddress() && !allowRemote)) {
            System.err.println("qmig receive: " + listen + " is not a loopback address; add --allow-remote to listen there");
            return 64;
        }
        if (idleSeconds < 1) {
            System.err.println("qmig receive: --idle-timeout wants at least 1 second, got " + idleSeconds);
            return 64;
        }
        if (maxConnections < 1 || maxMigrations < 1 || keepReports < 1) {
            System.err.println("qmig receive: --max-connections, --max-migrations and --keep-reports want at least 1");
            return 64;
        }
        if (tlsVerifyPeer && tlsCreds == null) {
            System.err.println("qmig receive: --tls-verify-peer needs --tls-creds DIR");
            return 64;
        }
        TlsCreds tls = null;
        if (tlsCreds != null) {
            try {
                tls = TlsCreds.load(tlsCreds, TlsCreds.Endpoint.SERVER, tlsVerifyPeer);
            } catch (IOException e) {
                System.err.println("qmig receive: --tls-creds " + tlsCreds + ": " + e.getMessage());
                return 3;
            }
        }
        List<Bdf> devices = new ArrayList<>();
        for (String s : vfio) {
            devices.add(Bdf.parse(s));
        }
        List<DescriptionSource> schemas = new ArrayList<>();
        if (schema != null) {
            try (InputStream in = Files.newInputStream(schema)) {
                schemas.add(DumpVmstateSchema.parse(in));
            }
        }
        qmig.stream.wire.Limits limits;
        try {
            limits = limitOptions.apply(qmig.stream.wire.Limits.DEFAULT);
        } catch (IllegalArgumentException e) {
            System.err.println("qmig receive: " + e.getMessage());
            return 64;
        }
        ReceiverConfig base = ReceiverConfig.loopback(addr.getPort());
        ReceiverConfig cfg = new ReceiverConfig(addr, devices, schemas, save, machine, maxMigrations, multifd,
                base.pipeBytes(), base.sniffTimeout(), base.syncTimeout(), java.time.Duration.ofSeconds(idleSeconds),
                maxConnections, tls, limits, keepReports);
        CountDownLatch done = new CountDownLatch(count > 0 ? count : Integer.MAX_VALUE);
        try (Receiver r = Receiver.start(cfg, line -> System.err.println("qmig receive: " + line))) {
            r.onReport(rep -> {
                synchronized (System.out) {
                    System.out.print(rep.toText());
                    System.out.flush();
                }
                if (report != null) {
                    try {
                        writeReport(r);
                    } catch (IOException e) {
                        reportFailed = true;
                        System.err.println("qmig receive: --report " + report + ": cannot write: " + e.getMessage()
                                + " (the report is on standard output)");
                    }
                }
                done.countDown();
            });
            System.err.println("qmig receive: listening on " + r.address().getHostString() + ":" + r.port()
                    + (tls == null ? "" : " (TLS" + (tlsVerifyPeer ? ", verify-peer" : "") + ")"));
            done.await();
            if (reportFailed) {
                return 3;
            }
            return r.counters().failed(null) == 0 ? 0 : 1;
        }
    }

    private static String kinds(java.util.Map<ReceiveError.Kind, Long> m) {
        StringBuilder b = new StringBuilder("{");
        m.forEach((k, v) -> b.append(b.length() == 1 ? "" : ", ").append(ReceiveReport.str(k.name())).append(": ").append(v));
        return b.append('}').toString();
    }

    private synchronized void writeReport(Receiver r) throws IOException {
        StringBuilder b = new StringBuilder("{\"migrations\": [");
        List<ReceiveReport> reps = r.reports();
        for (int i = 0; i < reps.size(); i++) {
            b.append(i == 0 ? "" : ", ").append(reps.get(i).toJson());
        }
        b.append("], \"rejected\": [");
        List<Receiver.Rejection> rej = r.rejections();
        for (int i = 0; i < rej.size(); i++) {
            Receiver.Rejection x = rej.get(i);
            b.append(i == 0 ? "" : ", ").append("{\"remote\": ").append(ReceiveReport.str(x.remote()))
                    .append(", \"kind\": ").append(ReceiveReport.str(x.kind().name())).append(", \"error\": ")
                    .append(ReceiveReport.str(x.message())).append('}');
        }
        Receiver.Counters c = r.counters();
        b.append("], \"totals\": {\"completed\": ").append(c.completed()).append(", \"failed\": ")
                .append(kinds(c.failed())).append(", \"rejected\": ").append(kinds(c.rejected())).append("}}\n");
        if (Files.isDirectory(report)) {
            throw new IOException("is a directory");
        }
        Path part = report.resolveSibling(report.getFileName() + ".part");
        try {
            Files.writeString(part, b);
            Files.move(part, report, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (java.nio.file.FileSystemException e) {
            throw new IOException(e.getReason() != null ? e.getReason() : e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(part);
            } catch (IOException ignored) {
                // nothing could be created there either
            }
        }
    }

}
