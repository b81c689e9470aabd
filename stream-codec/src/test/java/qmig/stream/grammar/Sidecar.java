package qmig.stream.grammar;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import qmig.stream.json.Json;
import qmig.stream.json.JsonValue;
import qmig.testdata.Capture;

/** The facts an independent reader (testdata/scripts/stream-info.py) recorded for a capture. */
record Sidecar(long size, List<Section> sections, long eofOffset, boolean trailer, String machine,
               Map<String, long[]> pages, Map<String, Long> blocks) {

    record Section(String kind, long id, String idstr, long instance, long version, long offset, long payload,
                   long len, boolean footer) {
    }

    static Sidecar of(Capture c) throws Exception {
        byte[] text = c.sidecar().getBytes(StandardCharsets.UTF_8);
        JsonValue.JObject root = (JsonValue.JObject) Json.parse(text, 0, text.length, 0, 64);
        JsonValue.JObject si = (JsonValue.JObject) get(root, "stream_info");
        List<Section> sections = new ArrayList<>();
        for (JsonValue v : ((JsonValue.JArray) get(si, "sections")).items()) {
            JsonValue.JObject s = (JsonValue.JObject) v;
            sections.add(new Section(str(s, "kind"), num(s, "id"), str(s, "idstr"), num(s, "instance"),
                    num(s, "version"), num(s, "offset"), num(s, "payload"), num(s, "len"),
                    ((JsonValue.JBool) get(s, "footer")).value()));
        }
        JsonValue.JObject ram = (JsonValue.JObject) get(si, "ram");
        Map<String, long[]> pages = new LinkedHashMap<>();
        for (JsonValue.Member m : ((JsonValue.JObject) get(ram, "pages")).members()) {
            List<JsonValue> pair = ((JsonValue.JArray) m.value()).items();
            pages.put(m.key(), new long[] {((JsonValue.JNumber) pair.get(0)).value(), ((JsonValue.JNumber) pair.get(1)).value()});
        }
        Map<String, Long> blocks = new LinkedHashMap<>();
        for (JsonValue v : ((JsonValue.JArray) get(ram, "blocks")).items()) {
            blocks.put(str((JsonValue.JObject) v, "id"), num((JsonValue.JObject) v, "length"));
        }
        JsonValue vmdesc = get(si, "vmdesc");
        String machine = str((JsonValue.JObject) get(si, "configuration"), "machine");
        return new Sidecar(num(si, "size"), sections, num(si, "eof_offset"),
                vmdesc instanceof JsonValue.JObject, machine, pages, blocks);
    }

    static JsonValue get(JsonValue.JObject o, String key) {
        for (JsonValue.Member m : o.members()) {
            if (m.key().equals(key)) {
                return m.value();
            }
        }
        throw new IllegalArgumentException("no key " + key);
    }

    static String str(JsonValue.JObject o, String key) {
        return ((JsonValue.JString) get(o, key)).value();
    }

    static long num(JsonValue.JObject o, String key) {
        return ((JsonValue.JNumber) get(o, key)).value();
    }
}
