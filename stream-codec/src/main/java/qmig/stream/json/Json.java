package qmig.stream.json;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import qmig.stream.json.JsonValue.JArray;
import qmig.stream.json.JsonValue.JBool;
import qmig.stream.json.JsonValue.JNull;
import qmig.stream.json.JsonValue.JNumber;
import qmig.stream.json.JsonValue.JObject;
import qmig.stream.json.JsonValue.JString;
import qmig.stream.json.JsonValue.Member;
import qmig.stream.wire.Limits;
import qmig.stream.wire.StreamFormatException;

/**
 * A small JSON reader and QEMU's compact JSON writer.
 *
 * <p>The reader takes UTF-8 text (RFC 8259), keeps member order and duplicate keys, and holds
 * integers as {@code long} with their literal text. Fractions and exponents are rejected: QEMU
 * writes none. Every error is a {@link StreamFormatException.Corrupt} at the offending byte.
 *
 * <p>The writer mirrors QEMU 7.2 {@code qobject/json-writer.c} in non-pretty mode (spec
 * stream.md §8.2), so a parsed trailer is written back byte for byte.
 */
public final class Json {
    private Json() {
    }

    /**
     * Parses UTF-8 JSON text. Errors are {@link StreamFormatException.Corrupt} at
     * {@code baseOffset + index} of the offending byte; nesting deeper than {@code maxDepth} is
     * {@link StreamFormatException.LimitExceeded}.
     */
    public static JsonValue parse(byte[] text, int off, int len, long baseOffset, int maxDepth)
            throws StreamFormatException {
        if (off < 0 || len < 0 || off + len > text.length) {
            throw new IndexOutOfBoundsException("range " + off + "+" + len + " of " + text.length);
        }
        Parser p = new Parser(text, off, off + len, baseOffset - off, maxDepth);
        p.ws();
        JsonValue v = p.value(0);
        p.ws();
        if (p.pos != p.end) {
            throw p.err("trailing data after JSON value");
        }
        return v;
    }

    /** Parses a whole array with {@link Limits#DEFAULT}'s nesting depth. */
    public static JsonValue parse(byte[] text) throws StreamFormatException {
        return parse(text, 0, text.length, 0, Limits.DEFAULT.maxNestingDepth() * 4);
    }

    private static final class Parser {
        final byte[] b;
        final int end;
        final long base;
        final int maxDepth;
        int pos;

        Parser(byte[] b, int pos, int end, long base, int maxDepth) {
            this.b = b;
            this.pos = pos;
            this.end = end;
            this.base = base;
            this.maxDepth = maxDepth;
        }

        StreamFormatException err(String what) {
            if (pos >= end) {
                return StreamFormatException.truncated(base + pos, "JSON text: " + what, 1, 0);
            }
            return StreamFormatException.corrupt(base + pos, "JSON: " + what + " (byte 0x"
                    + Integer.toHexString(b[pos] & 0xff) + ")");
        }

        void ws() {
            while (pos < end) {
                int c = b[pos];
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                    pos++;
                } else {
                    return;
                }
            }
        }

        void expect(char c, String what) throws StreamFormatException {
            if (pos >= end || b[pos] != c) {
                throw err("expected '" + c + "' " + what);
            }
            pos++;
        }

        JsonValue value(int depth) throws StreamFormatException {
            if (pos >= end) {
                throw err("expected a value");
            }
            switch (b[pos]) {
                case '{':
                    return object(depth + 1);
                case '[':
                    return array(depth + 1);
                case '"':
                    return new JString(string());
                case 't':
                    literal("true");
                    return new JBool(true);
                case 'f':
                    literal("false");
                    return new JBool(false);
                case 'n':
                    literal("null");
                    return new JNull();
                default:
                    return number();
            }
        }

        void depth(int depth) throws StreamFormatException {
            if (depth > maxDepth) {
                throw StreamFormatException.limitExceeded(base + pos, "JSON nesting depth", depth, maxDepth,
                        "Limits.maxNestingDepth");
            }
        }

        JObject object(int depth) throws StreamFormatException {
            depth(depth);
            pos++;
            List<Member> members = new ArrayList<>();
            ws();
            if (pos < end && b[pos] == '}') {
                pos++;
                return new JObject(members);
            }
            while (true) {
                ws();
                if (pos >= end || b[pos] != '"') {
                    throw err("expected a member name");
                }
                String key = string();
                ws();
                expect(':', "after a member name");
                ws();
                members.add(new Member(key, value(depth)));
                ws();
                if (pos < end && b[pos] == ',') {
                    pos++;
                } else {
                    expect('}', "or ',' in an object");
                    return new JObject(members);
                }
            }
        }

        JArray array(int depth) throws StreamFormatException {
            depth(depth);
            pos++;
            List<JsonValue> items = new ArrayList<>();
            ws();
            if (pos < end && b[pos] == ']') {
                pos++;
                return new JArray(items);
            }
            while (true) {
                ws();
                items.add(value(depth));
                ws();
                if (pos < end && b[pos] == ',') {
                    pos++;
                } else {
                    expect(']', "or ',' in an array");
                    return new JArray(items);
                }
            }
        }

        void literal(String word) throws StreamFormatException {
            for (int i = 0; i < word.length(); i++) {
                if (pos >= end || b[pos] != word.charAt(i)) {
                    throw err("bad literal, expected '" + word + "'");
                }
                pos++;
            }
        }

        JNumber number() throws StreamFormatException {
            int start = pos;
            if (pos < end && b[pos] == '-') {
                pos++;
            }
            if (pos >= end || b[pos] < '0' || b[pos] > '9') {
                throw err("expected a value");
            }
            if (b[pos] == '0' && pos + 1 < end && b[pos + 1] >= '0' && b[pos + 1] <= '9') {
                pos++;
                throw err("leading zero in a number");
            }
            while (pos < end && b[pos] >= '0' && b[pos] <= '9') {
                pos++;
            }
            boolean integral = true;
            if (pos < end && b[pos] == '.') {
                integral = false;
                pos++;
                int digits = pos;
                while (pos < end && b[pos] >= '0' && b[pos] <= '9') {
                    pos++;
                }
                if (pos == digits) {
                    throw err("expected a digit after '.'");
                }
            }
            if (pos < end && (b[pos] == 'e' || b[pos] == 'E')) {
                integral = false;
                pos++;
                if (pos < end && (b[pos] == '+' || b[pos] == '-')) {
                    pos++;
                }
                int digits = pos;
                while (pos < end && b[pos] >= '0' && b[pos] <= '9') {
                    pos++;
                }
                if (pos == digits) {
                    throw err("expected a digit in the exponent");
                }
            }
            String text = new String(b, start, pos - start, StandardCharsets.US_ASCII);
            if (!integral) {
                // QEMU writes integers only; other JSON (sidecars, reports) may carry fractions: keep the literal
                return new JNumber((long) Double.parseDouble(text), text);
            }
            try {
                return new JNumber(Long.parseLong(text), text);
            } catch (NumberFormatException e) {
                int at = pos;
                pos = start;
                StreamFormatException ex = err("integer out of 64-bit range: " + text);
                pos = at;
                throw ex;
            }
        }

        String string() throws StreamFormatException {
            pos++; // opening quote
            StringBuilder sb = new StringBuilder();
            while (true) {
                if (pos >= end) {
                    throw err("unterminated string");
                }
                int c = b[pos] & 0xff;
                if (c == '"') {
                    pos++;
                    return sb.toString();
                } else if (c == '\\') {
                    pos++;
                    if (pos >= end) {
                        throw err("unterminated escape");
                    }
                    int e = b[pos];
                    switch (e) {
                        case '"' -> sb.append('"');
                        case '\\' -> sb.append('\\');
                        case '/' -> sb.append('/');
                        case 'b' -> sb.append('\b');
                        case 'f' -> sb.append('\f');
                        case 'n' -> sb.append('\n');
                        case 'r' -> sb.append('\r');
                        case 't' -> sb.append('\t');
                        case 'u' -> {
                            pos++;
                            sb.append((char) hex4());
                            continue;
                        }
                        default -> throw err("bad escape");
                    }
                    pos++;
                } else if (c < 0x20) {
                    throw err("control character in a string");
                } else if (c < 0x80) {
                    sb.append((char) c);
                    pos++;
                } else {
                    sb.appendCodePoint(utf8());
                }
            }
        }

        int hex4() throws StreamFormatException {
            int v = 0;
            for (int i = 0; i < 4; i++) {
                if (pos >= end) {
                    throw err("truncated \\u escape");
                }
                int d = Character.digit(b[pos], 16);
                if (d < 0) {
                    throw err("bad hex digit in \\u escape");
                }
                v = v * 16 + d;
                pos++;
            }
            return v;
        }

        int utf8() throws StreamFormatException {
            int c = b[pos] & 0xff;
            int n;
            int cp;
            int min;
            if (c >= 0xc2 && c <= 0xdf) {
                n = 1;
                cp = c & 0x1f;
                min = 0x80;
            } else if (c >= 0xe0 && c <= 0xef) {
                n = 2;
                cp = c & 0x0f;
                min = 0x800;
            } else if (c >= 0xf0 && c <= 0xf4) {
                n = 3;
                cp = c & 0x07;
                min = 0x10000;
            } else {
                throw err("invalid UTF-8 lead byte");
            }
            int start = pos;
            pos++;
            for (int i = 0; i < n; i++) {
                if (pos >= end) {
                    throw err("truncated UTF-8 sequence");
                }
                int cc = b[pos] & 0xff;
                if ((cc & 0xc0) != 0x80) {
                    throw err("invalid UTF-8 continuation byte");
                }
                cp = (cp << 6) | (cc & 0x3f);
                pos++;
            }
            if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
                pos = start;
                throw err("invalid UTF-8 sequence");
            }
            return cp;
        }
    }

    // ---- writing ---------------------------------------------------------------------------

    /** Writes {@code v} as QEMU's compact JSON writer does (qobject/json-writer.c, non-pretty). */
    public static byte[] writeQemu(JsonValue v) {
        StringBuilder sb = new StringBuilder();
        write(sb, v);
        // every character written is ASCII
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** {@link #writeQemu} as a string. */
    public static String toQemuString(JsonValue v) {
        return new String(writeQemu(v), StandardCharsets.US_ASCII);
    }

    private static void write(StringBuilder sb, JsonValue v) {
        if (v instanceof JObject o) {
            sb.append('{');
            boolean first = true;
            for (Member m : o.members()) {
                if (!first) {
                    sb.append(", ");
                }
                first = false;
                quoted(sb, m.key());
                sb.append(": ");
                write(sb, m.value());
            }
            sb.append('}');
        } else if (v instanceof JArray a) {
            sb.append('[');
            boolean first = true;
            for (JsonValue x : a.items()) {
                if (!first) {
                    sb.append(", ");
                }
                first = false;
                write(sb, x);
            }
            sb.append(']');
        } else if (v instanceof JString s) {
            quoted(sb, s.value());
        } else if (v instanceof JNumber n) {
            if (n.text() != null && !n.text().equals(Long.toString(n.value()))) {
                sb.append(n.text()); // a fraction or exponent kept as it was read
            } else {
                sb.append(n.value());
            }
        } else if (v instanceof JBool b) {
            sb.append(b.value() ? "true" : "false");
        } else {
            sb.append("null");
        }
    }

    /** Escapes as json-writer.c's quoted_str: named escapes, else \\uXXXX below 0x20 and from 0x7F. */
    private static void quoted(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            switch (cp) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (cp > 0xffff) {
                        hex4(sb, 0xd800 + ((cp - 0x10000) >> 10));
                        hex4(sb, 0xdc00 + ((cp - 0x10000) & 0x3ff));
                    } else if (cp < 0x20 || cp >= 0x7f) {
                        hex4(sb, cp);
                    } else {
                        sb.append((char) cp);
                    }
                }
            }
        }
        sb.append('"');
    }

    private static void hex4(StringBuilder sb, int v) {
        sb.append("\\u");
        String h = Integer.toHexString(v).toUpperCase(java.util.Locale.ROOT);
        for (int k = h.length(); k < 4; k++) {
            sb.append('0');
        }
        sb.append(h);
    }

}
