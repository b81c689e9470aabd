package qmig.stream.vmdesc;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import qmig.stream.grammar.SectionHeader;
import qmig.stream.json.Json;
import qmig.stream.json.JsonValue;
import qmig.stream.json.JsonValue.JArray;
import qmig.stream.json.JsonValue.JObject;
import qmig.stream.vmstate.DescriptionSource;
import qmig.stream.vmstate.VmStateDescription;
import qmig.stream.wire.StreamFormatException;
import qmig.stream.wire.Where;

/**
 * Realized layouts learned from the VMDESCRIPTION trailers of real streams (written by
 * {@link LayoutLearner}): a JSON array of VMSD bodies ({@code vmsd_name}, {@code version},
 * {@code fields}, {@code subsections}). Bodies of one VMSD and version with the same fields are
 * merged into one candidate carrying the union of their subsections (subsections announce
 * themselves on the wire, so the union decodes every member of the group); groups seen more
 * often come first.
 */
public final class LearnedLayouts implements DescriptionSource {

    /** The bundled resource for Debian's QEMU 7.2. */
    public static final String BUNDLED = "/qmig/stream/schema/qemu-7.2/layouts.json.gz";

    private final Map<String, List<VmStateDescription>> byNameVersion;
    private final int bodies;

    private LearnedLayouts(Map<String, List<VmStateDescription>> byNameVersion, int bodies) {
        this.byNameVersion = byNameVersion;
        this.bodies = bodies;
    }

    public static LearnedLayouts empty() {
        return new LearnedLayouts(Map.of(), 0);
    }

    /** The bundled layouts, or an empty set when the resource is missing. */
    public static LearnedLayouts bundled() throws IOException {
        try (InputStream in = LearnedLayouts.class.getResourceAsStream(BUNDLED)) {
            return in == null ? empty() : parse(new GZIPInputStream(in));
        }
    }

    /** Reads the (uncompressed) JSON array of bodies. */
    public static LearnedLayouts parse(InputStream in) throws IOException {
        byte[] text = in.readAllBytes();
        JsonValue v = Json.parse(text, 0, text.length, 0, 1000);
        if (!(v instanceof JArray a)) {
            throw StreamFormatException.corrupt(Where.at(0), "learned layouts: expected a JSON array");
        }
        List<JObject> objs = new ArrayList<>();
        for (JsonValue x : a.items()) {
            if (x instanceof JObject o) {
                objs.add(o);
            }
        }
        return of(objs);
    }

    /** Groups bodies by (name, version, fields) and merges each group's subsections. */
    public static LearnedLayouts of(List<JObject> bodies) {
        Map<String, List<JObject>> groups = new LinkedHashMap<>();
        for (JObject b : bodies) {
            String key = b.getString("vmsd_name") + "@" + b.getLong("version", 0) + "@"
                    + Json.toQemuString(b.get("fields") == null ? new JArray(List.of()) : b.get("fields"));
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(b);
        }
        Map<String, List<List<JObject>>> byNv = new LinkedHashMap<>();
        for (List<JObject> g : groups.values()) {
            JObject b = g.get(0);
            byNv.computeIfAbsent(b.getString("vmsd_name") + "@" + b.getLong("version", 0), k -> new ArrayList<>())
                    .add(g);
        }
        Map<String, List<VmStateDescription>> out = new LinkedHashMap<>();
        for (var e : byNv.entrySet()) {
            List<List<JObject>> gs = new ArrayList<>(e.getValue());
            gs.sort((x, y) -> Integer.compare(y.size(), x.size()));
            List<VmStateDescription> ds = new ArrayList<>();
            for (List<JObject> g : gs) {
                ds.add(TrailerDescriptions.merged(g));
            }
            out.put(e.getKey(), List.copyOf(ds));
        }
        return new LearnedLayouts(out, bodies.size());
    }

    /** Candidates for a VMSD name (not an idstr) and version. */
    public List<VmStateDescription> forVmsd(String vmsdName, int version) {
        return byNameVersion.getOrDefault(vmsdName + "@" + version, List.of());
    }

    @Override
    public List<VmStateDescription> candidates(String idstr, int instanceId, int versionId) {
        return forVmsd(SectionHeader.vmsdNameOf(idstr), versionId);
    }

    /** How many bodies were read. */
    public int size() {
        return bodies;
    }
}
