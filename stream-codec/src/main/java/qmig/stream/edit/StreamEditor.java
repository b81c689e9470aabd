package qmig.stream.edit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import qmig.stream.grammar.CommandType;
import qmig.stream.grammar.MigrationStream;
import qmig.stream.grammar.OpaquePayload;
import qmig.stream.grammar.RamPayload;
import qmig.stream.grammar.SectionHeader;
import qmig.stream.grammar.StreamRecord;
import qmig.stream.grammar.StreamWriter;
import qmig.stream.grammar.VmStatePayload;
import qmig.stream.json.JsonValue;
import qmig.stream.json.JsonValue.JArray;
import qmig.stream.json.JsonValue.JObject;
import qmig.stream.json.JsonValue.JString;
import qmig.stream.json.JsonValue.Member;
import qmig.stream.vmstate.VmStateCodec;
import qmig.stream.vmstate.VmStateValue;
import qmig.stream.vmstate.VmStateValue.Bytes;
import qmig.stream.vmstate.VmStateValue.Int;
import qmig.stream.vmstate.VmStateValue.Struct;
import qmig.stream.wire.WireReader;
import qmig.stream.wire.WireWriter;

/**
 * Applies {@code --set}, {@code --drop} and {@code --rename} to a decoded stream. Every edit
 * names sections and fields as they are in the input; sets are applied first, then drops, then
 * renames. Records inside a PACKAGED command (postcopy) are edited too, and the command's
 * length is recomputed. The VMDESCRIPTION trailer loses a dropped section's entry and follows a
 * rename; it is left untouched (byte for byte) by sets, which never change a size.
 *
 * <p>Only FULL sections can be dropped or renamed: START/PART/END records of an iterative
 * section ({@code ram}) refer to each other by section id and the RAM stream has no trailer
 * entry to keep consistent.
 */
public final class StreamEditor {

    private static final Pattern WITH_INSTANCE = Pattern.compile("^(.+)/(\\d+)$");

    private record Set1(String path, String value) {
    }

    private record Rename(String from, String to) {
    }

    /** A section as the user names it, resolved to an idstr and instance. */
    private record Ref(String idstr, int instance) {
        @Override
        public String toString() {
            return idstr + "/" + Integer.toUnsignedString(instance);
        }
    }

    private final List<Set1> sets = new ArrayList<>();
    private final List<String> drops = new ArrayList<>();
    private final List<Rename> renames = new ArrayList<>();
    private final VmStateCodec codec = new VmStateCodec();
    private final List<String> log = new ArrayList<>();

    /** {@code PATH=VALUE}: the first {@code =} separates them. */
    public StreamEditor set(String assignment) {
        int eq = assignment.indexOf('=');
        if (eq <= 0) {
            throw new EditException("--set " + assignment + ": expected PATH=VALUE");
        }
        sets.add(new Set1(assignment.substring(0, eq), assignment.substring(eq + 1)));
        return this;
    }

    /** {@code IDSTR} or {@code IDSTR/INSTANCE}. */
    public StreamEditor drop(String section) {
        drops.add(section);
        return this;
    }

    /** {@code OLD=NEW}: OLD is {@code IDSTR} or {@code IDSTR/INSTANCE}, NEW an idstr. */
    public StreamEditor rename(String assignment) {
        int eq = assignment.lastIndexOf('=');
        if (eq <= 0 || eq == assignment.length() - 1) {
            throw new EditException("--rename " + assignment + ": expected OLD=NEW");
        }
        renames.add(new Rename(assignment.substring(0, eq), assignment.substring(eq + 1)));
        return this;
    }

    /** One line per edit applied, in order, after {@link #apply}. */
    public List<String> log() {
        return List.copyOf(log);
    }

    /** The edited stream. */
    public MigrationStream apply(MigrationStream s) throws IOException {
        List<StreamRecord> records = new ArrayList<>(s.records());
        for (Set1 st : sets) {
            records = applySet(records, st);
        }
        for (String d : drops) {
            Ref r = resolve(records, d, "--drop " + d);
            records = map(records, r, null);
            records = trailer(records, r, null);
            log.add("dropped " + r);
        }
        for (Rename rn : renames) {
            Ref r = resolve(records, rn.from(), "--rename " + rn.from() + "=" + rn.to());
            byte[] name = rn.to().getBytes(StandardCharsets.ISO_8859_1);
            if (rn.to().isEmpty() || name.length > 255 || !rn.to().equals(new String(name, StandardCharsets.ISO_8859_1))) {
                throw new EditException("--rename " + rn.from() + "=" + rn.to()
                        + ": the new idstr must be 1 to 255 ISO-8859-1 characters");
            }
            for (StreamRecord.Section x : sections(records)) {
                if (x.header().isFull() && x.header().idstr().equals(rn.to()) && x.header().instanceId() == r.instance()) {
                    throw new EditException("--rename " + rn.from() + "=" + rn.to() + ": section " + rn.to() + "/"
                            + Integer.toUnsignedString(r.instance()) + " already exists");
                }
            }
            records = map(records, r, rn.to());
            records = trailer(records, r, rn.to());
            log.add("renamed " + r + " to " + rn.to() + "/" + Integer.toUnsignedString(r.instance()));
        }
        return new MigrationStream(s.header(), records, s.footers());
    }

    // ---- sections --------------------------------------------------------------------------

    /** Every section record, PACKAGED contents included, in stream order. */
    private static List<StreamRecord.Section> sections(List<StreamRecord> records) {
        List<StreamRecord.Section> out = new ArrayList<>();
        for (StreamRecord r : records) {
            if (r instanceof StreamRecord.Section s) {
                out.add(s);
            } else if (r instanceof StreamRecord.Command c) {
                out.addAll(sections(c.packaged()));
            }
        }
        return out;
    }

    private static Set<Ref> refs(List<StreamRecord> records) {
        Set<Ref> out = new LinkedHashSet<>();
        for (StreamRecord.Section s : sections(records)) {
            if (s.header().isFull()) {
                out.add(new Ref(s.header().idstr(), s.header().instanceId()));
            }
        }
        return out;
    }

    /** {@code IDSTR/INSTANCE}, or {@code IDSTR} when only one instance has that idstr. */
    private static Ref resolve(List<StreamRecord> records, String name, String what) {
        Set<Ref> all = refs(records);
        Matcher m = WITH_INSTANCE.matcher(name);
        if (m.matches()) {
            try {
                Ref r = new Ref(m.group(1), Integer.parseUnsignedInt(m.group(2)));
                if (all.contains(r)) {
                    return checkFull(records, r, what);
                }
            } catch (NumberFormatException e) {
                // not an instance number: the whole name is an idstr
            }
        }
        List<Ref> same = all.stream().filter(r -> r.idstr().equals(name)).toList();
        if (same.size() == 1) {
            return checkFull(records, same.get(0), what);
        }
        if (same.size() > 1) {
            throw new EditException(what + ": '" + name + "' has " + same.size() + " instances, give one of "
                    + same.stream().map(Ref::toString).toList());
        }
        throw new EditException(what + ": no section '" + name + "' in the stream; the sections are "
                + all.stream().map(Ref::toString).toList());
    }

    private static Ref checkFull(List<StreamRecord> records, Ref r, String what) {
        for (StreamRecord.Section s : sections(records)) {
            if (s.header().idstr().equals(r.idstr()) && s.header().instanceId() == r.instance()
                    && !(s instanceof StreamRecord.SectionFull)) {
                throw new EditException(what + ": " + r + " is an iterative section (START/PART/END records);"
                        + " only FULL sections can be dropped or renamed");
            }
        }
        return r;
    }

    private static boolean matches(StreamRecord r, Ref ref) {
        return r instanceof StreamRecord.SectionFull f && f.header().idstr().equals(ref.idstr())
                && f.header().instanceId() == ref.instance();
    }

    /** Drops ({@code newIdstr} null) or renames the FULL records of {@code ref}, inside PACKAGED too. */
    private List<StreamRecord> map(List<StreamRecord> records, Ref ref, String newIdstr) throws IOException {
        List<StreamRecord> out = new ArrayList<>(records.size());
        for (StreamRecord r : records) {
            if (matches(r, ref)) {
                if (newIdstr != null) {
                    StreamRecord.SectionFull f = (StreamRecord.SectionFull) r;
                    SectionHeader h = f.header();
                    out.add(new StreamRecord.SectionFull(f.offset(), new SectionHeader(h.type(), h.sectionId(), newIdstr,
                            h.instanceId(), h.versionId()), f.payload(), f.footer()));
                }
            } else if (r instanceof StreamRecord.Command c && !c.packaged().isEmpty()) {
                out.add(repackage(c, map(c.packaged(), ref, newIdstr)));
            } else {
                out.add(r);
            }
        }
        return out;
    }

    /** A PACKAGED command around new contents, its be32 length recomputed. */
    private static StreamRecord.Command repackage(StreamRecord.Command c, List<StreamRecord> nested) throws IOException {
        if (nested.equals(c.packaged())) {
            return c;
        }
        if (c.type() != CommandType.PACKAGED) {
            throw new IllegalStateException("records nested in " + c.type());
        }
        WireWriter w = WireWriter.inMemory();
        new StreamWriter(w).writeAll(nested);
        int len = w.toByteArray().length;
        byte[] data = {(byte) (len >>> 24), (byte) (len >>> 16), (byte) (len >>> 8), (byte) len};
        return new StreamRecord.Command(c.offset(), c.code(), data, nested);
    }

    /** Drops ({@code newIdstr} null) or renames {@code ref}'s device entry in the trailer. */
    private static List<StreamRecord> trailer(List<StreamRecord> records, Ref ref, String newIdstr) {
        List<StreamRecord> out = new ArrayList<>(records);
        for (int i = 0; i < out.size(); i++) {
            if (!(out.get(i) instanceof StreamRecord.VmDescription d) || !(d.json() instanceof JObject root)) {
                continue;
            }
            boolean changed = false;
            List<Member> members = new ArrayList<>();
            for (Member m : root.members()) {
                if (m.key().equals("devices") && m.value() instanceof JArray devices) {
                    List<JsonValue> items = new ArrayList<>();
                    for (JsonValue dev : devices.items()) {
                        if (dev instanceof JObject o && ref.idstr().equals(o.getString("name"))
                                && o.getLong("instance_id", -1) == Integer.toUnsignedLong(ref.instance())) {
                            changed = true;
                            if (newIdstr != null) {
                                List<Member> dm = new ArrayList<>();
                                for (Member x : o.members()) {
                                    dm.add(x.key().equals("name") ? new Member("name", new JString(newIdstr)) : x);
                                }
                                items.add(new JObject(dm));
                            }
                        } else {
                            items.add(dev);
                        }
                    }
                    members.add(new Member(m.key(), new JArray(items)));
                } else {
                    members.add(m);
                }
            }
            if (changed) {
                // written the way QEMU writes its JSON: only the edited entry differs from QEMU's own text
                out.set(i, new StreamRecord.VmDescription(d.offset(), new JObject(members)));
            }
        }
        return out;
    }

    // ---- set -------------------------------------------------------------------------------

    private List<StreamRecord> applySet(List<StreamRecord> records, Set1 st) throws IOException {
        String path = st.path();
        String full = "--set " + path;
        if (path.startsWith("configuration.")) {
            return setConfiguration(records, st);
        }
        Ref best = null;
        String rest = null;
        Set<Ref> all = refs(records);
        for (Ref r : all) {
            String withInstance = r.idstr() + "/" + Integer.toUnsignedString(r.instance()) + ".";
            String bare = r.idstr() + ".";
            String p = path.startsWith(withInstance) ? withInstance : path.startsWith(bare) ? bare : null;
            if (p == null) {
                continue;
            }
            if (p.equals(bare) && all.stream().filter(x -> x.idstr().equals(r.idstr())).count() > 1) {
                throw new EditException(full + ": '" + r.idstr() + "' has several instances, write " + r.idstr()
                        + "/N." + path.substring(bare.length()));
            }
            if (rest == null || p.length() > path.length() - rest.length()) {
                best = r;
                rest = path.substring(p.length());
            }
        }
        if (best == null) {
            throw new EditException(full + ": no section matches; a path is SECTION[/INSTANCE].FIELD with SECTION one of "
                    + all.stream().map(Ref::toString).toList() + " or configuration");
        }
        Ref target = best;
        String fieldPath = rest;
        boolean[] done = new boolean[1];
        List<StreamRecord> out = setIn(records, target, fieldPath, st, done);
        if (!done[0]) {
            throw new EditException(full + ": " + target + " has no FULL section record to set");
        }
        return out;
    }

    private List<StreamRecord> setIn(List<StreamRecord> records, Ref target, String fieldPath, Set1 st, boolean[] done)
            throws IOException {
        List<StreamRecord> out = new ArrayList<>(records.size());
        for (StreamRecord r : records) {
            if (r instanceof StreamRecord.Section sec && sec.header().isFull()
                    && sec.header().idstr().equals(target.idstr()) && sec.header().instanceId() == target.instance()) {
                if (!(sec instanceof StreamRecord.SectionFull f)) {
                    throw new EditException("--set " + st.path() + ": " + target + " is an iterative section; only"
                            + " vmstate (FULL) sections have fields");
                }
                out.add(new StreamRecord.SectionFull(f.offset(), f.header(), setPayload(f, fieldPath, st), f.footer()));
                done[0] = true;
            } else if (r instanceof StreamRecord.Command c && !c.packaged().isEmpty()) {
                out.add(repackage(c, setIn(c.packaged(), target, fieldPath, st, done)));
            } else {
                out.add(r);
            }
        }
        return out;
    }

    private VmStatePayload setPayload(StreamRecord.SectionFull f, String fieldPath, Set1 st) throws IOException {
        String full = "--set " + st.path();
        Ref ref = new Ref(f.header().idstr(), f.header().instanceId());
        if (f.payload() instanceof OpaquePayload o) {
            throw new EditException(full + ": section " + ref + " is not decoded (" + o.reason()
                    + "); it can be dropped or renamed but its fields cannot be set (give --schema, or a stream with"
                    + " its VMDESCRIPTION trailer)");
        }
        if (f.payload() instanceof RamPayload) {
            throw new EditException(full + ": " + ref + " is a RAM section; it has no vmstate fields");
        }
        VmStatePayload v = (VmStatePayload) f.payload();
        String[] was = new String[2];
        Struct edited = FieldPath.replace(v.value(), fieldPath, full, cur -> {
            VmStateValue nv = FieldPath.parse(cur, st.value(), full);
            was[0] = String.valueOf(cur);
            was[1] = String.valueOf(nv);
            return nv;
        });
        checkLayout(v, edited, full);
        log.add("set " + ref + "." + fieldPath + ": " + was[0] + " -> " + was[1]);
        return new VmStatePayload(v.description(), v.version(), edited, v.origin());
    }

    /**
     * The edited value must encode to as many bytes as before and decode back to itself: a field
     * that is a count, a size or a presence test of other fields cannot be set on its own.
     */
    private void checkLayout(VmStatePayload v, Struct edited, String full) {
        byte[] before = codec.saveToBytes(v.description(), v.version(), v.value());
        byte[] after;
        try {
            after = codec.saveToBytes(v.description(), v.version(), edited);
        } catch (IllegalArgumentException e) {
            throw new EditException(full + ": the new value changes the section's layout (" + e.getMessage() + ")");
        }
        Struct again;
        try {
            again = codec.load(WireReader.of(after), v.description(), v.version());
        } catch (IOException e) {
            throw new EditException(full + ": the new value does not decode back (" + e.getMessage()
                    + "); the field is a count, size or presence test of other fields");
        }
        if (after.length != before.length || !again.equals(edited)) {
            throw new EditException(full + ": the new value changes the section's layout (" + before.length + " -> "
                    + after.length + " bytes); the field is a count, size or presence test of other fields");
        }
    }

    /** {@code configuration.name=MACHINE} (with its length), or any other configuration field by path. */
    private List<StreamRecord> setConfiguration(List<StreamRecord> records, Set1 st) {
        String full = "--set " + st.path();
        String fieldPath = st.path().substring("configuration.".length());
        List<StreamRecord> out = new ArrayList<>(records);
        for (int i = 0; i < out.size(); i++) {
            if (!(out.get(i) instanceof StreamRecord.Configuration c)) {
                continue;
            }
            VmStatePayload p = c.payload();
            Struct edited;
            if (fieldPath.equals("name")) {
                byte[] name = st.value().getBytes(StandardCharsets.ISO_8859_1);
                if (name.length == 0 || name.length > 255 || !st.value().matches("[\\x21-\\x7e]+")) {
                    throw new EditException(full + "=" + st.value() + ": expected a machine type name, 1 to 255"
                            + " printable ASCII characters (e.g. pc-q35-7.2)");
                }
                edited = p.value().with("len", new Int(name.length, 4, false)).with("name", new Bytes(name));
                log.add("set configuration.name: " + c.machineType() + " -> " + st.value());
            } else if (fieldPath.equals("len")) {
                throw new EditException(full + ": len follows name; set configuration.name instead");
            } else {
                String[] was = new String[2];
                edited = FieldPath.replace(p.value(), fieldPath, full, cur -> {
                    VmStateValue nv = FieldPath.parse(cur, st.value(), full);
                    was[0] = String.valueOf(cur);
                    was[1] = String.valueOf(nv);
                    return nv;
                });
                checkLayout(p, edited, full);
                log.add("set configuration." + fieldPath + ": " + was[0] + " -> " + was[1]);
            }
            out.set(i, new StreamRecord.Configuration(c.offset(), new VmStatePayload(p.description(), p.version(),
                    edited, p.origin())));
            return out;
        }
        throw new EditException(full + ": the stream has no configuration section");
    }
}
