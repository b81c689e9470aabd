package qmig.stream.json;

import java.util.ArrayList;
import java.util.List;

/**
 * A JSON tree that keeps what QEMU's VMDESCRIPTION needs kept: member order and duplicate
 * keys (qtailq/qlist/gtree descriptions repeat keys in one object).
 */
public sealed interface JsonValue {

    /** An object: members in text order, duplicate keys kept. */
    record JObject(List<Member> members) implements JsonValue {
        public JObject {
            members = List.copyOf(members);
        }

        /** The value of the first member named {@code key}, or null. */
        public JsonValue get(String key) {
            for (Member m : members) {
                if (m.key().equals(key)) {
                    return m.value();
                }
            }
            return null;
        }

        /** The values of all members named {@code key}, in text order. */
        public List<JsonValue> getAll(String key) {
            List<JsonValue> out = new ArrayList<>();
            for (Member m : members) {
                if (m.key().equals(key)) {
                    out.add(m.value());
                }
            }
            return out;
        }

        public boolean has(String key) {
            return get(key) != null;
        }

        /** The first string member {@code key}, or null when absent or not a string. */
        public String getString(String key) {
            return get(key) instanceof JString s ? s.value() : null;
        }

        /** The first integer member {@code key}, or {@code dflt} when absent or not a number. */
        public long getLong(String key, long dflt) {
            return get(key) instanceof JNumber n ? n.value() : dflt;
        }

        public JObject getObject(String key) {
            return get(key) instanceof JObject o ? o : null;
        }

        /** The first array member {@code key}; an empty list when absent. */
        public List<JsonValue> getArray(String key) {
            return get(key) instanceof JArray a ? a.items() : List.of();
        }

        public static JObject of(Object... keysAndValues) {
            List<Member> ms = new ArrayList<>();
            for (int i = 0; i < keysAndValues.length; i += 2) {
                ms.add(new Member((String) keysAndValues[i], JsonValue.wrap(keysAndValues[i + 1])));
            }
            return new JObject(ms);
        }
    }

    record Member(String key, JsonValue value) {
    }

    record JArray(List<JsonValue> items) implements JsonValue {
        public JArray {
            items = List.copyOf(items);
        }
    }

    record JString(String value) implements JsonValue {
    }

    /** QEMU writes integers only; {@code text} keeps the literal as it appeared. */
    record JNumber(long value, String text) implements JsonValue {
        public static JNumber of(long v) {
            return new JNumber(v, Long.toString(v));
        }
    }

    record JBool(boolean value) implements JsonValue {
    }

    record JNull() implements JsonValue {
    }

    /** Wraps Java values (String, Number, Boolean, null, List, JsonValue) for building trees. */
    static JsonValue wrap(Object o) {
        if (o == null) {
            return new JNull();
        } else if (o instanceof JsonValue v) {
            return v;
        } else if (o instanceof String s) {
            return new JString(s);
        } else if (o instanceof Boolean b) {
            return new JBool(b);
        } else if (o instanceof Number n) {
            return JNumber.of(n.longValue());
        } else if (o instanceof List<?> l) {
            List<JsonValue> items = new ArrayList<>();
            for (Object x : l) {
                items.add(wrap(x));
            }
            return new JArray(items);
        }
        throw new IllegalArgumentException("not a JSON value: " + o.getClass());
    }
}
