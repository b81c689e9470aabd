package qmig.stream.edit;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.UnaryOperator;
import qmig.stream.vmstate.VmStateValue;
import qmig.stream.vmstate.VmStateValue.Array;
import qmig.stream.vmstate.VmStateValue.Bool;
import qmig.stream.vmstate.VmStateValue.Bytes;
import qmig.stream.vmstate.VmStateValue.Entry;
import qmig.stream.vmstate.VmStateValue.Int;
import qmig.stream.vmstate.VmStateValue.ListValue;
import qmig.stream.vmstate.VmStateValue.Struct;
import qmig.stream.vmstate.VmStateValue.Subsection;
import qmig.stream.vmstate.VmStateValue.Tree;
import qmig.stream.vmstate.VmStateValue.TreeNode;

/**
 * Field paths inside a decoded vmstate value, in the notation of {@code qmig dump --paths}:
 * <pre>
 *   path    := key ( '[' index ']' )* ( '.' path )?
 *   key     := a field name as dump --json prints it (QEMU's "name[k]" from a name's second use
 *              on) or a subsection's wire name
 * </pre>
 * Field names may contain dots ({@code env.regs}), so a path is matched against the keys that
 * exist, longest first, never split blindly. List elements are {@code [i]}; a gtree node is
 * {@code [i].key} / {@code [i].value}.
 */
public final class FieldPath {

    private FieldPath() {
    }

    /** The dump key of each field of {@code s}, in order: a repeated name gets {@code [k]} from its second use. */
    public static List<String> keys(Struct s) {
        List<String> out = new ArrayList<>(s.fields().size());
        Map<String, Integer> seen = new HashMap<>();
        for (Entry e : s.fields()) {
            int k = seen.merge(e.name(), 1, Integer::sum) - 1;
            out.add(k == 0 ? e.name() : e.name() + "[" + k + "]");
        }
        return out;
    }

    /** Calls {@code leaf} with the path and value of every scalar under {@code s}, in wire order. */
    public static void walk(Struct s, String prefix, BiConsumer<String, VmStateValue> leaf) {
        List<String> keys = keys(s);
        for (int i = 0; i < keys.size(); i++) {
            walkValue(s.fields().get(i).value(), prefix + "." + keys.get(i), leaf);
        }
        for (Subsection sub : s.subsections()) {
            walk(sub.value(), prefix + "." + sub.name(), leaf);
        }
    }

    private static void walkValue(VmStateValue v, String path, BiConsumer<String, VmStateValue> leaf) {
        if (v instanceof Struct st) {
            walk(st, path, leaf);
        } else if (v instanceof Array a) {
            for (int i = 0; i < a.elements().size(); i++) {
                walkValue(a.elements().get(i), path + "[" + i + "]", leaf);
            }
        } else if (v instanceof ListValue l) {
            for (int i = 0; i < l.elements().size(); i++) {
                walk(l.elements().get(i), path + "[" + i + "]", leaf);
            }
        } else if (v instanceof Tree t) {
            for (int i = 0; i < t.nodes().size(); i++) {
                TreeNode n = t.nodes().get(i);
                walkValue(n.key(), path + "[" + i + "].key", leaf);
                walk(n.value(), path + "[" + i + "].value", leaf);
            }
        } else {
            leaf.accept(path, v);
        }
    }

    /**
     * A copy of {@code root} with the scalar at {@code path} replaced by {@code f} applied to it.
     *
     * @param full the whole path as the user wrote it, for messages
     */
    public static Struct replace(Struct root, String path, String full, UnaryOperator<VmStateValue> f) {
        return struct(root, path, full, 0, f);
    }

    /** The scalar at {@code path}, or an {@link EditException} naming where the path stops matching. */
    public static VmStateValue get(Struct root, String path, String full) {
        VmStateValue[] found = new VmStateValue[1];
        replace(root, path, full, v -> {
            found[0] = v;
            return v;
        });
        return found[0];
    }

    private static Struct struct(Struct s, String rest, String full, int depth, UnaryOperator<VmStateValue> f) {
        List<String> keys = keys(s);
        int best = -1;
        int bestLen = -1;
        for (int i = 0; i < keys.size() + s.subsections().size(); i++) {
            String k = i < keys.size() ? keys.get(i) : s.subsections().get(i - keys.size()).name();
            if (k.length() > bestLen && rest.startsWith(k)
                    && (rest.length() == k.length() || rest.charAt(k.length()) == '.' || rest.charAt(k.length()) == '[')) {
                best = i;
                bestLen = k.length();
            }
        }
        if (best < 0) {
            List<String> known = new ArrayList<>(keys);
            s.subsections().forEach(x -> known.add(x.name()));
            throw new EditException(full + ": no field '" + rest + "' here; the fields are " + shortList(known));
        }
        String after = rest.substring(bestLen);
        if (best >= keys.size()) {
            Subsection sub = s.subsections().get(best - keys.size());
            if (!after.startsWith(".")) {
                throw new EditException(full + ": '" + sub.name() + "' is a subsection; give a field inside it ("
                        + sub.name() + ".FIELD)");
            }
            Struct nv = struct(sub.value(), after.substring(1), full, depth + 1, f);
            List<Subsection> subs = new ArrayList<>(s.subsections());
            subs.set(best - keys.size(), new Subsection(sub.name(), sub.version(), nv));
            return new Struct(s.fields(), subs);
        }
        Entry e = s.fields().get(best);
        VmStateValue nv = value(e.value(), after, full, keys.get(best), f, depth);
        List<Entry> fields = new ArrayList<>(s.fields());
        fields.set(best, new Entry(e.name(), nv));
        return new Struct(fields, s.subsections());
    }

    private static VmStateValue value(VmStateValue v, String after, String full, String at,
                                      UnaryOperator<VmStateValue> f, int depth) {
        if (after.isEmpty()) {
            if (v instanceof Struct || v instanceof Array || v instanceof ListValue || v instanceof Tree) {
                throw new EditException(full + ": '" + at + "' is " + kind(v) + "; give "
                        + (v instanceof Struct ? "a field inside it (" + at + ".FIELD)" : "an element (" + at + "[0]...)"));
            }
            return f.apply(v);
        }
        if (after.charAt(0) == '.') {
            if (v instanceof Struct st) {
                return struct(st, after.substring(1), full, depth + 1, f);
            }
            throw new EditException(full + ": '" + at + "' is " + kind(v) + ", it has no fields");
        }
        // after starts with '['
        int close = after.indexOf(']');
        int idx;
        try {
            idx = close < 0 ? -1 : Integer.parseInt(after.substring(1, close));
        } catch (NumberFormatException ex) {
            idx = -1;
        }
        if (idx < 0) {
            throw new EditException(full + ": bad index '" + after + "' after '" + at + "': expected [N]");
        }
        String tail = after.substring(close + 1);
        String here = at + "[" + idx + "]";
        if (v instanceof Array a) {
            check(idx, a.elements().size(), full, at);
            List<VmStateValue> els = new ArrayList<>(a.elements());
            els.set(idx, value(els.get(idx), tail, full, here, f, depth));
            return new Array(els);
        } else if (v instanceof ListValue l) {
            check(idx, l.elements().size(), full, at);
            List<Struct> els = new ArrayList<>(l.elements());
            els.set(idx, (Struct) value(els.get(idx), tail, full, here, f, depth));
            return new ListValue(els);
        } else if (v instanceof Tree t) {
            check(idx, t.nodes().size(), full, at);
            List<TreeNode> nodes = new ArrayList<>(t.nodes());
            TreeNode n = nodes.get(idx);
            if (tail.startsWith(".key")) {
                nodes.set(idx, new TreeNode(value(n.key(), tail.substring(4), full, here + ".key", f, depth), n.value()));
            } else if (tail.startsWith(".value")) {
                nodes.set(idx, new TreeNode(n.key(), (Struct) value(n.value(), tail.substring(6), full, here + ".value",
                        f, depth)));
            } else {
                throw new EditException(full + ": a gtree node is addressed as " + here + ".key or " + here + ".value.FIELD");
            }
            return new Tree(nodes);
        }
        throw new EditException(full + ": '" + at + "' is " + kind(v) + ", not an array");
    }

    private static void check(int idx, int size, String full, String at) {
        if (idx >= size) {
            throw new EditException(full + ": index " + idx + " is out of range: '" + at + "' has " + size + " elements");
        }
    }

    private static String kind(VmStateValue v) {
        if (v instanceof Struct) {
            return "a struct";
        } else if (v instanceof Array a) {
            return "an array of " + a.elements().size();
        } else if (v instanceof ListValue l) {
            return "a list of " + l.elements().size();
        } else if (v instanceof Tree t) {
            return "a gtree of " + t.nodes().size() + " nodes";
        }
        return "a " + typeName(v);
    }

    private static String shortList(List<String> names) {
        if (names.isEmpty()) {
            return "(none)";
        }
        return names.size() <= 12 ? String.join(", ", names)
                : String.join(", ", names.subList(0, 12)) + ", ... (" + names.size() + " in all)";
    }

    // ---- values ----------------------------------------------------------------------------

    /** The type of a scalar as the user gives it: int64, uint8, bool, buffer[16], null pointer. */
    public static String typeName(VmStateValue v) {
        if (v instanceof Int i) {
            return (i.signed() ? "int" : "uint") + 8 * i.width();
        } else if (v instanceof Bool) {
            return "bool";
        } else if (v instanceof Bytes b) {
            return "buffer[" + b.length() + "]";
        }
        return "null pointer marker";
    }

    /** What a VALUE for {@code current}'s type looks like, for messages. */
    public static String expected(VmStateValue current) {
        if (current instanceof Int i) {
            BigInteger[] r = range(i);
            String s = typeName(i) + " (decimal " + r[0] + ".." + r[1];
            return s + ", or 0x hex up to " + i.width() * 2 + " digits)";
        } else if (current instanceof Bool) {
            return "bool (true, false, 1 or 0)";
        } else if (current instanceof Bytes b) {
            return "buffer of " + b.length() + " bytes (" + 2 * b.length() + " hex digits)";
        }
        return typeName(current);
    }

    private static BigInteger[] range(Int i) {
        int bits = 8 * i.width();
        if (i.signed()) {
            return new BigInteger[] {BigInteger.ONE.shiftLeft(bits - 1).negate(),
                BigInteger.ONE.shiftLeft(bits - 1).subtract(BigInteger.ONE)};
        }
        return new BigInteger[] {BigInteger.ZERO, BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE)};
    }

    /**
     * Parses {@code text} as a value of {@code current}'s type: integers in decimal (range
     * checked for the width and sign) or 0x hex (the bit pattern, at most the width's digits),
     * booleans, and buffers as hex of exactly the same length (a fixed-size field changes no
     * sizes).
     */
    public static VmStateValue parse(VmStateValue current, String text, String full) {
        String t = text.trim();
        if (current instanceof Int i) {
            BigInteger v;
            try {
                if (t.startsWith("0x") || t.startsWith("0X")) {
                    v = new BigInteger(t.substring(2), 16);
                    if (t.length() - 2 > 2 * i.width() || v.signum() < 0) {
                        throw new EditException(full + "=" + text + ": out of range, expected " + expected(i));
                    }
                    long bits = v.longValue();
                    if (i.signed() && i.width() < 8) {
                        int sh = 64 - 8 * i.width();
                        bits = (bits << sh) >> sh;
                    }
                    return new Int(bits, i.width(), i.signed());
                }
                v = new BigInteger(t);
            } catch (NumberFormatException e) {
                throw new EditException(full + "=" + text + ": not a number, expected " + expected(i));
            }
            BigInteger[] r = range(i);
            if (v.compareTo(r[0]) < 0 || v.compareTo(r[1]) > 0) {
                throw new EditException(full + "=" + text + ": out of range, expected " + expected(i));
            }
            return new Int(v.longValue(), i.width(), i.signed());
        } else if (current instanceof Bool) {
            return switch (t.toLowerCase()) {
                case "true", "1", "on", "yes" -> Bool.TRUE;
                case "false", "0", "off", "no" -> Bool.FALSE;
                default -> throw new EditException(full + "=" + text + ": expected " + expected(current));
            };
        } else if (current instanceof Bytes b) {
            String hex = t.startsWith("0x") || t.startsWith("0X") ? t.substring(2) : t;
            byte[] data;
            try {
                data = HexFormat.of().parseHex(hex);
            } catch (IllegalArgumentException e) {
                throw new EditException(full + "=" + text + ": not hex, expected " + expected(b));
            }
            if (data.length != b.length()) {
                throw new EditException(full + "=" + text + ": " + data.length + " bytes, expected " + expected(b));
            }
            return new Bytes(data);
        }
        throw new EditException(full + ": a " + typeName(current) + " cannot be set");
    }
}
