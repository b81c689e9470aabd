package qmig.stream.diff;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import qmig.stream.vmstate.VmStateCodec;
import qmig.stream.vmstate.VmStateDescription;
import qmig.stream.vmstate.VmStateValue;

/**
 * One scalar element of a decoded section with its path and the stream offset of its first
 * byte.
 *
 * <p>Paths follow {@code qmig dump}: field names joined by {@code .}, a name's second and later
 * use suffixed {@code [k]}, array, list and tree elements indexed {@code [i]} (a tree node's
 * parts are {@code [i].key} and {@code [i].value}), a subsection's fields under its wire name
 * ({@code cpu/async_pf_msr.async_pf_en_msr}).
 *
 * @param path   where in the section
 * @param value  an {@code Int}, {@code Bool}, {@code Bytes} or {@code NullMarker} (or a
 *               device codec's own value)
 * @param offset the stream offset, or -1 when it could not be located
 */
public record FieldLeaf(String path, VmStateValue value, long offset) {

    /**
     * The leaves of {@code value} in wire order. Offsets come from saving the value again
     * ({@link VmStateCodec#saveLocating}), which writes the bytes it was loaded from.
     *
     * @param payloadOffset the stream offset of the section payload's first byte
     */
    public static List<FieldLeaf> of(VmStateDescription d, int version, VmStateValue.Struct value, long payloadOffset) {
        List<Object[]> located = new ArrayList<>();
        try {
            VmStateCodec.saveLocating(d, version, value, (pos, v) -> located.add(new Object[] {pos, v}));
        } catch (RuntimeException e) {
            located.clear(); // the value does not save with this description: paths without offsets
        }
        List<FieldLeaf> out = new ArrayList<>();
        new Walker(located, payloadOffset, out).struct(value, "");
        // a field may be named like another's element (i8254's "channels[0].next_transition_time"
        // after its "channels" array): later uses of a path get "#2", "#3", ...
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < out.size(); i++) {
            FieldLeaf f = out.get(i);
            int n = seen.merge(f.path(), 1, Integer::sum);
            if (n > 1) {
                out.set(i, new FieldLeaf(f.path() + "#" + n, f.value(), f.offset()));
            }
        }
        return out;
    }

    private static final class Walker {
        final List<Object[]> located;
        final long base;
        final List<FieldLeaf> out;
        int next;

        Walker(List<Object[]> located, long base, List<FieldLeaf> out) {
            this.located = located;
            this.base = base;
            this.out = out;
        }

        void struct(VmStateValue.Struct s, String prefix) {
            Map<String, Integer> seen = new HashMap<>();
            for (VmStateValue.Entry e : s.fields()) {
                int k = seen.merge(e.name(), 1, Integer::sum) - 1;
                value(e.value(), join(prefix, k == 0 ? e.name() : e.name() + "[" + k + "]"));
            }
            for (VmStateValue.Subsection sub : s.subsections()) {
                struct(sub.value(), join(prefix, sub.name()));
            }
        }

        void value(VmStateValue v, String path) {
            if (next < located.size() && located.get(next)[1] == v) {
                out.add(new FieldLeaf(path, v, base + (Long) located.get(next)[0]));
                next++;
                return;
            }
            if (v instanceof VmStateValue.Struct s) {
                struct(s, path);
            } else if (v instanceof VmStateValue.Array a) {
                for (int i = 0; i < a.elements().size(); i++) {
                    value(a.elements().get(i), path + "[" + i + "]");
                }
            } else if (v instanceof VmStateValue.ListValue l) {
                for (int i = 0; i < l.elements().size(); i++) {
                    struct(l.elements().get(i), path + "[" + i + "]");
                }
            } else if (v instanceof VmStateValue.Tree t) {
                for (int i = 0; i < t.nodes().size(); i++) {
                    value(t.nodes().get(i).key(), path + "[" + i + "].key");
                    struct(t.nodes().get(i).value(), path + "[" + i + "].value");
                }
            } else {
                out.add(new FieldLeaf(path, v, -1));
            }
        }

        private static String join(String prefix, String name) {
            return prefix.isEmpty() ? name : prefix + "." + name;
        }
    }
}
