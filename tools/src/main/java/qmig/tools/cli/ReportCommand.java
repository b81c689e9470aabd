package qmig.tools.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import qmig.stream.grammar.ReaderOptions;
import qmig.stream.grammar.StreamReader;
import qmig.stream.grammar.StreamRecord;
import qmig.stream.memory.GuestMemory;
import qmig.stream.memory.MemoryOptions;
import qmig.stream.memory.RamLoader;
import qmig.stream.wire.Limits;
import qmig.tools.report.HtmlReport;
import qmig.tools.report.ReportCollector;
import qmig.tools.report.StreamReport;

/**
 * {@code qmig report STREAM --html FILE}: one self-contained HTML page with the record timeline,
 * the guest-physical memory map and the vIOMMU's per-device mappings. The stream is read once:
 * records go to the {@link ReportCollector}, pages to a {@link RamLoader}.
 */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Write one self-contained HTML page about a stream: every record laid out by byte offset, a"
                + " sortable table of them, the guest-physical memory map with zero and content pages, and per device"
                + " its IOVA mappings after the vIOMMU's post-load replay.")
final class ReportCommand implements Callable<Integer> {

    @Parameters(paramLabel = "STREAM", description = "a migration stream in any saved form (raw, compressed, libvirt save image, qcow2 snapshot, embedded)")
    Path file;

    @Option(names = "--html", required = true, paramLabel = "FILE",
            description = "the page to write (written to a temporary file in the same directory, then renamed)")
    Path html;

    @Option(names = "--backing", defaultValue = "auto",
            description = "where page contents live while the report is made: heap, offheap, mapped or auto"
                    + " (as extract-ram). Default: ${DEFAULT-VALUE}")
    String backing;

    @Option(names = "--digests", description = "also compute each RAMBlock's SHA-256 (as qmig digest)")
    boolean digests;

    @Mixin
    LimitOptions limitOptions = new LimitOptions();

    @Mixin
    SnapshotOption snapshotOption = new SnapshotOption();

    @Override
    public Integer call() {
        Limits limits;
        MemoryCommands.Load spill = new MemoryCommands.Load();
        spill.file = file;
        spill.backing = backing;
        GuestMemory memory;
        try {
            limits = limitOptions.apply(Limits.DEFAULT);
            memory = GuestMemory.create(MemoryOptions.of(spill.backing(MemoryCommands.fileSize(file))));
        } catch (IllegalArgumentException e) {
            spill.cleanup();
            System.err.println("qmig: " + e.getMessage());
            return Qmig.EXIT_USAGE;
        } catch (IOException e) {
            spill.cleanup();
            System.err.println("qmig: " + e);
            return Qmig.EXIT_IO;
        }
        StreamReader[] reader = new StreamReader[1];
        String page;
        int undecoded;
        long records;
        try (memory; RamLoader loader = new RamLoader(memory, () -> reader[0] == null ? -1 : reader[0].wire().position())) {
            ReaderOptions options = ReaderOptions.defaults().withPages(loader, false).withLimits(limits);
            try (StreamInput in = new StreamInput(file, options, snapshotOption.snapshot)) {
                reader[0] = in.reader;
                ReportCollector c = new ReportCollector();
                c.header(in.reader.readHeader());
                for (StreamRecord r; (r = in.reader.next()) != null; ) {
                    c.accept(r);
                }
                c.end(in.reader.wire().position(), in.reader.resolveHeld());
                List<StreamReport.Fact> lead = List.of(
                        new StreamReport.Fact("file", "File", file.toString()),
                        new StreamReport.Fact("file-bytes", "File size", bytes(Files.size(file))),
                        new StreamReport.Fact("wrapper", "Wrapper", in.saved.layers().size() > 1
                                ? in.saved.describe().replace("\n", "; ") : "none (raw stream)"));
                StreamReport report = c.finish(String.valueOf(file.getFileName()), lead, memory, in.reader.machineType(),
                        in.reader.footers(), digests);
                page = HtmlReport.render(report);
                undecoded = c.undecoded();
                records = report.items().size();
            }
        } catch (IOException e) {
            return StreamInput.fail(file, e);
        } finally {
            spill.cleanup();
        }
        try {
            writeAtomically(html, page.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            System.err.println("qmig: cannot write " + html + ": " + e);
            return Qmig.EXIT_IO;
        }
        System.out.printf("%s: %d records, %,d bytes of HTML%s%n", html, records - 1, page.length(),
                undecoded == 0 ? "" : ", " + undecoded + " undecoded sections");
        return undecoded == 0 ? 0 : 1;
    }

    private static String bytes(long n) {
        return String.format(java.util.Locale.ROOT, "%,d bytes", n);
    }

    /** Writes to a temporary file in the target's directory (mode from the umask) and renames it over the target. */
    static void writeAtomically(Path target, byte[] content) throws IOException {
        Path abs = target.toAbsolutePath();
        Path tmp = abs.resolveSibling("." + abs.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".part");
        try {
            Files.write(tmp, content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
