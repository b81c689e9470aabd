package qmig.tools.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import qmig.stream.diff.StreamDiff;
import qmig.stream.diff.StreamDiff.BlockDiff;
import qmig.stream.diff.StreamDiff.FieldDiff;
import qmig.stream.diff.StreamDiff.PageRange;
import qmig.stream.diff.StreamDiff.SectionRef;
import qmig.stream.diff.StreamDiffer;
import qmig.stream.grammar.ReaderOptions;
import qmig.stream.json.Json;
import qmig.stream.json.JsonValue;
import qmig.stream.json.JsonValue.JArray;
import qmig.stream.json.JsonValue.JBool;
import qmig.stream.json.JsonValue.JNull;
import qmig.stream.json.JsonValue.JObject;
import qmig.stream.json.JsonValue.JString;
import qmig.stream.json.JsonValue.Member;
import qmig.stream.memory.MemoryOptions;
import qmig.stream.vmstate.VmStateValue;
import qmig.stream.wire.Limits;
import qmig.tools.diff.IommuDiff;
import qmig.viommu.report.VtdReport;
import qmig.viommu.vtd.VtdException;
import qmig.viommu.vtd.state.IntelIommuState;

/**
 * {@code qmig diff A B [--json] [--max-items N]}: what differs between two streams, in the order
 * header, configuration, section lists, first differing field per common section, RAM by block,
 * vIOMMU. Exit 0 when equal, 1 when different, 2 for a malformed stream, 3 for an unreadable
 * file, 64 for a bad option.
 */
@Command(name = "diff", mixinStandardHelpOptions = true,
        description = "Compare two migration streams: header, configuration, section lists, the first differing"
                + " field of each common section (with both byte offsets), RAM page ranges by block, and the vIOMMU"
                + " registers and replayed mappings. Exit 0 when equal, 1 when different.")
final class DiffCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "A", description = "a migration stream in any saved form (raw, compressed, libvirt save image, qcow2 snapshot, embedded)")
    Path a;

    @Parameters(index = "1", paramLabel = "B", description = "the stream to compare A with")
    Path b;

    @picocli.CommandLine.Mixin
    LimitOptions limitOptions = new LimitOptions();

    @Option(names = "--snapshot-a", paramLabel = "ID|NAME", description = "when A is a qcow2 image: its snapshot to read")
    String snapshotA;

    @Option(names = "--snapshot-b", paramLabel = "ID|NAME", description = "when B is a qcow2 image: its snapshot to read")
    String snapshotB;

    @Option(names = "--json", description = "print JSON (layout documented in the README)")
    boolean json;

    @Option(names = "--max-items", paramLabel = "N", defaultValue = "20",
            description = "list at most N items per list (page ranges, sections, mappings); all are counted (default 20)")
    int maxItems;

    @Override
    public Integer call() {
        ReaderOptions options;
        try {
            if (maxItems < 0) {
                throw new IllegalArgumentException("--max-items must be 0 or more, not " + maxItems);
            }
            options = ReaderOptions.defaults().withLimits(limitOptions.apply(Limits.DEFAULT));
        } catch (IllegalArgumentException e) {
            System.err.println("qmig: " + e.getMessage());
            return Qmig.EXIT_USAGE;
        }
        // B is read on a second thread while A is read here: the two sides share nothing
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "qmig-diff-b");
            t.setDaemon(true);
            return t;
        });
        StreamDiffer.Side sa;
        StreamDiffer.Side sb;
        try {
            java.util.concurrent.Future<StreamDiffer.Side> fb = pool.submit(
                    () -> StreamDiffer.read(source(b, snapshotB), options, MemoryOptions.DEFAULT_MAX_GUEST_BYTES));
            try {
                sa = StreamDiffer.read(source(a, snapshotA), options, MemoryOptions.DEFAULT_MAX_GUEST_BYTES);
            } catch (IOException e) {
                fb.cancel(true);
                return StreamInput.fail(a, e);
            }
            try {
                sb = fb.get();
            } catch (java.util.concurrent.ExecutionException e) {
                if (e.getCause() instanceof IOException io) {
                    return StreamInput.fail(b, io);
                }
                throw new IllegalStateException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Qmig.EXIT_IO;
            }
        } finally {
            pool.shutdownNow();
        }
        StreamDiff d = StreamDiffer.diff(sa, sb, maxItems);
        IommuDiff iommu = null;
        boolean ia = IntelIommuState.find(sa.stream()) != null;
        boolean ib = IntelIommuState.find(sb.stream()) != null;
        sa = null;
        sb = null; // the records are no longer needed while the vIOMMUs load
        if (ia || ib) {
            Path at = a;
            try {
                VtdReport ra = ia ? VtdReport.of(IommuCommands.load(a, snapshotA), true) : null;
                at = b;
                VtdReport rb = ib ? VtdReport.of(IommuCommands.load(b, snapshotB), true) : null;
                iommu = IommuDiff.of(ra, rb, maxItems);
            } catch (IOException | VtdException e) {
                return IommuCommands.fail(at, e);
            }
        }
        boolean equal = d.equal() && (iommu == null || !iommu.differs());
        PrintWriter out = new PrintWriter(new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8),
                1 << 16));
        if (json) {
            out.println(Json.toQemuString(json(d, iommu, equal)));
        } else {
            text(out, d, iommu, equal);
        }
        out.flush();
        return equal ? 0 : 1;
    }

    private static StreamDiffer.StreamSource source(Path file, String snapshot) {
        return (o, use) -> {
            try (StreamInput in = new StreamInput(file, o, snapshot)) {
                use.accept(in.reader);
            }
        };
    }

    // ---- text ---------------------------------------------------------------------------------

    private void text(PrintWriter out, StreamDiff d, IommuDiff iommu, boolean equal) {
        out.printf("A: %s%nB: %s%n", a, b);
        StreamDiff.HeaderDiff h = d.header();
        if (h.differs()) {
            out.printf("header: version %d vs %d, section footers %s vs %s, %s vs %s%n", h.versionA(), h.versionB(),
                    onOff(h.footersA()), onOff(h.footersB()), h.completeA() ? "complete" : "incomplete",
                    h.completeB() ? "complete" : "incomplete");
        } else {
            out.printf("header: equal (version %d)%n", h.versionA());
        }
        StreamDiff.ConfigDiff c = d.config();
        if (c.machineDiffers()) {
            out.printf("configuration: machine %s vs %s%n", orNone(c.machineA()), orNone(c.machineB()));
        } else {
            out.printf("configuration: machine %s%s%n", orNone(c.machineA()), c.fields().isEmpty() ? "" : ", fields differ");
        }
        limited(out, c.fields(), f -> "  " + f.path() + ": " + value(f.a()) + " vs " + value(f.b()) + offsets(f));
        StreamDiff.SectionListDiff s = d.sections();
        out.printf("sections: %d in A, %d in B%s%n", s.countA(), s.countB(), s.differs() ? "" : ", same list");
        list(out, "missing in B", s.missingInB(), DiffCommand::ref);
        list(out, "extra in B", s.extraInB(), DiffCommand::ref);
        list(out, "reordered", s.reordered(), m -> m.a().key() + " (#" + m.indexA() + " in A, #" + m.indexB() + " in B)");
        list(out, "version changed", s.versionChanged(),
                v -> v.a().key() + " " + v.a().version() + " -> " + v.b().version());
        out.printf("fields: %s%n", d.fields().isEmpty() ? "every common section is equal"
                : d.fields().size() + (d.fields().size() == 1 ? " section differs" : " sections differ"));
        limited(out, d.fields(), f -> "  " + f.section() + " " + f.path() + ": " + value(f.a()) + " vs " + value(f.b())
                + offsets(f) + (f.further() > 0 ? " (+" + f.further() + " more)" : ""));
        out.printf("ram: %s%n", d.ram().isEmpty() ? "equal" : d.ram().size() + (d.ram().size() == 1 ? " block differs" : " blocks differ"));
        for (BlockDiff bd : d.ram()) {
            out.println("  " + block(bd));
            List<String> rs = new ArrayList<>();
            for (PageRange r : bd.ranges()) {
                rs.add(r.pages() == 1 ? String.format("0x%x", r.offset()) : String.format("0x%x-0x%x", r.offset(), r.end() - 1));
            }
            if (!rs.isEmpty()) {
                out.println("    " + String.join(" ", rs) + (bd.runs() > rs.size() ? " ... (" + bd.runs() + " ranges)" : ""));
            }
        }
        if (iommu != null) {
            iommuText(out, iommu);
        }
        out.println(equal ? "equal" : "different");
    }

    private void iommuText(PrintWriter out, IommuDiff i) {
        if (i.presentA() != i.presentB()) {
            out.printf("viommu: iommu-intel only in %s%n", i.presentA() ? "A" : "B");
        } else {
            out.printf("viommu: %s%n", i.differs() ? i.registers().size() + " registers, " + i.devices().size()
                    + " devices differ" : "equal");
        }
        limited(out, i.registers(), r -> String.format("  %s 0x%x vs 0x%x", r.name(), r.a(), r.b()));
        limited(out, i.devices(), dd -> {
            StringBuilder sb = new StringBuilder(String.format("  %s: %d vs %d mappings, %d added, %d removed, %d changed",
                    dd.bdf(), dd.mappingsA(), dd.mappingsB(), dd.addedCount(), dd.removedCount(), dd.changedCount()));
            if (!java.util.Objects.equals(dd.contextA(), dd.contextB())) {
                sb.append(String.format("%n    context %s vs %s", orNone(dd.contextA()), orNone(dd.contextB())));
            }
            for (IommuDiff.Mapping m : dd.added()) {
                sb.append("\n    + ").append(mapping(m));
            }
            for (IommuDiff.Mapping m : dd.removed()) {
                sb.append("\n    - ").append(mapping(m));
            }
            for (IommuDiff.MappingChange m : dd.changed()) {
                sb.append("\n    ~ ").append(mapping(m.a())).append(" => ").append(mapping(m.b()));
            }
            return sb.toString();
        });
    }

    private <T> void list(PrintWriter out, String what, List<T> items, java.util.function.Function<T, String> f) {
        if (items.isEmpty()) {
            return;
        }
        List<String> s = new ArrayList<>();
        for (int i = 0; i < Math.min(items.size(), maxItems); i++) {
            s.add(f.apply(items.get(i)));
        }
        out.println("  " + what + " (" + items.size() + "): " + String.join(", ", s)
                + (items.size() > maxItems ? ", ..." : ""));
    }

    private <T> void limited(PrintWriter out, List<T> items, java.util.function.Function<T, String> f) {
        for (int i = 0; i < Math.min(items.size(), maxItems); i++) {
            out.println(f.apply(items.get(i)));
        }
        if (items.size() > maxItems) {
            out.println("  ... " + (items.size() - maxItems) + " more");
        }
    }

    private static String ref(SectionRef r) {
        return r.key() + " (section " + r.sectionId() + ", version " + r.version() + ")";
    }

    private static String block(BlockDiff bd) {
        if (bd.lengthA() < 0 || bd.lengthB() < 0) {
            return String.format("%s: only in %s (used_length 0x%x)", bd.idstr(), bd.lengthA() < 0 ? "B" : "A",
                    Math.max(bd.lengthA(), bd.lengthB()));
        }
        String size = bd.lengthA() == bd.lengthB() ? "" : String.format(", used_length 0x%x vs 0x%x", bd.lengthA(), bd.lengthB());
        return String.format("%s: %d %s in %d range%s%s", bd.idstr(), bd.differingPages(),
                bd.differingPages() == 1 ? "page differs" : "pages differ", bd.runs(), bd.runs() == 1 ? "" : "s", size);
    }

    private static String mapping(IommuDiff.Mapping m) {
        return String.format("iova 0x%x -> gpa 0x%x size 0x%x %s", m.iova(), m.gpa(), m.size(), m.perm());
    }

    private static String offsets(FieldDiff f) {
        return " (at " + off(f.offsetA()) + " in A, " + off(f.offsetB()) + " in B)";
    }

    private static String off(long o) {
        return o < 0 ? "-" : String.format("0x%x", o);
    }

    private static String value(VmStateValue v) {
        if (v == null) {
            return "(absent)";
        } else if (v instanceof VmStateValue.Int i) {
            String dec = i.signed() ? Long.toString(i.value()) : Long.toUnsignedString(i.value());
            return dec + String.format(" (0x%x)", i.signed() && i.value() < 0 ? i.value() & mask(i.width()) : i.value());
        } else if (v instanceof VmStateValue.Bytes bs) {
            byte[] data = bs.data();
            String hex = HexFormat.of().formatHex(data, 0, Math.min(32, data.length));
            return "[" + data.length + " bytes " + hex + (data.length > 32 ? "..." : "") + "]";
        } else if (v instanceof VmStateValue.Bool bo) {
            return Boolean.toString(bo.value());
        } else if (v instanceof VmStateValue.NullMarker) {
            return "NULL";
        }
        return String.valueOf(v);
    }

    private static long mask(int width) {
        return width == 8 ? -1L : (1L << (8 * width)) - 1;
    }

    private static String onOff(boolean b) {
        return b ? "on" : "off";
    }

    private static String orNone(String s) {
        return s == null ? "(none)" : s;
    }

    // ---- JSON ---------------------------------------------------------------------------------

    private JsonValue json(StreamDiff d, IommuDiff iommu, boolean equal) {
        List<Member> m = new ArrayList<>();
        m.add(new Member("a", new JString(a.toString())));
        m.add(new Member("b", new JString(b.toString())));
        m.add(new Member("equal", new JBool(equal)));
        StreamDiff.HeaderDiff h = d.header();
        m.add(new Member("header", obj("differs", new JBool(h.differs()), "version", pair(num(h.versionA()), num(h.versionB())),
                "footers", pair(new JBool(h.footersA()), new JBool(h.footersB())),
                "complete", pair(new JBool(h.completeA()), new JBool(h.completeB())))));
        StreamDiff.ConfigDiff c = d.config();
        m.add(new Member("configuration", obj("differs", new JBool(c.differs()),
                "machine", pair(str(c.machineA()), str(c.machineB())), "fields", fieldsJson(c.fields()))));
        StreamDiff.SectionListDiff s = d.sections();
        List<JsonValue> moved = new ArrayList<>();
        for (StreamDiff.Moved mv : s.reordered()) {
            moved.add(obj("key", new JString(mv.a().key()), "index", pair(num(mv.indexA()), num(mv.indexB()))));
        }
        List<JsonValue> versions = new ArrayList<>();
        for (StreamDiff.VersionChange v : s.versionChanged()) {
            versions.add(obj("key", new JString(v.a().key()), "version", pair(num(v.a().version()), num(v.b().version()))));
        }
        m.add(new Member("sections", obj("differs", new JBool(s.differs()), "count", pair(num(s.countA()), num(s.countB())),
                "missing_in_b", refs(s.missingInB()), "extra_in_b", refs(s.extraInB()), "reordered", new JArray(moved),
                "version_changed", new JArray(versions))));
        m.add(new Member("fields", fieldsJson(d.fields())));
        List<JsonValue> ram = new ArrayList<>();
        for (BlockDiff bd : d.ram()) {
            List<JsonValue> ranges = new ArrayList<>();
            for (PageRange r : bd.ranges()) {
                ranges.add(obj("offset", num(r.offset()), "end", num(r.end()), "pages", num(r.pages())));
            }
            ram.add(obj("block", new JString(bd.idstr()), "used_length", pair(len(bd.lengthA()), len(bd.lengthB())),
                    "differing_pages", num(bd.differingPages()), "range_count", num(bd.runs()), "ranges", new JArray(ranges)));
        }
        m.add(new Member("ram", new JArray(ram)));
        m.add(new Member("iommu", iommu == null ? new JNull() : iommuJson(iommu)));
        return new JObject(m);
    }

    private static JsonValue iommuJson(IommuDiff i) {
        List<JsonValue> regs = new ArrayList<>();
        for (IommuDiff.RegisterChange r : i.registers()) {
            regs.add(obj("name", new JString(r.name()), "a", hex(r.a()), "b", hex(r.b())));
        }
        List<JsonValue> devs = new ArrayList<>();
        for (IommuDiff.DeviceDiff dd : i.devices()) {
            List<JsonValue> changed = new ArrayList<>();
            for (IommuDiff.MappingChange mc : dd.changed()) {
                changed.add(pair(mappingJson(mc.a()), mappingJson(mc.b())));
            }
            devs.add(obj("bdf", new JString(dd.bdf()), "context", pair(str(dd.contextA()), str(dd.contextB())),
                    "mappings", pair(num(dd.mappingsA()), num(dd.mappingsB())),
                    "added_count", num(dd.addedCount()), "removed_count", num(dd.removedCount()),
                    "changed_count", num(dd.changedCount()), "added", mappings(dd.added()), "removed", mappings(dd.removed()),
                    "changed", new JArray(changed)));
        }
        return obj("differs", new JBool(i.differs()), "present", pair(new JBool(i.presentA()), new JBool(i.presentB())),
                "registers", new JArray(regs), "devices", new JArray(devs));
    }

    private static JsonValue mappings(List<IommuDiff.Mapping> l) {
        List<JsonValue> out = new ArrayList<>();
        for (IommuDiff.Mapping m : l) {
            out.add(mappingJson(m));
        }
        return new JArray(out);
    }

    private static JsonValue mappingJson(IommuDiff.Mapping m) {
        return obj("iova", hex(m.iova()), "gpa", hex(m.gpa()), "size", num(m.size()), "perm", new JString(m.perm()));
    }

    private static JsonValue fieldsJson(List<FieldDiff> fields) {
        List<JsonValue> out = new ArrayList<>();
        for (FieldDiff f : fields) {
            out.add(obj("section", new JString(f.section()), "path", new JString(f.path()),
                    "a", f.a() == null ? new JNull() : DumpCommand.valueJson(f.a()),
                    "b", f.b() == null ? new JNull() : DumpCommand.valueJson(f.b()),
                    "offset", pair(len(f.offsetA()), len(f.offsetB())), "further", num(f.further())));
        }
        return new JArray(out);
    }

    private static JsonValue refs(List<SectionRef> refs) {
        List<JsonValue> out = new ArrayList<>();
        for (SectionRef r : refs) {
            out.add(obj("idstr", new JString(r.idstr()), "instance", num(r.instance()), "section_id", num(r.sectionId()),
                    "version", num(r.version()), "offset", num(r.offset())));
        }
        return new JArray(out);
    }

    private static JsonValue obj(Object... kv) {
        List<Member> m = new ArrayList<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.add(new Member((String) kv[i], (JsonValue) kv[i + 1]));
        }
        return new JObject(m);
    }

    private static JsonValue pair(JsonValue x, JsonValue y) {
        return new JArray(List.of(x, y));
    }

    private static JsonValue num(long v) {
        return DumpCommand.num(v);
    }

    /** A length or offset, null when absent (-1). */
    private static JsonValue len(long v) {
        return v < 0 ? new JNull() : num(v);
    }

    private static JsonValue str(String s) {
        return s == null ? new JNull() : new JString(s);
    }

    private static JsonValue hex(long v) {
        return new JString("0x" + Long.toHexString(v));
    }
}
