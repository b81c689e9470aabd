package qmig.stream.vmdesc;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import qmig.stream.json.JsonValue;
import qmig.stream.json.JsonValue.JObject;
import qmig.stream.json.JsonValue.Member;
import qmig.stream.vmstate.Codecs;
import qmig.stream.vmstate.Field;
import qmig.stream.vmstate.FieldCodec;
import qmig.stream.vmstate.VmStateDescription;

/**
 * Turns VMDESCRIPTION bodies ({@code vmsd_name}, {@code version}, {@code fields},
 * {@code subsections}; vmstate.md §9.3–§9.5) into descriptions:
 * <ul>
 *   <li>core integer codecs whose {@code size} is their width, {@code bool}, {@code buffer},
 *       {@code unused_buffer}, {@code bitmap}, {@code capability} map to those codecs;</li>
 *   <li>an element of size 1 whose type is a wider integer, or an empty {@code "struct": {}},
 *       is a NULL pointer (7.2 names the nullptr codec "uint64");</li>
 *   <li>{@code array_len} n → a fixed array of n copies of element 0's shape; {@code index}
 *       entries stay separate fields named {@code name[i]};</li>
 *   <li>{@code struct}, {@code vstruct}, {@code tmp}, {@code qtailq}/{@code qlist},
 *       {@code gtree} → nested descriptions; list elements share the first element's fields and
 *       the union of all elements' subsections;</li>
 *   <li>any other type → opaque bytes of its {@code size}.</li>
 * </ul>
 * The wire version of every description is the version the trailer reports.
 */
public final class TrailerDescriptions {
    private TrailerDescriptions() {
    }

    /** A VMSD_BODY object as a description whose only accepted version is its {@code version}. */
    public static VmStateDescription body(JObject o) {
        String name = o.getString("vmsd_name");
        if (name == null) {
            throw new IllegalArgumentException("description without vmsd_name: " + o);
        }
        int version = (int) o.getLong("version", 0);
        List<Field> fields = new ArrayList<>();
        for (JsonValue fv : o.getArray("fields")) {
            fields.add(field(asObject(fv)));
        }
        List<VmStateDescription> subs = new ArrayList<>();
        for (JsonValue sv : o.getArray("subsections")) {
            subs.add(body(asObject(sv)));
        }
        return new VmStateDescription(name, version, version, fields, subs);
    }

    private static JObject asObject(JsonValue v) {
        if (v instanceof JObject o) {
            return o;
        }
        throw new IllegalArgumentException("expected an object, got " + v);
    }

    static Field field(JObject f) {
        String name = f.getString("name");
        if (name == null) {
            throw new IllegalArgumentException("field without a name: " + f);
        }
        if (f.has("index")) {
            name = name + "[" + f.getLong("index", 0) + "]";
        }
        String type = f.getString("type");
        long size = f.getLong("size", -1);
        if (type == null || size < 0) {
            throw new IllegalArgumentException("field '" + name + "' without type or size");
        }
        Field base = element(name, type, size, f);
        long arrayLen = f.getLong("array_len", -1);
        return arrayLen >= 0 ? base.array((int) arrayLen) : base;
    }

    private static Field element(String name, String type, long size, JObject f) {
        switch (type) {
            case "struct": {
                JObject s = f.getObject("struct");
                if (s == null || s.getString("vmsd_name") == null) {
                    return Field.of(name, Codecs.NULLPTR);
                }
                return Field.struct(name, body(s));
            }
            case "vstruct": {
                VmStateDescription d = body(embedded(f).get(0));
                return Field.vstruct(name, d, d.versionId());
            }
            case "tmp":
                return Field.tmp(body(embedded(f).get(0)));
            case "qtailq":
            case "qlist": {
                List<JObject> els = embedded(f);
                VmStateDescription el = els.isEmpty() ? emptyElement(name) : merged(els);
                return type.equals("qtailq") ? Field.qtailq(name, el) : Field.qlist(name, el);
            }
            case "gtree":
                return gtree(name, embedded(f));
            default:
                return scalar(name, type, size);
        }
    }

    private static Field scalar(String name, String type, long size) {
        Codecs c = Codecs.byName(type);
        if (c != null) {
            if (c.width() > 0) {
                if (size == c.width()) {
                    return Field.of(name, c);
                }
                if (size == 1) {
                    return Field.of(name, Codecs.NULLPTR);
                }
            } else if (c == Codecs.BUFFER || c == Codecs.UNUSED_BUFFER) {
                return Field.of(name, c, size);
            } else if (c == Codecs.BITMAP && size % 8 == 0) {
                return Field.of(name, c, size * 8);
            } else if (c == Codecs.CAPABILITY) {
                return Field.of(name, c, 0);
            }
        }
        FieldCodec opaque = Codecs.opaque(type);
        return Field.of(name, opaque, size);
    }

    /** The VMSD_BODY triples a codec wrote into the field object, split at each vmsd_name. */
    static List<JObject> embedded(JObject f) {
        List<JObject> out = new ArrayList<>();
        List<Member> cur = null;
        for (Member m : f.members()) {
            switch (m.key()) {
                case "vmsd_name" -> {
                    if (cur != null) {
                        out.add(new JObject(cur));
                    }
                    cur = new ArrayList<>();
                    cur.add(m);
                }
                case "version", "fields", "subsections" -> {
                    if (cur != null) {
                        cur.add(m);
                    }
                }
                default -> {
                }
            }
        }
        if (cur != null) {
            out.add(new JObject(cur));
        }
        if (out.isEmpty() && !(f.getString("type").equals("qtailq") || f.getString("type").equals("qlist")
                || f.getString("type").equals("gtree"))) {
            throw new IllegalArgumentException("field '" + f.getString("name") + "' has no embedded description");
        }
        return out;
    }

    /** One element description: the first body's fields and every body's subsections. */
    static VmStateDescription merged(List<JObject> bodies) {
        VmStateDescription first = body(bodies.get(0));
        Map<String, VmStateDescription> subs = new LinkedHashMap<>();
        for (JObject b : bodies) {
            for (VmStateDescription s : body(b).subsections()) {
                subs.putIfAbsent(s.name(), s);
            }
        }
        return new VmStateDescription(first.name(), first.versionId(), first.minimumVersionId(), first.fields(),
                new ArrayList<>(subs.values()));
    }

    private static VmStateDescription emptyElement(String name) {
        return new VmStateDescription(name + " element (not described: list was empty)", 0, 0, List.of(), List.of());
    }

    /**
     * gtree bodies: with a key VMSD they alternate key, value; with a direct key only values are
     * described. Alternating distinct names mean keys are described.
     */
    private static Field gtree(String name, List<JObject> bodies) {
        if (bodies.isEmpty()) {
            return Field.gtree(name, null, emptyElement(name));
        }
        boolean keyed = bodies.size() % 2 == 0 && bodies.size() >= 2;
        if (keyed) {
            String k = bodies.get(0).getString("vmsd_name");
            String v = bodies.get(1).getString("vmsd_name");
            keyed = !k.equals(v);
            for (int i = 0; keyed && i < bodies.size(); i++) {
                keyed = bodies.get(i).getString("vmsd_name").equals(i % 2 == 0 ? k : v);
            }
        }
        if (!keyed) {
            return Field.gtree(name, null, merged(bodies));
        }
        List<JObject> keys = new ArrayList<>();
        List<JObject> values = new ArrayList<>();
        for (int i = 0; i < bodies.size(); i++) {
            (i % 2 == 0 ? keys : values).add(bodies.get(i));
        }
        return Field.gtree(name, merged(keys), merged(values));
    }
}
