package qmig.stream.json;

import java.util.List;

/**
 * A JSON tree that keeps what QEMU's VMDESCRIPTION needs kept: member order and duplicate
 * keys (qtailq/qlist/gtree descriptions repeat keys in one object). CONTRACT STUB: the
 * vmstate work fills in helpers; these records are the agreed shape.
 */
public sealed interface JsonValue {

    record JObject(List<Member> members) implements JsonValue {
        public JObject {
            members = List.copyOf(members);
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
    }

    record JBool(boolean value) implements JsonValue {
    }

    record JNull() implements JsonValue {
    }
}
