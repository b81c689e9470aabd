package qmig.stream.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import qmig.stream.json.JsonValue.JObject;
import qmig.stream.wire.StreamFormatException;

class JsonTest {

    static JsonValue parse(String s) throws StreamFormatException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return Json.parse(b, 0, b.length, 0, 16);
    }

    @Test
    void writesQemuCompactSeparators() throws StreamFormatException {
        String text = "{\"page_size\": 4096, \"devices\": [{\"name\": \"timer\", \"instance_id\": 0, \"fields\": []}, {}], "
                + "\"b\": true, \"n\": null, \"neg\": -12}";
        assertEquals(text, Json.toQemuString(parse(text)));
        assertEquals(text, Json.toQemuString(parse(text.replace(", ", ",\n  ").replace(": ", " :"))));
    }

    @Test
    void keepsDuplicateKeysInOrder() throws StreamFormatException {
        String text = "{\"name\": \"q\", \"vmsd_name\": \"a\", \"version\": 1, \"vmsd_name\": \"b\", \"version\": 2}";
        JObject o = (JObject) parse(text);
        assertEquals("a", o.getString("vmsd_name"));
        assertEquals(2, o.getAll("version").size());
        assertEquals(text, Json.toQemuString(o));
    }

    @Test
    void escapesLikeJsonWriterC() {
        JsonValue v = new JsonValue.JString("q\"\\\b\f\n\r\t\u0001\u007f\u00e9\u20ac\ud83d\ude00/");
        assertEquals("\"q\\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u007F\\u00E9\\u20AC\\uD83D\\uDE00/\"", Json.toQemuString(v));
    }

    @Test
    void readsEscapesAndUtf8() throws StreamFormatException {
        JsonValue v = parse("[\"\\u00e9\\uD83D\\uDE00\\/\", \"\u00e9\ud83d\ude00\"]");
        List<JsonValue> items = ((JsonValue.JArray) v).items();
        assertEquals(items.get(1), new JsonValue.JString("\u00e9\ud83d\ude00"));
        assertEquals("\u00e9\ud83d\ude00/", ((JsonValue.JString) items.get(0)).value());
    }

    @Test
    void keepsIntegerLiteral() throws StreamFormatException {
        JsonValue.JNumber n = (JsonValue.JNumber) parse("-9223372036854775808");
        assertEquals(Long.MIN_VALUE, n.value());
        assertEquals("-9223372036854775808", n.text());
    }

    @Test
    void junkIsCorruptAtItsOffset() {
        byte[] b = "xx{\"a\": 1,}".getBytes(StandardCharsets.US_ASCII);
        StreamFormatException e = assertThrows(StreamFormatException.Corrupt.class,
                () -> Json.parse(b, 2, b.length - 2, 1000, 16));
        assertEquals(1000 + 8, e.offset());
        assertThrows(StreamFormatException.Corrupt.class, () -> parse("{\"a\": 1} x"));
        assertThrows(StreamFormatException.Corrupt.class, () -> parse("[1.]"));
        assertThrows(StreamFormatException.Corrupt.class, () -> parse("[1e]"));
        assertThrows(StreamFormatException.Corrupt.class, () -> parse("[01]"));
        assertThrows(StreamFormatException.Corrupt.class, () -> parse("[99999999999999999999]"));
        assertThrows(StreamFormatException.Corrupt.class, () -> parse("[\"\u0001\"]"));
        assertThrows(StreamFormatException.Corrupt.class, () -> parse("[tru]"));
        byte[] badUtf8 = {'[', '"', (byte) 0xc0, (byte) 0x80, '"', ']'};
        assertThrows(StreamFormatException.Corrupt.class, () -> Json.parse(badUtf8, 0, badUtf8.length, 0, 4));
    }

    @Test
    void fractionsAreKeptAsTheirLiteral() throws Exception {
        String text = "{\"guest_boot_s\": 7.25, \"e\": -1.5e-3, \"n\": 12}";
        byte[] b = text.getBytes(StandardCharsets.US_ASCII);
        JsonValue v = Json.parse(b, 0, b.length, 0, 8);
        assertEquals(text, Json.toQemuString(v));
    }

    @Test
    void endOfTextIsTruncated() {
        assertThrows(StreamFormatException.Truncated.class, () -> parse("{\"a\": [1, 2"));
        assertThrows(StreamFormatException.Truncated.class, () -> parse(""));
    }

    @Test
    void depthIsLimited() {
        assertThrows(StreamFormatException.LimitExceeded.class, () -> parse("[".repeat(17) + "]".repeat(17)));
    }
}
