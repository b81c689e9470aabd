package qmig.tools.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import qmig.stream.check.Destination;
import qmig.stream.check.Finding;
import qmig.stream.check.LoadCheck;
import qmig.stream.check.LoadReport;
import qmig.stream.check.SchemaCompare;
import qmig.stream.check.Severity;
import qmig.stream.grammar.MigrationStream;
import qmig.stream.grammar.ReaderOptions;
import qmig.stream.grammar.StreamRecord;
import qmig.stream.json.Json;
import qmig.stream.json.JsonValue;
import qmig.stream.json.JsonValue.JObject;
import qmig.stream.ram.PageSink;
import qmig.stream.vmdesc.DumpVmstateSchema;
import qmig.stream.wire.Limits;
import qmig.stream.wire.StreamFormatException;

/**
 * {@code qmig check STREAM [--schema DEST.json] [--dest STREAM | --dest-device TYPE...]}: would this
 * stream load on that QEMU 7.2? {@code qmig check --schema SRC.json --schema DST.json}: would a
 * migration between the two schemas break? Exit 0 loads / compatible, 1 would fail /
 * incompatible, 2 bad stream, 3 unreadable input, 64 usage.
 */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Would STREAM load on the destination QEMU 7.2? Simulates the destination's load section by"
                + " section and prints the first failure with the exact text QEMU prints.",
            "Without STREAM and with two --schema files: compare a source and a destination -dump-vmstate schema."})
final class CheckCommand implements Callable<Integer> {

    @Parameters(paramLabel = "STREAM", arity = "0..1", description = "a migration stream in any saved form (raw, compressed, libvirt save image, qcow2 snapshot, embedded)")
    Path file;

    @Option(names = "--schema", paramLabel = "DUMP_VMSTATE.json",
            description = "with STREAM: the destination's -dump-vmstate file (default: the bundled 7.2 schema of the"
                    + " destination's machine type); without STREAM: give two, the source's then the destination's")
    List<Path> schemas = new ArrayList<>();

    @Option(names = "--dest", paramLabel = "STREAM",
            description = "a stream saved by a VM started with the destination's exact configuration: its sections"
                    + " and RAMBlocks are the destination's instances")
    Path dest;

    @Option(names = "--dest-device", paramLabel = "QOMTYPE",
            description = "a device the destination has besides the default VM of its machine type (repeatable)")
    List<String> destDevices = new ArrayList<>();

    @Option(names = "--dest-mem", paramLabel = "SIZE",
            description = "the destination's -m (e.g. 64M, 1G); default: 64M of the bundled default VM")
    String destMem;

    @Option(names = "--json", description = "print JSON")
    boolean json;

    @Option(names = {"-v", "--verbose"}, description = "also print info findings")
    boolean verbose;

    @picocli.CommandLine.Mixin
    LimitOptions limitOptions = new LimitOptions();

    @picocli.CommandLine.Mixin
    SnapshotOption snapshotOption = new SnapshotOption();

    @Override
    public Integer call() {
        if (file == null) {
            if (schemas.size() != 2 || dest != null || !destDevices.isEmpty() || destMem != null) {
                System.err.println("qmig check: give STREAM, or exactly two --schema files (source, destination)");
                return Qmig.EXIT_USAGE;
            }
            return compareSchemas();
        }
        if (schemas.size() > 1) {
            System.err.println("qmig check: with STREAM give at most one --schema (the destination's)");
            return Qmig.EXIT_USAGE;
        }
        if (dest != null && (!destDevices.isEmpty() || destMem != null)) {
            System.err.println("qmig check: --dest already fixes the destination's devices and memory;"
                    + " --dest-device and --dest-mem apply to the bundled default VM");
            return Qmig.EXIT_USAGE;
        }
        long mem = -1;
        ReaderOptions options;
        try {
            if (destMem != null) {
                mem = parseSize(destMem);
            }
            options = ReaderOptions.defaults().withPages(PageSink.NONE, false)
                    .withLimits(limitOptions.apply(Limits.DEFAULT));
        } catch (IllegalArgumentException e) {
            System.err.println("qmig check: " + e.getMessage());
            return Qmig.EXIT_USAGE;
        }
        Path current = file;
        try {
            MigrationStream src = read(file, options, snapshotOption.snapshot);
            DumpVmstateSchema schema;
            String schemaLabel;
            Destination d;
            MigrationStream destStream = null;
            if (dest != null) {
                current = dest;
                destStream = read(dest, options, null);
                current = file;
            }
            String machine = machineOf(destStream != null ? destStream : src);
            if (!schemas.isEmpty()) {
                current = schemas.get(0);
                schema = readSchema(schemas.get(0));
                schemaLabel = schemas.get(0).toString();
                current = file;
                if (schema.machine() != null) {
                    machine = schema.machine();
                }
            } else {
                schema = machine == null ? null : DumpVmstateSchema.bundled(machine);
                schemaLabel = schema == null ? "none" : "bundled " + schema.machine();
            }
            if (destStream != null) {
                d = Destination.fromStream(destStream, schema, "the stream " + dest);
            } else {
                d = machine == null ? null : Destination.bundled(machine, schema);
                if (d == null) {
                    System.err.println("qmig check: no bundled default VM for machine type '" + machine
                            + "' (pc-q35-7.2 and pc-i440fx-7.2 are bundled): give --dest STREAM");
                    return Qmig.EXIT_USAGE;
                }
                for (String t : destDevices) {
                    if (schema == null) {
                        System.err.println("qmig check: --dest-device needs a schema");
                        return Qmig.EXIT_USAGE;
                    }
                    try {
                        d = d.withDevice(t, schema);
                    } catch (IllegalArgumentException e) {
                        System.err.println("qmig check: " + e.getMessage());
                        return Qmig.EXIT_USAGE;
                    }
                }
                if (mem >= 0) {
                    d = d.withRamSize(mem);
                }
            }
            LoadReport r = LoadCheck.check(src, d, schema);
            PrintWriter out = new PrintWriter(new BufferedWriter(
                    new OutputStreamWriter(System.out, StandardCharsets.UTF_8), 1 << 16));
            if (json) {
                printJson(out, r, schemaLabel);
            } else {
                printText(out, r, schemaLabel);
            }
            out.flush();
            return r.loads() ? 0 : 1;
        } catch (IOException e) {
            return StreamInput.fail(current, e);
        }
    }

    private static MigrationStream read(Path p, ReaderOptions options, String snapshot) throws IOException {
        try (StreamInput in = new StreamInput(p, options, snapshot)) {
            return MigrationStream.readAll(in.reader);
        }
    }

    private static String machineOf(MigrationStream s) {
        for (StreamRecord r : s.records()) {
            if (r instanceof StreamRecord.Configuration c) {
                return c.machineType();
            }
        }
        return null;
    }

    DumpVmstateSchema readSchema(Path p) throws IOException {
        return Inputs.readSchema(p, limitOptions.apply(Limits.DEFAULT));
    }

    /** {@code 64M}, {@code 1G}, {@code 512K} or bytes; QEMU's {@code -m} default unit is MiB. */
    static long parseSize(String s) {
        String t = s.trim().toUpperCase(Locale.ROOT);
        long mul = 1L << 20;
        if (t.endsWith("B")) {
            t = t.substring(0, t.length() - 1);
            mul = 1;
        }
        if (t.endsWith("K")) {
            mul = 1L << 10;
        } else if (t.endsWith("M")) {
            mul = 1L << 20;
        } else if (t.endsWith("G")) {
            mul = 1L << 30;
        } else if (t.endsWith("T")) {
            mul = 1L << 40;
        }
        if (Character.isLetter(t.charAt(t.length() - 1))) {
            t = t.substring(0, t.length() - 1);
        }
        try {
            long v = Long.parseLong(t);
            if (v <= 0) {
                throw new NumberFormatException();
            }
            return Math.multiplyExact(v, mul);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("bad size '" + s + "' (e.g. 64M, 1G)");
        }
    }

    private void printText(PrintWriter out, LoadReport r, String schemaLabel) {
        out.printf("%s into %s%n", file, r.machine());
        out.println("destination instances from " + r.destinationFrom());
        out.println("destination schema: " + schemaLabel);
        out.printf("%-12s %-13s %-40s %7s  %-12s %s%n", "OFFSET", "KIND", "IDSTR/INSTANCE", "VERSION", "DESTINATION",
                "STATUS");
        for (LoadReport.SectionResult s : r.sections()) {
            String id = s.idstr() == null ? "" : s.instance() >= 0 ? s.idstr() + "/" + s.instance() : s.idstr();
            out.printf("%-12s %-13s %-40s %7s  %-12s %s%n", s.offset() >= 0 ? String.format("0x%08x", s.offset()) : "-",
                    s.kind(), id, s.version() >= 0 ? Integer.toString(s.version()) : "", s.dest() == null ? "" : s.dest(),
                    s.status());
        }
        List<Finding> shown = r.findings().stream().filter(f -> verbose || f.severity() != Severity.INFO).toList();
        if (!shown.isEmpty()) {
            out.println();
            out.println("findings:");
            for (Finding f : shown) {
                out.println("  " + f);
            }
        }
        out.println();
        if (r.loads()) {
            out.println("verdict: loads");
        } else {
            out.println("verdict: would fail");
            out.println(r.exact() ? "QEMU 7.2 prints:" : "QEMU 7.2 most likely prints (the destination misreads"
                    + " bytes, so the text depends on them):");
            for (String l : r.qemuErrors()) {
                out.println("  " + LoadReport.QEMU_PREFIX + l);
            }
        }
    }

    private void printJson(PrintWriter out, LoadReport r, String schemaLabel) {
        List<JsonValue> secs = new ArrayList<>();
        for (LoadReport.SectionResult s : r.sections()) {
            secs.add(JObject.of("offset", s.offset(), "kind", s.kind(), "idstr", s.idstr(),
                    "instance_id", s.instance() >= 0 ? s.instance() : null, "version_id", s.version() >= 0 ? s.version() : null,
                    "destination", s.dest(), "status", s.status()));
        }
        List<String> lines = new ArrayList<>();
        for (String l : r.qemuErrors()) {
            lines.add(LoadReport.QEMU_PREFIX + l);
        }
        JObject o = JObject.of("stream", file.toString(),
                "destination", JObject.of("machine", r.machine(), "instances_from", r.destinationFrom(),
                        "schema", schemaLabel),
                "sections", secs, "findings", findings(r.findings()),
                "verdict", r.loads() ? "loads" : "would fail", "exact", r.exact(), "qemu_errors", new ArrayList<>(lines));
        out.println(Json.toQemuString(o));
    }

    private static List<JsonValue> findings(List<Finding> fs) {
        List<JsonValue> out = new ArrayList<>();
        for (Finding f : fs) {
            out.add(JObject.of("severity", f.severity().label(), "path", f.path(), "message", f.message()));
        }
        return out;
    }

    private int compareSchemas() {
        Path current = schemas.get(0);
        try {
            DumpVmstateSchema s = readSchema(schemas.get(0));
            current = schemas.get(1);
            DumpVmstateSchema d = readSchema(schemas.get(1));
            List<Finding> fs = SchemaCompare.compare(s, d);
            boolean ok = SchemaCompare.compatible(fs);
            PrintWriter out = new PrintWriter(new BufferedWriter(
                    new OutputStreamWriter(System.out, StandardCharsets.UTF_8), 1 << 16));
            if (json) {
                out.println(Json.toQemuString(JObject.of("source", schemas.get(0).toString(),
                        "destination", schemas.get(1).toString(), "findings", findings(fs),
                        "verdict", ok ? "compatible" : "incompatible")));
            } else {
                out.printf("%s (%s) -> %s (%s)%n", schemas.get(0), s.machine(), schemas.get(1), d.machine());
                for (Finding f : fs) {
                    if (verbose || f.severity() != Severity.INFO) {
                        out.println("  " + f);
                    }
                }
                long infos = fs.stream().filter(f -> f.severity() == Severity.INFO).count();
                if (!verbose && infos > 0) {
                    out.println("  (" + infos + " info finding(s), shown with -v)");
                }
                out.println("verdict: " + (ok ? "compatible" : "incompatible"));
            }
            out.flush();
            return ok ? 0 : 1;
        } catch (IllegalArgumentException e) {
            System.err.println("qmig check: " + e.getMessage());
            return Qmig.EXIT_USAGE;
        } catch (StreamFormatException e) {
            System.err.println("qmig check: " + current + ": " + LimitOptions.describe(e));
            return Qmig.EXIT_BAD_STREAM;
        } catch (IOException e) {
            return StreamInput.fail(current, e);
        }
    }
}
