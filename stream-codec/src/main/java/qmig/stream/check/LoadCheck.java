package qmig.stream.check;

import java.util.ArrayList;
import java.util.List;
import qmig.stream.grammar.MigrationStream;
import qmig.stream.grammar.RamPayload;
import qmig.stream.grammar.SectionHeader;
import qmig.stream.grammar.StreamRecord;
import qmig.stream.grammar.VmStatePayload;
import qmig.stream.json.JsonValue;
import qmig.stream.json.JsonValue.JObject;
import qmig.stream.ram.BlockInfo;
import qmig.stream.ram.RamRecord;
import qmig.stream.vmdesc.DumpVmstateSchema;
import qmig.stream.vmdesc.VmDescriptionIndex;
import qmig.stream.vmstate.Field;
import qmig.stream.vmstate.VmStateDescription;
import qmig.stream.vmstate.VmStateValue;
import qmig.stream.wire.StreamFormatException;

/**
 * Simulates QEMU 7.2's destination load of a stream, record by record in stream order, and stops
 * at the first failure the way {@code qemu_loadvm_state} does. The checks and their order:
 * <ol>
 *   <li>configuration present, machine type ({@code configuration_post_load}: the received name
 *       must be a prefix of the local one), target page bits;</li>
 *   <li>START/FULL: {@code find_se(idstr, instance)}; {@code version_id > se->version_id};
 *       {@code vmstate_load_state}'s minimum version; for {@code ram}, version 4 and the MEM_SIZE
 *       list (unknown RAMBlock, size of a non-resizeable block); for a vmstate section, its
 *       subsections as {@code vmstate_subsection_load} looks them up (prefix rule, lookup, their
 *       versions) and its fields against the destination's layout;</li>
 *   <li>EOF: the load succeeds.</li>
 * </ol>
 * Error lines are QEMU's own texts; {@code load of migration failed: %s} carries
 * {@code strerror} of the errno ({@code -EINVAL} "Invalid argument", {@code -ENOENT} "No such
 * file or directory").
 */
public final class LoadCheck {

    private static final String EINVAL = "Invalid argument";
    private static final String ENOENT = "No such file or directory";
    private static final String AFTER = "(after the first failure) ";
    /** x86's fixed TARGET_PAGE_BITS. */
    private static final int TARGET_PAGE_BITS = 12;

    private final Destination dest;
    private final DumpVmstateSchema schema;
    private final List<LoadReport.SectionResult> sections = new ArrayList<>();
    private final List<Finding> findings = new ArrayList<>();
    private final List<Destination.Handler> usedHandlers = new ArrayList<>();
    private final List<Destination.Block> usedBlocks = new ArrayList<>();
    private List<String> errors;
    private boolean exact = true;

    private LoadCheck(Destination dest, DumpVmstateSchema schema) {
        this.dest = dest;
        this.schema = schema;
    }

    /**
     * Checks {@code src} against {@code dest}.
     *
     * @param schema the destination's {@code -dump-vmstate} schema (subsections, fields,
     *               minimum versions), or null to check handlers, versions and RAMBlocks only
     */
    public static LoadReport check(MigrationStream src, Destination dest, DumpVmstateSchema schema)
            throws StreamFormatException {
        return new LoadCheck(dest, schema).run(src);
    }

    private LoadReport run(MigrationStream src) throws StreamFormatException {
        VmDescriptionIndex srcLayouts = src.trailer() == null ? null : VmDescriptionIndex.of(src.trailer().json());
        List<StreamRecord> records = src.records();
        if (records.isEmpty() || !(records.get(0) instanceof StreamRecord.Configuration)) {
            long at = records.isEmpty() ? 8 : records.get(0).offset();
            fail(new LoadReport.SectionResult(at, "configuration", null, -1, -1, "failed: missing", dest.machine()),
                    Finding.error("configuration", "the stream has no configuration section; a 7.2 destination"
                            + " requires one (send-configuration)"),
                    "Configuration section missing");
        }
        // QEMU stops at the first failure; the records after it are still checked, for the report
        for (StreamRecord r : records) {
            boolean reached = errors == null;
            int before = sections.size();
            int findingsBefore = findings.size();
            if (r instanceof StreamRecord.Configuration c) {
                configuration(c);
            } else if (r instanceof StreamRecord.Section s) {
                section(s, srcLayouts);
            } else if (r instanceof StreamRecord.Command c) {
                sections.add(new LoadReport.SectionResult(c.offset(), "command", null, -1, -1, "ok", null));
            } else if (r instanceof StreamRecord.Eof e) {
                sections.add(new LoadReport.SectionResult(e.offset(), "eof", null, -1, -1, "ok", null));
            }
            if (!reached) {
                for (int i = before; i < sections.size(); i++) {
                    LoadReport.SectionResult x = sections.get(i);
                    sections.set(i, new LoadReport.SectionResult(x.offset(), x.kind(), x.idstr(), x.instance(),
                            x.version(), "not reached; " + x.status(), x.dest()));
                }
                for (int i = findingsBefore; i < findings.size(); i++) {
                    Finding f = findings.get(i);
                    if (f.message().startsWith(AFTER)) {
                        continue;
                    }
                    findings.set(i, new Finding(f.severity(), f.path(), AFTER + f.message()));
                }
            }
            if (r instanceof StreamRecord.Eof) {
                break;
            }
        }
        if (errors == null && !src.complete()) {
            fail(new LoadReport.SectionResult(-1, "eof", null, -1, -1, "failed: no EOF", null),
                    Finding.error("stream", "the stream ends before QEMU_VM_EOF"), "load of migration failed: " + EINVAL);
        }
        if (errors == null) {
            for (Destination.Handler h : dest.handlers()) {
                boolean seen = false;
                for (LoadReport.SectionResult s : sections) {
                    if (s.idstr() != null && h.matches(s.idstr(), s.instance())) {
                        seen = true;
                        break;
                    }
                }
                if (!seen && !h.anyPath()) {
                    findings.add(Finding.info("section " + h.label(), "the destination has this handler; the stream"
                            + " brings no state for it (it keeps its reset state)"));
                }
            }
        }
        return new LoadReport(dest.from(), dest.machine(), sections, findings, errors == null,
                errors == null ? List.of() : errors, exact);
    }

    private void fail(LoadReport.SectionResult where, Finding why, String... lines) {
        sections.add(where);
        findings.add(why);
        setErrors(lines);
    }

    /** The first failure's lines win: QEMU stops there. */
    private void setErrors(String... lines) {
        if (errors == null) {
            errors = List.of(lines);
        }
    }

    private void configuration(StreamRecord.Configuration c) {
        String received = c.machineType();
        String local = dest.machine();
        String dv = local;
        if (!local.startsWith(received)) {
            fail(new LoadReport.SectionResult(c.offset(), "configuration", received, -1, -1,
                    "failed: machine type", dv),
                    Finding.error("configuration", "machine type '" + received + "' is not the destination's '"
                            + local + "'"),
                    "Machine type received is '" + received + "' and local is '" + local + "'",
                    "load of migration failed: " + EINVAL);
            return;
        }
        VmStateValue.Subsection bits = c.payload().value().subsection("configuration/target-page-bits");
        if (bits != null && bits.value().longValue("target_page_bits") != TARGET_PAGE_BITS) {
            long b = bits.value().longValue("target_page_bits");
            fail(new LoadReport.SectionResult(c.offset(), "configuration", received, -1, -1,
                    "failed: target page bits", dv),
                    Finding.error("configuration/target-page-bits", "target page bits " + b + ", x86 has "
                            + TARGET_PAGE_BITS),
                    "Received TARGET_PAGE_BITS is " + b + " but local is " + TARGET_PAGE_BITS,
                    "load of migration failed: " + EINVAL);
            return;
        }
        if (c.payload().value().subsection("configuration/capabilities") != null) {
            findings.add(Finding.warning("configuration/capabilities", "the source validates capabilities"
                    + " (x-ignore-shared): the destination must set the same ones"));
        }
        sections.add(new LoadReport.SectionResult(c.offset(), "configuration", received, -1, -1, "ok", dv));
    }

    private void section(StreamRecord.Section s, VmDescriptionIndex srcLayouts) {
        SectionHeader h = s.header();
        String kind = h.kind();
        String path = "section '" + h.idstr() + "'/" + h.instanceId();
        if (!h.isFull()) {
            sections.add(new LoadReport.SectionResult(s.offset(), kind, h.idstr(), h.instanceId(), h.versionId(),
                    "ok", null));
            return;
        }
        Destination.Handler d = dest.find(h.idstr(), h.instanceId(), usedHandlers);
        if (d == null) {
            fail(new LoadReport.SectionResult(s.offset(), kind, h.idstr(), h.instanceId(), h.versionId(),
                    "failed: unknown section", null),
                    Finding.error(path, "the destination has no such section or instance"),
                    "Unknown savevm section or instance '" + h.idstr() + "' " + Integer.toUnsignedString(h.instanceId())
                            + ". Make sure that your current VM setup matches your saved VM setup, including any"
                            + " hotplugged devices",
                    "load of migration failed: " + EINVAL);
            return;
        }
        String dv = "v" + d.versionId() + (d.minimumVersionId() >= 0 ? ", min " + d.minimumVersionId() : "");
        String loadFailed = "error while loading state for instance 0x" + Integer.toHexString(h.instanceId())
                + " of device '" + h.idstr() + "'";
        if (h.versionId() > d.versionId()) {
            fail(new LoadReport.SectionResult(s.offset(), kind, h.idstr(), h.instanceId(), h.versionId(),
                    "failed: version too new", dv),
                    Finding.error(path, "version " + h.versionId() + " > destination version_id " + d.versionId()),
                    "savevm: unsupported version " + h.versionId() + " for '" + h.idstr() + "' v" + d.versionId(),
                    "load of migration failed: " + EINVAL);
            return;
        }
        if (h.idstr().equals("ram")) {
            if (h.versionId() != 4) {
                fail(new LoadReport.SectionResult(s.offset(), kind, h.idstr(), h.instanceId(), h.versionId(),
                        "failed: ram version", dv),
                        Finding.error(path, "ram loads version 4 only, the stream has " + h.versionId()),
                        loadFailed, "load of migration failed: " + EINVAL);
                return;
            }
            ram(s, kind, dv, loadFailed);
            return;
        }
        if (d.minimumVersionId() >= 0 && h.versionId() < d.minimumVersionId()) {
            fail(new LoadReport.SectionResult(s.offset(), kind, h.idstr(), h.instanceId(), h.versionId(),
                    "failed: version too old", dv),
                    Finding.error(path, "version " + h.versionId() + " < destination minimum_version_id "
                            + d.minimumVersionId()),
                    tooOld(d.vmsdName(), h.versionId(), d.minimumVersionId()),
                    loadFailed, "load of migration failed: " + EINVAL);
            return;
        }
        if (d.minimumVersionId() < 0) {
            findings.add(Finding.info(path, "the destination's minimum version is not known (not in the schema):"
                    + " only version <= " + d.versionId() + " is checked"));
        }
        vmstate(s, kind, dv, d, loadFailed, srcLayouts);
    }

    private static String tooOld(String vmsd, int v, int min) {
        // QEMU's text has two spaces before the number
        return vmsd + ": incoming version_id " + v + " is too old for local minimum version_id  " + min;
    }

    private static String tooNew(String vmsd, int v, int max) {
        return vmsd + ": incoming version_id " + v + " is too new for local version_id " + max;
    }

    /** {@code ram_load_precopy}'s RAM_SAVE_FLAG_MEM_SIZE: every block must exist; a size change needs RAM_RESIZEABLE. */
    private void ram(StreamRecord.Section s, String kind, String dv, String loadFailed) {
        SectionHeader h = s.header();
        String status = "ok";
        if (s.payload() instanceof RamPayload p) {
            for (RamRecord rr : p.records()) {
                if (!(rr instanceof RamRecord.MemSize ms)) {
                    continue;
                }
                // QEMU stops at the first bad block; the others are reported too
                for (BlockInfo b : ms.blocks()) {
                    Destination.Block db = dest.block(b.idstr(), usedBlocks);
                    String bpath = "ramblock '" + b.idstr() + "'";
                    String after = status.equals("ok") && errors == null ? "" : AFTER;
                    if (db == null) {
                        findings.add(Finding.error(bpath, after + "the destination has no such RAMBlock"));
                        setErrors("Unknown ramblock \"" + b.idstr() + "\", cannot accept migration",
                                loadFailed, "load of migration failed: " + EINVAL);
                        status = status.equals("ok") ? "failed: unknown ramblock " + b.idstr() : status;
                        continue;
                    }
                    long aligned = (b.usedLength() + 4095) & ~4095L; // HOST_PAGE_ALIGN, 4 KiB host pages
                    if (db.usedLength() >= 0 && aligned != db.usedLength()) {
                        if (db.resizeable()) {
                            findings.add(Finding.info(bpath, String.format("resized from 0x%x to 0x%x (a resizeable"
                                    + " block)", db.usedLength(), b.usedLength())));
                            continue;
                        }
                        findings.add(Finding.error(bpath, after + String.format("size 0x%x, the destination's is 0x%x",
                                b.usedLength(), db.usedLength())));
                        setErrors(String.format("Size mismatch: %s: 0x%x != 0x%x: %s", b.idstr(), aligned,
                                db.usedLength(), EINVAL), loadFailed, "load of migration failed: " + EINVAL);
                        status = status.equals("ok") ? "failed: size of ramblock " + b.idstr() : status;
                    }
                }
                for (Destination.Block db : dest.blocks()) {
                    if (db.anyPath()) {
                        continue;
                    }
                    boolean sent = ms.blocks().stream().anyMatch(b -> b.idstr().equals(db.idstr()));
                    if (!sent) {
                        findings.add(Finding.info("ramblock '" + db.idstr() + "'", "the destination has this"
                                + " RAMBlock; the stream does not list it"));
                    }
                }
                break;
            }
        }
        sections.add(new LoadReport.SectionResult(s.offset(), kind, h.idstr(), h.instanceId(), h.versionId(), status,
                dv));
    }

    /** A subsection the source wrote: name, version, and its own subsections. */
    private record Sub(String name, int version, List<Sub> subs) {
    }

    private void vmstate(StreamRecord.Section s, String kind, String dv, Destination.Handler d, String loadFailed,
                         VmDescriptionIndex srcLayouts) {
        SectionHeader h = s.header();
        String path = "section '" + h.idstr() + "'/" + h.instanceId();
        VmStateDescription srcDesc = srcLayouts == null ? null : srcLayouts.description(h.idstr(), h.instanceId());
        List<Sub> subs = null;
        if (s.payload() instanceof VmStatePayload p) {
            subs = subs(p.value().subsections());
        } else if (srcDesc != null) {
            subs = subs(srcDesc);
        }
        JObject dvmsd = d.description();
        if (dvmsd == null && schema != null) {
            // one VMSD name may belong to several classes: take the one whose fields fit the stream
            List<JObject> candidates = schema.vmsds(d.vmsdName());
            dvmsd = candidates.isEmpty() ? null : candidates.get(0);
            for (JObject c : candidates) {
                if (srcDesc != null && schemaDiff(srcDesc, c, h.versionId()) == null) {
                    dvmsd = c;
                    break;
                }
            }
        }
        VmStateDescription dlayout = dest.layouts() == null ? null
                : dest.layouts().description(h.idstr(), h.instanceId());
        if (subs != null && (dvmsd != null || dlayout != null)) {
            String bad = subsections(path, d.vmsdName(), dvmsd, dlayout, subs, h, loadFailed);
            if (bad != null) {
                sections.add(new LoadReport.SectionResult(s.offset(), kind, h.idstr(), h.instanceId(), h.versionId(),
                        "failed: " + bad, dv));
                return;
            }
        }
        if (srcDesc != null && (dvmsd != null || dlayout != null)) {
            String diff = dlayout != null ? layoutDiff(srcDesc, dlayout) : schemaDiff(srcDesc, dvmsd, h.versionId());
            if (diff != null) {
                exact &= errors != null;
                fail(new LoadReport.SectionResult(s.offset(), kind, h.idstr(), h.instanceId(), h.versionId(),
                        "failed: field layout", dv),
                        Finding.error(path, diff + "; the destination misreads the section (QEMU's message then"
                                + " depends on the bytes)"),
                        "Missing section footer for " + h.idstr(), "load of migration failed: " + EINVAL);
                return;
            }
        }
        sections.add(new LoadReport.SectionResult(s.offset(), kind, h.idstr(), h.instanceId(), h.versionId(), "ok", dv));
    }

    private static List<Sub> subs(List<VmStateValue.Subsection> values) {
        List<Sub> out = new ArrayList<>();
        for (VmStateValue.Subsection v : values) {
            out.add(new Sub(v.name(), v.version(), subs(v.value().subsections())));
        }
        return out;
    }

    private static List<Sub> subs(VmStateDescription d) {
        List<Sub> out = new ArrayList<>();
        for (VmStateDescription v : d.subsections()) {
            out.add(new Sub(v.name(), v.versionId(), subs(v)));
        }
        return out;
    }

    /**
     * {@code vmstate_subsection_load} over what the source wrote. Returns null when every
     * subsection loads, else the status (and sets the error lines).
     */
    private String subsections(String path, String parent, JObject dvmsd, VmStateDescription dlayout, List<Sub> subs,
                               SectionHeader h, String loadFailed) {
        for (Sub sub : subs) {
            if (sub.name().length() < parent.length() + 1 || !sub.name().startsWith(parent)) {
                // not taken for a subsection: the loader returns and expects the footer (0x7e), finds 0x05
                findings.add(Finding.error(path + "/" + sub.name(), "subsection name does not start with '" + parent
                        + "': the destination stops at it and expects the section footer"));
                setErrors("Missing section footer for " + h.idstr(), "load of migration failed: " + EINVAL);
                return "subsection " + sub.name();
            }
            int max;
            int min;
            JObject dsub = null;
            VmStateDescription lsub = null;
            if (dvmsd != null) {
                for (JsonValue v : dvmsd.getArray("Subsections")) {
                    if (v instanceof JObject o && sub.name().equals(o.getString("name"))) {
                        dsub = o;
                    }
                }
            } else {
                lsub = dlayout.subsection(sub.name());
            }
            if (dsub == null && lsub == null) {
                if (dvmsd == null) {
                    // an instance stream lists only the subsections that were needed when it was saved
                    findings.add(Finding.warning(path + "/" + sub.name(), "the destination's instance stream did not"
                            + " write this subsection; without a schema it is not known whether the destination has it"));
                    continue;
                }
                findings.add(Finding.error(path + "/" + sub.name(), "the destination's '" + parent
                        + "' has no such subsection"));
                setErrors(loadFailed, "load of migration failed: " + ENOENT);
                return "subsection " + sub.name() + " not found";
            }
            if (dsub != null) {
                max = (int) dsub.getLong("version_id", 0);
                min = (int) dsub.getLong("minimum_version_id", 0);
            } else {
                max = lsub.versionId();
                min = -1;
            }
            if (sub.version() > max) {
                findings.add(Finding.error(path + "/" + sub.name(), "version " + sub.version()
                        + " > destination version_id " + max));
                setErrors(tooNew(sub.name(), sub.version(), max), loadFailed,
                        "load of migration failed: " + EINVAL);
                return "subsection " + sub.name() + " version too new";
            }
            if (min >= 0 && sub.version() < min) {
                findings.add(Finding.error(path + "/" + sub.name(), "version " + sub.version()
                        + " < destination minimum_version_id " + min));
                setErrors(tooOld(sub.name(), sub.version(), min), loadFailed,
                        "load of migration failed: " + EINVAL);
                return "subsection " + sub.name() + " version too old";
            }
            String bad = subsections(path + "/" + sub.name(), sub.name(), dsub, lsub, sub.subs(), h, loadFailed);
            if (bad != null) {
                return bad;
            }
        }
        return null;
    }

    /** Exact comparison with the destination's own trailer layout: names, kinds, sizes, counts, in order. */
    static String layoutDiff(VmStateDescription src, VmStateDescription dst) {
        List<Field> a = src.fields();
        List<Field> b = dst.fields();
        for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
            if (i >= a.size()) {
                return "the stream ends its fields before '" + b.get(i).name() + "'";
            }
            if (i >= b.size()) {
                return "the stream has field '" + a.get(i).name() + "' after the destination's last field";
            }
            Field x = a.get(i);
            Field y = b.get(i);
            if (!x.name().equals(y.name()) || x.size() != y.size() || !x.count().equals(y.count())
                    || x.kind() != y.kind()) {
                return "field " + i + ": the stream has '" + x.name() + "' (" + x.size() + " bytes), the destination '"
                        + y.name() + "' (" + y.size() + " bytes)";
            }
        }
        return null;
    }

    /**
     * Compares the source's field names with the schema's fields present at {@code version}:
     * fields gated by version only must be there, {@code field_exists} ones may be. Names are
     * compared without an element suffix ({@code [k]}, {@code [0x0]}) and runs of one name count
     * once, because the trailer names repeated and per-element fields differently from the dump.
     */
    static String schemaDiff(VmStateDescription src, JObject dvmsd, int version) {
        List<String> a = new ArrayList<>();
        for (Field f : src.fields()) {
            String n = base(f.name());
            if (a.isEmpty() || !a.get(a.size() - 1).equals(n)) {
                a.add(n);
            }
        }
        List<String> names = new ArrayList<>();
        List<Boolean> required = new ArrayList<>();
        for (JsonValue v : dvmsd.getArray("Fields")) {
            JObject f = (JObject) v;
            String name = base(f.getString("field"));
            boolean test = f.get("field_exists") instanceof JsonValue.JBool b && b.value();
            if (!test && f.getLong("version_id", 0) > version) {
                continue;
            }
            if (!names.isEmpty() && names.get(names.size() - 1).equals(name)) {
                required.set(required.size() - 1, required.get(required.size() - 1) || !test);
            } else {
                names.add(name);
                required.add(!test);
            }
        }
        int i = 0;
        for (int k = 0; k < names.size(); k++) {
            if (i < a.size() && a.get(i).equals(names.get(k))) {
                i++;
            } else if (required.get(k)) {
                return "the destination expects field '" + names.get(k) + "'" + (i < a.size() ? ", the stream has '"
                        + a.get(i) + "'" : ", the stream has no further fields");
            }
        }
        if (i < a.size()) {
            return "the stream has field '" + a.get(i) + "' the destination does not expect";
        }
        return null;
    }

    private static String base(String name) {
        return name.replaceAll("\\[[^\\]]*\\]$", "");
    }
}
