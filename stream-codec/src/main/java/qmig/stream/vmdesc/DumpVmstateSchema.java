package qmig.stream.vmdesc;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import qmig.stream.grammar.SectionHeader;
import qmig.stream.json.Json;
import qmig.stream.json.JsonValue;
import qmig.stream.json.JsonValue.JObject;
import qmig.stream.json.JsonValue.Member;
import qmig.stream.vmstate.DescriptionSource;
import qmig.stream.vmstate.Field;
import qmig.stream.vmstate.VmStateDescription;
import qmig.stream.wire.StreamFormatException;
import qmig.stream.wire.Where;

/**
 * Descriptions from QEMU's {@code -dump-vmstate} JSON (vmstate.md §10), keyed by VMSD name.
 *
 * <p>The dump has no codecs, array counts, flags or predicates, so it cannot pin down a layout.
 * {@link #candidates} therefore returns, in order: the exact layouts learned from real streams
 * for that VMSD name and version ({@link LearnedLayouts}); then guesses derived from the dump
 * (sizes 1/2/4/8 as unsigned integers, a nested Description as a struct, any other size as a
 * buffer), one per present/absent choice of the {@code field_exists} fields (all choices up
 * to {@value #MAX_CHOICE_FIELDS} such fields, else only all-present and all-absent). The
 * caller keeps the first candidate whose decoding ends exactly on the section footer.
 */
public final class DumpVmstateSchema implements DescriptionSource {

    /** Above this many field_exists fields only two guesses are made. */
    public static final int MAX_CHOICE_FIELDS = 6;

    private static final String DIR = "/qmig/stream/schema/qemu-7.2/";

    private final String machine;
    private final Map<String, JObject> byVmsd;
    private final LearnedLayouts learned;
    private final String label;
    private final Map<String, JObject> byClass;

    private DumpVmstateSchema(String machine, Map<String, JObject> byVmsd, LearnedLayouts learned,
                              Map<String, JObject> byClass, String label) {
        this.machine = machine;
        this.byVmsd = byVmsd;
        this.learned = learned;
        this.byClass = byClass;
        this.label = label;
    }

    /** Parses an (uncompressed) dump; no learned layouts are attached. */
    public static DumpVmstateSchema parse(InputStream in) throws IOException {
        byte[] text = in.readAllBytes();
        JsonValue v = Json.parse(text, 0, text.length, 0, 1000);
        if (!(v instanceof JObject top)) {
            throw StreamFormatException.corrupt(Where.at(0), "-dump-vmstate: expected a JSON object");
        }
        Map<String, JObject> byVmsd = new HashMap<>();
        Map<String, JObject> byClass = new LinkedHashMap<>();
        String machine = null;
        for (Member m : top.members()) {
            if (!(m.value() instanceof JObject o)) {
                continue;
            }
            if (m.key().equals("vmschkmachine")) {
                machine = o.getString("Name");
                continue;
            }
            JObject d = o.getObject("Description");
            if (d != null) {
                validate(m.key(), d, 0);
            }
            byClass.putIfAbsent(m.key(), o);
            if (d != null && d.getString("name") != null) {
                byVmsd.putIfAbsent(d.getString("name"), d);
            }
        }
        return new DumpVmstateSchema(machine, byVmsd, LearnedLayouts.empty(), byClass,
                "the -dump-vmstate schema" + (machine == null ? "" : " of " + machine));
    }

    /** Checks the shape every reader of a Description relies on: a name, objects in Fields/Subsections, field names. */
    private static void validate(String path, JObject vmsd, int depth) throws StreamFormatException {
        String name = vmsd.getString("name");
        if (name == null) {
            throw StreamFormatException.corrupt(Where.NOWHERE, "-dump-vmstate: " + path + ": a Description without a name");
        }
        if (depth > qmig.stream.wire.Limits.DEFAULT.maxNestingDepth()) {
            throw StreamFormatException.limitExceeded(Where.NOWHERE, "-dump-vmstate: " + path + ": nesting depth",
                    depth, qmig.stream.wire.Limits.DEFAULT.maxNestingDepth(), "Limits.maxNestingDepth");
        }
        for (JsonValue fv : vmsd.getArray("Fields")) {
            if (!(fv instanceof JObject f) || f.getString("field") == null) {
                throw StreamFormatException.corrupt(Where.NOWHERE, "-dump-vmstate: " + path + "/" + name
                        + ": a field is not an object with a \"field\" name: " + fv);
            }
            if (f.getObject("Description") != null) {
                validate(path + "/" + name + ":" + f.getString("field"), f.getObject("Description"), depth + 1);
            }
        }
        for (JsonValue sv : vmsd.getArray("Subsections")) {
            if (!(sv instanceof JObject sub)) {
                throw StreamFormatException.corrupt(Where.NOWHERE, "-dump-vmstate: " + path + "/" + name
                        + ": a subsection is not an object: " + sv);
            }
            validate(path + "/" + name, sub, depth + 1);
        }
    }

    /**
     * The 7.2 machine whose data qmig bundles for a machine type: pc-q35-7.2 for q35 and pc-q35-*,
     * pc-i440fx-7.2 for pc, i440fx and pc-i440fx-*; null for any other.
     */
    public static String bundledMachine(String machineType) {
        String m = machineType.toLowerCase(Locale.ROOT);
        if (m.equals("q35") || m.startsWith("pc-q35")) {
            return "pc-q35-7.2";
        } else if (m.equals("pc") || m.startsWith("pc-i440fx") || m.equals("i440fx")) {
            return "pc-i440fx-7.2";
        }
        return null;
    }

    /** The bundled schema of Debian's QEMU 7.2 for a machine type (pc-q35-7.2, pc-i440fx-7.2, q35, pc…), or null. */
    public static DumpVmstateSchema bundled(String machineType) throws IOException {
        String file = bundledMachine(machineType);
        if (file == null) {
            return null;
        }
        DumpVmstateSchema cached = BUNDLED.get(file);
        if (cached != null) {
            return cached;
        }
        try (InputStream in = DumpVmstateSchema.class.getResourceAsStream(DIR + file + ".dump-vmstate.json.gz")) {
            if (in == null) {
                return null;
            }
            DumpVmstateSchema s = parse(new GZIPInputStream(in)).withLearned(LearnedLayouts.bundled());
            DumpVmstateSchema labelled = new DumpVmstateSchema(s.machine, s.byVmsd, s.learned, s.byClass,
                    "the bundled QEMU 7.2 schema (" + file + ")");
            BUNDLED.putIfAbsent(file, labelled);
            return labelled;
        }
    }

    /**
     * Parsed bundled schemas: parsing one takes ~100 ms, and every stream reader that meets a
     * device section without a built-in description asks for it (the fuzzer ran at 10 inputs/s).
     */
    private static final java.util.Map<String, DumpVmstateSchema> BUNDLED = new java.util.concurrent.ConcurrentHashMap<>();

    /** The same schema with {@code layouts} tried before the dump's guesses. */
    public DumpVmstateSchema withLearned(LearnedLayouts layouts) {
        return new DumpVmstateSchema(machine, byVmsd, layouts, byClass, label);
    }

    /** The machine the dump was made for ("vmschkmachine"), or null. */
    public String machine() {
        return machine;
    }

    /** What this schema is, for messages: "the bundled QEMU 7.2 schema (pc-q35-7.2)". */
    public String label() {
        return label;
    }

    @Override
    public String coverage(String idstr) {
        String vmsd = SectionHeader.vmsdNameOf(idstr);
        JObject d = byVmsd.get(vmsd);
        if (d == null) {
            return label + " has no '" + vmsd + "'";
        }
        long min = d.getLong("minimum_version_id", 0);
        long max = d.getLong("version_id", 0);
        return label + " covers '" + vmsd + "' " + (min == max ? "version " + max : "versions " + min + " to " + max);
    }

    public boolean knows(String vmsdName) {
        return byVmsd.containsKey(vmsdName);
    }

    /** The dump's VMSD object ({@code name}, versions, {@code Fields}, {@code Subsections}) for a VMSD name, or null. */
    public JObject vmsd(String vmsdName) {
        return byVmsd.get(vmsdName);
    }

    /**
     * The dump's top-level entries in file order, keyed by QOM class name ({@code Name},
     * {@code version_id}, {@code minimum_version_id}, {@code Description}); without
     * {@code vmschkmachine}.
     */
    public Map<String, JObject> classes() {
        return java.util.Collections.unmodifiableMap(byClass);
    }

    /**
     * Every distinct top-level Description named {@code vmsdName}, in file order: one VMSD name can
     * belong to several classes with different layouts (e.g. {@code isa-serial}'s {@code serial}
     * wraps the {@code serial} VMSD of {@code serial} as a struct).
     */
    public List<JObject> vmsds(String vmsdName) {
        List<JObject> out = new ArrayList<>();
        for (JObject c : byClass.values()) {
            JObject d = c.getObject("Description");
            if (d != null && vmsdName.equals(d.getString("name")) && !out.contains(d)) {
                out.add(d);
            }
        }
        return out;
    }

    @Override
    public List<VmStateDescription> candidates(String idstr, int instanceId, int versionId) {
        String vmsd = SectionHeader.vmsdNameOf(idstr);
        List<VmStateDescription> out = new ArrayList<>(learned.forVmsd(vmsd, versionId));
        JObject d = byVmsd.get(vmsd);
        if (d != null && versionId >= d.getLong("minimum_version_id", 0) && versionId <= d.getLong("version_id", 0)) {
            out.addAll(guesses(d));
        }
        return out;
    }

    /** Dump-derived guesses, one per present/absent assignment of the field_exists fields. */
    static List<VmStateDescription> guesses(JObject vmsd) {
        int k = countChoices(vmsd);
        List<Long> masks = new ArrayList<>();
        if (k <= MAX_CHOICE_FIELDS) {
            for (int absent = 0; absent <= k; absent++) {
                for (long mask = 0; mask < (1L << k); mask++) {
                    if (Long.bitCount(mask) == absent) {
                        masks.add(mask);
                    }
                }
            }
        } else {
            masks.add(0L);
            masks.add(-1L);
        }
        List<VmStateDescription> out = new ArrayList<>();
        for (long mask : masks) {
            out.add(build(vmsd, new int[] {0}, mask));
        }
        return out;
    }

    private static int countChoices(JObject vmsd) {
        int n = 0;
        for (JsonValue fv : vmsd.getArray("Fields")) {
            JObject f = (JObject) fv;
            if (f.get("field_exists") instanceof JsonValue.JBool b && b.value()) {
                n++;
            }
            if (f.getObject("Description") != null) {
                n += countChoices(f.getObject("Description"));
            }
        }
        for (JsonValue sv : vmsd.getArray("Subsections")) {
            n += countChoices((JObject) sv);
        }
        return n;
    }

    /** {@code mask} bit i set = the i-th field_exists field (pre-order) is absent. */
    private static VmStateDescription build(JObject vmsd, int[] choice, long mask) {
        List<Field> fields = new ArrayList<>();
        for (JsonValue fv : vmsd.getArray("Fields")) {
            JObject f = (JObject) fv;
            String name = f.getString("field");
            boolean hasTest = f.get("field_exists") instanceof JsonValue.JBool b && b.value();
            boolean absent = false;
            if (hasTest) {
                int i = choice[0]++;
                absent = i >= 64 ? mask == -1L : (mask >>> i & 1) != 0;
            }
            JObject nested = f.getObject("Description");
            Field field;
            if (nested != null) {
                field = Field.struct(name, build(nested, choice, mask));
            } else {
                long size = f.getLong("size", 0);
                field = switch ((int) size) {
                    case 1 -> Field.uint8(name);
                    case 2 -> Field.uint16(name);
                    case 4 -> Field.uint32(name);
                    case 8 -> Field.uint64(name);
                    default -> Field.buffer(name, (int) Math.max(size, 0));
                };
            }
            if (absent) {
                continue;
            }
            fields.add(hasTest ? field : field.since((int) f.getLong("version_id", 0)));
        }
        List<VmStateDescription> subs = new ArrayList<>();
        for (JsonValue sv : vmsd.getArray("Subsections")) {
            subs.add(build((JObject) sv, choice, mask));
        }
        int version = (int) vmsd.getLong("version_id", 0);
        int min = (int) Math.min(vmsd.getLong("minimum_version_id", 0), version);
        return new VmStateDescription(vmsd.getString("name"), version, min, fields, subs);
    }
}
