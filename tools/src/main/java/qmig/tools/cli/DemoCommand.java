package qmig.tools.cli;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import qmig.stream.multifd.MultifdCompression;
import qmig.tools.receiver.ReceiveReport;
import qmig.tools.receiver.Receiver;
import qmig.tools.receiver.ReceiverConfig;
import qmig.tools.send.Sender;
import qmig.tools.send.StreamFiles;
import qmig.viommu.vtd.Bdf;

/**
 * {@code qmig demo}: the main job on one machine without QEMU. A receiver listens on a free
 * loopback port, the bundled booted-Linux vIOMMU capture is sent into it over real TCP with
 * 00:01.0 treated as a VFIO device, and the receiver's report is printed.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start a receiver on a free 127.0.0.1 port, send the bundled booted-Linux vIOMMU capture into it"
                + " over TCP with 00:01.0 as the VFIO device, and print the report.")
final class DemoCommand implements Callable<Integer> {

    static final String BUNDLED = "testdata/captures/qemu-7.2/q35/q35-linux-viommu.mig.xz";

    @Option(names = "--stream", paramLabel = "FILE", description = "the stream to send (default: the bundled " + BUNDLED + ")")
    Path stream;

    @Option(names = "--vfio", paramLabel = "BDF", split = ",", defaultValue = "00:01.0",
            description = "devices to treat as VFIO devices. Default: ${DEFAULT-VALUE}")
    List<String> vfio;

    @Override
    public Integer call() {
        Path file = stream != null ? stream : bundled();
        if (file == null || !Files.isRegularFile(file)) {
            System.err.println("qmig: no stream to send: give --stream FILE (the bundled capture lives in the repository at "
                    + BUNDLED + ")");
            return Qmig.EXIT_IO;
        }
        try {
            List<Bdf> devices = vfio.stream().map(Bdf::parse).toList();
            try (Receiver r = Receiver.start(ReceiverConfig.loopback(0).withVfio(devices), s -> { })) {
                System.out.println("receiver listening on " + r.address() + "; sending " + file);
                Sender.Result sent;
                try (InputStream in = StreamFiles.open(file)) {
                    sent = Sender.send(in, r.address(), 0, MultifdCompression.NONE, Duration.ofSeconds(120));
                }
                System.out.println("sent " + sent.bytes() + " bytes");
                List<ReceiveReport> reports = r.awaitReports(1, 120, TimeUnit.SECONDS);
                ReceiveReport rep = reports.get(0);
                System.out.print(rep.toText());
                return rep.completed() ? 0 : Qmig.EXIT_BAD_STREAM;
            }
        } catch (Exception e) {
            System.err.println("qmig: demo failed: " + e);
            return Qmig.EXIT_IO;
        }
    }

    /** The bundled capture, found from the launcher's directory ($QMIG_HOME) or the working directory. */
    static Path bundled() {
        String home = System.getenv("QMIG_HOME");
        for (Path base : new Path[] {home == null ? null : Path.of(home), Path.of("").toAbsolutePath()}) {
            for (Path p = base; p != null; p = p.getParent()) {
                Path f = p.resolve(BUNDLED);
                if (Files.isRegularFile(f)) {
                    return f;
                }
            }
        }
        return null;
    }
}
