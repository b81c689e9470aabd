package qmig.stream.check;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import qmig.stream.json.JsonValue;
import qmig.stream.json.JsonValue.JObject;
import qmig.stream.vmdesc.DumpVmstateSchema;

/**
 * Compares the {@code -dump-vmstate} schemas of a source and a destination QEMU: would a
 * migration from the first to the second break? It covers what QEMU's
 * {@code scripts/vmstate-static-checker.py} covers (sections missing, version_id and
 * minimum_version_id, fields added, removed or resized, subsections missing, description
 * names), but compares what goes on the wire rather than names: at the version the source sends,
 * both sides' present fields are lined up in order, so a field or description renamed with the
 * same position, size and gating is a compatible rename ({@link Severity#INFO}), with or without
 * the checker's table of tolerated renames; fields gated by a newer version are not expected.
 *
 * <p>Paths are {@code class/vmsd[/subsection...]:field[.nested...]}.
 */
public final class SchemaCompare {

    /** The checker's tolerated section (class) renames, both directions. */
    private static final Map<String, String> CLASS_RENAMES = Map.of(
            "ICH9 LPC", "ICH9-LPC", "ICH9-LPC", "ICH9 LPC",
            "e1000-82540em", "e1000", "e1000", "e1000-82540em");

    private final List<Finding> findings = new ArrayList<>();

    private SchemaCompare() {
    }

    /** The findings for a migration from {@code src} to {@code dst}, in the source's class order. */
    public static List<Finding> compare(DumpVmstateSchema src, DumpVmstateSchema dst) {
        SchemaCompare c = new SchemaCompare();
        c.run(src, dst);
        return List.copyOf(c.findings);
    }

    /** True when no finding is an error. */
    public static boolean compatible(List<Finding> findings) {
        return findings.stream().noneMatch(f -> f.severity() == Severity.ERROR);
    }

    private void run(DumpVmstateSchema src, DumpVmstateSchema dst) {
        if (!Objects.equals(src.machine(), dst.machine())) {
            findings.add(Finding.warning("vmschkmachine", "machine types differ: '" + src.machine() + "' and '"
                    + dst.machine() + "'"));
        }
        for (Map.Entry<String, JObject> e : src.classes().entrySet()) {
            String cls = e.getKey();
            JObject s = e.getValue();
            JObject d = dst.classes().get(cls);
            String dcls = cls;
            if (d == null && CLASS_RENAMES.containsKey(cls)) {
                dcls = CLASS_RENAMES.get(cls);
                d = dst.classes().get(dcls);
            }
            if (d == null) {
                findings.add(Finding.error(cls, "section missing at the destination"));
                continue;
            }
            if (!dcls.equals(cls)) {
                findings.add(Finding.info(cls, "section renamed to '" + dcls + "'"));
            }
            JObject sd = s.getObject("Description");
            JObject dd = d.getObject("Description");
            if (sd == null || dd == null) {
                if (sd != null) {
                    findings.add(Finding.error(cls, "the destination's class has no Description"));
                }
                continue;
            }
            description(cls + "/" + sd.getString("name"), sd, dd, (int) sd.getLong("version_id", 0));
        }
    }

    /** One VMSD loaded at {@code v} (the version the source sends): versions, fields, subsections. */
    private void description(String path, JObject s, JObject d, int v) {
        String sname = s.getString("name");
        String dname = d.getString("name");
        if (!Objects.equals(sname, dname)) {
            findings.add(Finding.info(path, "description renamed to '" + dname + "' (the name is not on the wire for"
                    + " a section's own description or a nested struct)"));
        }
        int dmax = (int) d.getLong("version_id", 0);
        int dmin = (int) d.getLong("minimum_version_id", 0);
        if (v > dmax) {
            findings.add(Finding.error(path, "version error: " + v + " > destination version_id " + dmax));
            return;
        }
        if (v < dmin) {
            findings.add(Finding.error(path, "minimum version error: " + v + " < destination minimum_version_id "
                    + dmin));
            return;
        }
        fields(path, present(s, v), present(d, v));
        for (JsonValue sv : s.getArray("Subsections")) {
            JObject ss = (JObject) sv;
            String name = ss.getString("name");
            JObject ds = null;
            for (JsonValue dv : d.getArray("Subsections")) {
                if (name.equals(((JObject) dv).getString("name"))) {
                    ds = (JObject) dv;
                }
            }
            if (ds == null) {
                findings.add(Finding.error(path + "/" + name, "subsection not found at the destination (the load fails"
                        + " with ENOENT whenever the source sends it)"));
                continue;
            }
            // a subsection's name and version are on the wire: the destination loads it at the source's version
            description(path + "/" + name, ss, ds, (int) ss.getLong("version_id", 0));
        }
    }

    /** The fields on the wire at version {@code v}: field_exists ones kept (their predicate is unknown). */
    private static List<JObject> present(JObject vmsd, int v) {
        List<JObject> out = new ArrayList<>();
        for (JsonValue fv : vmsd.getArray("Fields")) {
            JObject f = (JObject) fv;
            if (exists(f) || f.getLong("version_id", 0) <= v) {
                out.add(f);
            }
        }
        return out;
    }

    private static boolean exists(JObject f) {
        return f.get("field_exists") instanceof JsonValue.JBool b && b.value();
    }

    private void fields(String path, List<JObject> s, List<JObject> d) {
        int i = 0;
        int j = 0;
        while (i < s.size() && j < d.size()) {
            JObject a = s.get(i);
            JObject b = d.get(j);
            String an = a.getString("field");
            String bn = b.getString("field");
            long as = a.getLong("size", 0);
            long bs = b.getLong("size", 0);
            String fp = path + ":" + an;
            if (an.equals("unused") != bn.equals("unused") && as != bs) {
                // the checker's rule: an unused(n) may stand for a run of fields of n bytes in total
                int[] k = unusedRun(an.equals("unused") ? as : bs, an.equals("unused") ? d : s,
                        an.equals("unused") ? j : i);
                if (k != null) {
                    findings.add(Finding.info(fp, "unused(" + (an.equals("unused") ? as : bs) + ") stands for "
                            + k[1] + " field(s) of the same total size"));
                    if (an.equals("unused")) {
                        i++;
                        j = k[0];
                    } else {
                        j++;
                        i = k[0];
                    }
                    continue;
                }
            }
            if (as != bs) {
                findings.add(Finding.error(fp, "size mismatch: " + as + " at the source, " + bs + " at the destination"
                        + (an.equals(bn) ? "" : " ('" + bn + "')")));
                return;
            }
            if (exists(a) != exists(b)) {
                findings.add(Finding.warning(fp, "field_exists differs (" + exists(a) + " at the source, " + exists(b)
                        + " at the destination): presence depends on device state"));
            }
            JObject an2 = a.getObject("Description");
            JObject bn2 = b.getObject("Description");
            if ((an2 == null) != (bn2 == null)) {
                findings.add(Finding.error(fp, "a nested description on one side only"));
                return;
            }
            if (!an.equals(bn)) {
                findings.add(Finding.info(fp, "renamed to '" + bn + "': same position, size and gating, the wire"
                        + " encoding is unchanged"));
            }
            if (an2 != null) {
                // VMS_STRUCT: each side runs its own nested VMSD at its own version_id
                int before = findings.size();
                nested(fp, an2, bn2);
                if (findings.subList(before, findings.size()).stream().anyMatch(f -> f.severity() == Severity.ERROR)) {
                    return;
                }
            }
            i++;
            j++;
        }
        for (; i < s.size(); i++) {
            findings.add(Finding.error(path + ":" + s.get(i).getString("field"), "field removed at the destination"
                    + " (the source sends it, the destination has no further fields)"));
            return;
        }
        for (; j < d.size(); j++) {
            JObject b = d.get(j);
            if (exists(b)) {
                findings.add(Finding.warning(path + ":" + b.getString("field"), "field added at the destination behind"
                        + " a field_exists test"));
            } else {
                findings.add(Finding.error(path + ":" + b.getString("field"), "field added at the destination without"
                        + " a version bump (the source does not send it)"));
                return;
            }
        }
    }

    private void nested(String path, JObject s, JObject d) {
        String sname = s.getString("name");
        String dname = d.getString("name");
        if (!Objects.equals(sname, dname)) {
            findings.add(Finding.info(path, "nested description renamed from '" + sname + "' to '" + dname + "'"));
        }
        fields(path, present(s, (int) s.getLong("version_id", 0)), present(d, (int) d.getLong("version_id", 0)));
        for (JsonValue sv : s.getArray("Subsections")) {
            JObject ss = (JObject) sv;
            boolean found = d.getArray("Subsections").stream()
                    .anyMatch(x -> ss.getString("name").equals(((JObject) x).getString("name")));
            if (!found) {
                findings.add(Finding.error(path + "/" + ss.getString("name"), "subsection not found at the destination"));
            }
        }
    }

    /** Whether fields from {@code from} on add up to exactly {@code size} bytes: {end index, count}, or null. */
    private static int[] unusedRun(long size, List<JObject> fields, int from) {
        long sum = 0;
        for (int k = from; k < fields.size(); k++) {
            sum += fields.get(k).getLong("size", 0);
            if (sum == size) {
                return new int[] {k + 1, k + 1 - from};
            }
            if (sum > size) {
                return null;
            }
        }
        return null;
    }
}
