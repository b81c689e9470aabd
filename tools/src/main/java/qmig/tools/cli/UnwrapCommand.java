package qmig.tools.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import qmig.stream.saved.Layer;
import qmig.stream.saved.SavedStream;
import qmig.stream.wire.Limits;

/** {@code qmig unwrap FILE [OUT] [--snapshot ID|NAME] [--xml]}: the layers around a saved stream, and the bare stream. */
@Command(name = "unwrap", mixinStandardHelpOptions = true,
        description = "Print the layers around a saved stream (compression, libvirt save image header, qcow2 snapshot"
                + " table, offset inside another file) and, with OUT, write the bare raw migration stream to OUT"
                + " (through a temporary file in the same directory: no partial OUT on error).")
final class UnwrapCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "FILE", description = "a saved stream in any form")
    Path file;

    @Parameters(index = "1", arity = "0..1", paramLabel = "OUT", description = "where to write the raw stream")
    Path out;

    @Mixin
    SnapshotOption snapshotOption = new SnapshotOption();

    @Mixin
    LimitOptions limitOptions = new LimitOptions();

    @Option(names = "--xml", description = "also print a libvirt image's domain XML and cookie")
    boolean xml;

    @Override
    public Integer call() {
        Limits limits;
        try {
            limits = limitOptions.apply(Limits.DEFAULT);
        } catch (IllegalArgumentException e) {
            System.err.println("qmig: " + e.getMessage());
            return Qmig.EXIT_USAGE;
        }
        PrintStream o = System.out;
        try (SavedStream s = SavedStream.open(file, limits, snapshotOption.snapshot)) {
            o.print(s.describe());
            if (xml) {
                for (Layer l : s.layers()) {
                    if (l.libvirt() != null) {
                        o.println("--- domain XML ---");
                        o.print(l.libvirt().domainXml());
                        if (l.libvirt().cookieXml() != null) {
                            o.println("--- cookie XML ---");
                            o.print(l.libvirt().cookieXml());
                        }
                    }
                }
            }
            if (out != null) {
                long n = write(s, out);
                o.println("wrote " + n + " bytes of raw stream to " + out);
            }
            return 0;
        } catch (IOException e) {
            return StreamInput.fail(file, e);
        }
    }

    /** Copies the stream to a temporary name beside {@code target}, then renames it; removes it on failure. */
    static long write(SavedStream s, Path target) throws IOException {
        Path abs = target.toAbsolutePath();
        Path tmp = Files.createTempFile(abs.getParent(), "." + abs.getFileName() + ".", ".part");
        boolean ok = false;
        try {
            long n;
            try (InputStream in = s.stream(); OutputStream w = Files.newOutputStream(tmp)) {
                n = in.transferTo(w);
            }
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            ok = true;
            return n;
        } finally {
            if (!ok) {
                Files.deleteIfExists(tmp);
            }
        }
    }
}
