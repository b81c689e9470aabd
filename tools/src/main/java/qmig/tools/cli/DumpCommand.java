package qmig.tools.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import qmig.stream.grammar.MigrationStream;
import qmig.stream.grammar.OpaquePayload;
import qmig.stream.grammar.RamPayload;
import qmig.stream.grammar.ReaderOptions;
import qmig.stream.grammar.SectionHeader;
import qmig.stream.grammar.SectionPayload;
import qmig.stream.grammar.StreamRecord;
import qmig.stream.grammar.VmStatePayload;
import qmig.stream.json.Json;
import qmig.stream.json.JsonValue;
import qmig.stream.json.JsonValue.JArray;
import qmig.stream.json.JsonValue.JBool;
import qmig.stream.json.JsonValue.JNull;
import qmig.stream.json.JsonValue.JNumber;
import qmig.stream.json.JsonValue.JObject;
import qmig.stream.json.JsonValue.JString;
import qmig.stream.json.JsonValue.Member;
import qmig.stream.ram.BlockInfo;
import qmig.stream.ram.PageSink;
import qmig.stream.ram.RamRecord;
import qmig.stream.vmdesc.DumpVmstateSchema;
import qmig.stream.vmstate.VmStateValue;
import qmig.stream.wire.Limits;

/**
 * {@code qmig dump FILE [--json] [--schema DUMP_VMSTATE.json]}: every record with its decoded
 * fields. RAM sections are summarised (record and page counts, the block list); page contents
 * are not printed.
 */
@Command(name = "dump", mixinStandardHelpOptions = true,
        description = "Decode every section of a migration stream and print its fields (text, or JSON with --json).")
final class DumpCommand implements Callable<Integer> {

    @Parameters(paramLabel = "FILE", description = "a migration stream in any saved form (raw, compressed, libvirt"
            + " save image, qcow2 snapshot, embedded)")
    Path file;

    @picocli.CommandLine.Mixin
    LimitOptions limitOptions = new LimitOptions();

    @picocli.CommandLine.Mixin
    SnapshotOption snapshotOption = new SnapshotOption();

    @Option(names = "--json", description = "print JSON (layout documented in the README)")
    boolean json;

    @Option(names = "--schema", paramLabel = "DUMP_VMSTATE.json",
            description = "a -dump-vmstate file of the source QEMU, for streams without a VMDESCRIPTION trailer")
    Path schema;

    @Option(names = "--paths", description = "print one line per field, PATH = VALUE, PATH as `qmig rewrite --set` takes it")
    boolean paths;

    @Option(names = "--no-bundled-schema", description = "do not fall back to the bundled QEMU 7.2 schema")
    boolean noBundled;

    @Override
    public Integer call() {
        ReaderOptions options;
        try {
            options = ReaderOptions.defaults().withPages(PageSink.NONE, false)
                    .withBundledSchema(!noBundled).withLimits(limitOptions.apply(Limits.DEFAULT));
        } catch (IllegalArgumentException e) {
            System.err.println("qmig: " + e.getMessage());
            return Qmig.EXIT_USAGE;
        }
        try {
            if (schema != null) {
                options = options.withSchema(Inputs.readSchema(schema, options.limits()));
            }
            MigrationStream s;
            qmig.stream.wire.StreamFormatException error;
            try (StreamInput in = new StreamInput(file, options, snapshotOption.snapshot)) {
                MigrationStream.Partial partial = MigrationStream.readPartial(in.reader);
                s = partial.stream();
                error = partial.error();
            }
            PrintWriter out = new PrintWriter(new BufferedWriter(
                    new OutputStreamWriter(System.out, StandardCharsets.UTF_8), 1 << 16));
            if (json) {
                printJson(out, s, error);
            } else if (paths) {
                printPaths(out, s.records());
            } else {
                printText(out, s);
                if (error != null) {
                    out.printf("%n0x%08x %s: %s%n", error.offset(), error.getClass().getSimpleName(),
                            LimitOptions.describe(error));
                }
            }
            out.flush();
            if (error != null) {
                // the records before the error were printed; the error itself goes to stderr as for every command
                return StreamInput.fail(file, error);
            }
            for (StreamRecord.Section u : s.undecodedSections()) {
                System.err.printf("qmig: %s: section %d '%s'/%s at 0x%x not decoded: %s%n", file, u.header().unsignedId(),
                        u.header().idstr(), Integer.toUnsignedString(u.header().instanceId()), u.offset(),
                        ((OpaquePayload) u.payload()).reason());
            }
            return s.undecodedSections().isEmpty() ? 0 : 1;
        } catch (IOException e) {
            return StreamInput.fail(file, e);
        }
    }

    // ---- JSON ------------------------------------------------------------------------------

    private void printJson(PrintWriter out, MigrationStream s, qmig.stream.wire.StreamFormatException error) {
        out.print("{\"file\": ");
        out.print(Json.toQemuString(new JString(file.toString())));
        out.print(", \"version\": " + s.header().version());
        out.print(", \"footers\": " + s.footers());
        out.print(", \"complete\": " + s.complete());
        out.println(", \"records\": [");
        List<StreamRecord> rs = s.records();
        for (int i = 0; i < rs.size(); i++) {
            out.print(Json.toQemuString(recordJson(rs.get(i))));
            out.println(i + 1 < rs.size() ? "," : "");
        }
        if (error == null) {
            out.println("]}");
        } else {
            out.print("], \"error\": ");
            out.print(Json.toQemuString(new JObject(List.of(
                    new Member("kind", new JString(error.getClass().getSimpleName())),
                    new Member("offset", num(error.offset())), new Member("message", new JString(error.getMessage()))))));
            out.println("}");
        }
    }

    static JsonValue recordJson(StreamRecord r) {
        List<Member> m = new ArrayList<>();
        m.add(new Member("offset", num(r.offset())));
        if (r instanceof StreamRecord.Configuration c) {
            m.add(new Member("kind", new JString("configuration")));
            m.add(new Member("machine", new JString(c.machineType())));
            m.add(new Member("fields", structJson(c.payload().value())));
        } else if (r instanceof StreamRecord.Section sec) {
            SectionHeader h = sec.header();
            m.add(new Member("kind", new JString(h.type().name().replace("SECTION_", "").toLowerCase())));
            m.add(new Member("section_id", num(h.unsignedId())));
            m.add(new Member("idstr", new JString(h.idstr())));
            m.add(new Member("instance_id", num(Integer.toUnsignedLong(h.instanceId()))));
            m.add(new Member("version_id", num(h.versionId())));
            payloadJson(sec.payload(), m);
        } else if (r instanceof StreamRecord.Command c) {
            m.add(new Member("kind", new JString("command")));
            m.add(new Member("command", new JString(c.type() == null ? "cmd " + c.code() : c.type().name())));
            m.add(new Member("data", new JString(HexFormat.of().formatHex(c.data()))));
            if (!c.packaged().isEmpty()) {
                List<JsonValue> nested = new ArrayList<>();
                for (StreamRecord p : c.packaged()) {
                    nested.add(recordJson(p));
                }
                m.add(new Member("packaged", new JArray(nested)));
            }
        } else if (r instanceof StreamRecord.Eof) {
            m.add(new Member("kind", new JString("eof")));
        } else if (r instanceof StreamRecord.VmDescription d) {
            m.add(new Member("kind", new JString("vmdescription")));
            m.add(new Member("json_length", num(Json.writeQemu(d.json()).length)));
        }
        return new JObject(m);
    }

    static void payloadJson(SectionPayload p, List<Member> m) {
        if (p instanceof VmStatePayload v) {
            m.add(new Member("vmsd", new JString(v.description().name())));
            m.add(new Member("description", new JString(v.origin().name().toLowerCase().replace('_', '-'))));
            m.add(new Member("fields", structJson(v.value())));
        } else if (p instanceof RamPayload rp) {
            m.add(new Member("ram", ramJson(rp)));
        } else if (p instanceof OpaquePayload o) {
            m.add(new Member("undecoded", new JString(o.reason())));
            m.add(new Member("bytes", new JString(HexFormat.of().formatHex(o.bytes()))));
        }
    }

    static JsonValue ramJson(RamPayload rp) {
        long pages = 0;
        long zero = 0;
        long xbzrle = 0;
        long compressed = 0;
        List<JsonValue> blocks = new ArrayList<>();
        for (RamRecord r : rp.records()) {
            if (r instanceof RamRecord.Page) {
                pages++;
            } else if (r instanceof RamRecord.Zero) {
                zero++;
            } else if (r instanceof RamRecord.Xbzrle) {
                xbzrle++;
            } else if (r instanceof RamRecord.CompressedPage) {
                compressed++;
            } else if (r instanceof RamRecord.MemSize ms) {
                for (BlockInfo b : ms.blocks()) {
                    blocks.add(new JObject(List.of(new Member("idstr", new JString(b.idstr())),
                            new Member("used_length", num(b.usedLength())))));
                }
            }
        }
        List<Member> m = new ArrayList<>();
        m.add(new Member("records", num(rp.records().size())));
        if (!blocks.isEmpty()) {
            m.add(new Member("mem_size", new JArray(blocks)));
        }
        m.add(new Member("pages", num(pages)));
        m.add(new Member("zero_pages", num(zero)));
        m.add(new Member("xbzrle_pages", num(xbzrle)));
        m.add(new Member("compressed_pages", num(compressed)));
        return new JObject(m);
    }

    /** A struct as an object; a name that repeats gets QEMU's {@code [k]} suffix from its second use. */
    static JsonValue structJson(VmStateValue.Struct s) {
        List<Member> m = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (VmStateValue.Entry e : s.fields()) {
            int k = seen.merge(e.name(), 1, Integer::sum) - 1;
            m.add(new Member(k == 0 ? e.name() : e.name() + "[" + k + "]", valueJson(e.value())));
        }
        if (!s.subsections().isEmpty()) {
            List<JsonValue> subs = new ArrayList<>();
            for (VmStateValue.Subsection sub : s.subsections()) {
                subs.add(new JObject(List.of(new Member("name", new JString(sub.name())),
                        new Member("version", num(sub.version())), new Member("fields", structJson(sub.value())))));
            }
            m.add(new Member("subsections", new JArray(subs)));
        }
        return new JObject(m);
    }

    static JsonValue valueJson(VmStateValue v) {
        if (v instanceof VmStateValue.Struct s) {
            return structJson(s);
        } else if (v instanceof VmStateValue.Int i) {
            if (!i.signed() && i.width() == 8 && i.value() < 0) {
                return new JString(Long.toUnsignedString(i.value())); // above 2^63: JSON readers lose it as a number
            }
            return num(i.value());
        } else if (v instanceof VmStateValue.Bool b) {
            return new JBool(b.value());
        } else if (v instanceof VmStateValue.Bytes b) {
            return new JString(HexFormat.of().formatHex(b.data()));
        } else if (v instanceof VmStateValue.Array a) {
            List<JsonValue> items = new ArrayList<>(a.elements().size());
            for (VmStateValue e : a.elements()) {
                items.add(valueJson(e));
            }
            return new JArray(items);
        } else if (v instanceof VmStateValue.NullMarker) {
            return new JNull();
        } else if (v instanceof VmStateValue.ListValue l) {
            List<JsonValue> items = new ArrayList<>();
            for (VmStateValue.Struct e : l.elements()) {
                items.add(structJson(e));
            }
            return new JArray(items);
        } else if (v instanceof VmStateValue.Tree t) {
            List<JsonValue> items = new ArrayList<>();
            for (VmStateValue.TreeNode n : t.nodes()) {
                items.add(new JObject(List.of(new Member("key", valueJson(n.key())),
                        new Member("value", structJson(n.value())))));
            }
            return new JArray(items);
        }
        return new JString(String.valueOf(v));
    }

    static JNumber num(long v) {
        return new JNumber(v, Long.toString(v));
    }

    // ---- paths -----------------------------------------------------------------------------

    private static void printPaths(PrintWriter out, List<StreamRecord> records) {
        for (StreamRecord r : records) {
            if (r instanceof StreamRecord.Configuration c) {
                qmig.stream.edit.FieldPath.walk(c.payload().value(), "configuration",
                        (p, v) -> out.println(p + " = " + (p.equals("configuration.name") ? c.machineType()
                                : scalar(valueJson(v)))));
            } else if (r instanceof StreamRecord.Section sec && sec.header().isFull()) {
                SectionHeader h = sec.header();
                String prefix = h.idstr() + "/" + Integer.toUnsignedString(h.instanceId());
                if (sec.payload() instanceof VmStatePayload v) {
                    qmig.stream.edit.FieldPath.walk(v.value(), prefix, (p, x) -> out.println(p + " = " + scalar(valueJson(x))));
                } else if (sec.payload() instanceof OpaquePayload o) {
                    out.println(prefix + " (undecoded: " + o.reason() + ")");
                }
            } else if (r instanceof StreamRecord.Command c) {
                printPaths(out, c.packaged());
            }
        }
    }

    // ---- text ------------------------------------------------------------------------------

    private void printText(PrintWriter out, MigrationStream s) {
        out.printf("%s: QEMU migration stream version %d, section footers %s, %s%n", file, s.header().version(),
                s.footers() ? "on" : "off", s.complete() ? "complete" : "incomplete");
        printRecords(out, s.records(), "");
    }

    /** Records one after the other; a PACKAGED command's records follow it, indented. */
    private static void printRecords(PrintWriter out, List<StreamRecord> records, String indent) {
        for (StreamRecord r : records) {
            JsonValue j = recordJson(r);
            out.printf("%n%s0x%08x %s%n", indent, r.offset(), headline(r));
            if (j instanceof JObject o) {
                for (Member m : o.members()) {
                    if (m.key().equals("fields") || m.key().equals("ram")) {
                        text(out, m.value(), indent + "  ");
                    } else if (m.key().equals("undecoded")) {
                        out.println(indent + "  (undecoded: " + ((JString) m.value()).value() + ")");
                    }
                }
            }
            if (r instanceof StreamRecord.Command c && !c.packaged().isEmpty()) {
                printRecords(out, c.packaged(), indent + "    ");
            }
        }
    }

    private static String headline(StreamRecord r) {
        if (r instanceof StreamRecord.Section sec) {
            SectionHeader h = sec.header();
            String via = sec.payload() instanceof VmStatePayload v
                    ? "  [vmsd " + v.description().name() + ", " + v.origin().name().toLowerCase() + " description]" : "";
            return h.type().name().replace("SECTION_", "") + " section " + h.unsignedId() + " '" + h.idstr() + "' instance "
                    + Integer.toUnsignedString(h.instanceId()) + " version " + h.versionId() + via;
        } else if (r instanceof StreamRecord.Configuration c) {
            return "CONFIGURATION machine '" + c.machineType() + "'";
        } else if (r instanceof StreamRecord.Command c) {
            return "COMMAND " + (c.type() == null ? c.code() : c.type().name()) + " data " + HexFormat.of().formatHex(c.data());
        } else if (r instanceof StreamRecord.Eof) {
            return "EOF";
        }
        return "VMDESCRIPTION trailer";
    }

    private static void text(PrintWriter out, JsonValue v, String indent) {
        if (v instanceof JObject o) {
            for (Member m : o.members()) {
                if (m.value() instanceof JObject || (m.value() instanceof JArray a && !a.items().isEmpty()
                        && !(a.items().get(0) instanceof JNumber || a.items().get(0) instanceof JBool))) {
                    out.println(indent + m.key() + ":");
                    text(out, m.value(), indent + "  ");
                } else {
                    out.println(indent + m.key() + " = " + scalar(m.value()));
                }
            }
        } else if (v instanceof JArray a) {
            int i = 0;
            for (JsonValue x : a.items()) {
                if (x instanceof JObject) {
                    out.println(indent + "[" + i + "]");
                    text(out, x, indent + "  ");
                } else {
                    out.println(indent + "[" + i + "] = " + scalar(x));
                }
                i++;
            }
        } else {
            out.println(indent + scalar(v));
        }
    }

    private static String scalar(JsonValue v) {
        if (v instanceof JString s) {
            return s.value();
        }
        return Json.toQemuString(v);
    }

}
