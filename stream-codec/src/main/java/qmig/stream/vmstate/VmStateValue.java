package qmig.stream.vmstate;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * Decoded vmstate values. Everything needed to write the same bytes back is kept: integer
 * widths, the raw byte of a {@code bool}, the bytes read for {@code unused} fields, NULL
 * markers, and which subsections were present in which order and version.
 */
public sealed interface VmStateValue {

    /**
     * One decoded VMSD: its present fields in wire order (names may repeat, as in fw_cfg's two
     * {@code cur_offset}), then its present subsections in the order they were read.
     */
    record Struct(List<Entry> fields, List<Subsection> subsections) implements VmStateValue {
        public Struct {
            fields = List.copyOf(fields);
            subsections = List.copyOf(subsections);
        }

        public Struct(List<Entry> fields) {
            this(fields, List.of());
        }

        /** The first field named {@code name}, or null. */
        public VmStateValue get(String name) {
            for (Entry e : fields) {
                if (e.name().equals(name)) {
                    return e.value();
                }
            }
            return null;
        }

        public boolean has(String name) {
            return get(name) != null;
        }

        /** The integer value of a scalar field ({@link Int}, {@link Bool}). */
        public long longValue(String name) {
            VmStateValue v = get(name);
            if (v instanceof Int i) {
                return i.value();
            } else if (v instanceof Bool b) {
                return b.raw();
            }
            throw new IllegalArgumentException("no integer field '" + name + "' in " + this);
        }

        /** The bytes of a buffer-like field. */
        public byte[] bytes(String name) {
            if (get(name) instanceof Bytes b) {
                return b.data();
            }
            throw new IllegalArgumentException("no buffer field '" + name + "'");
        }

        /** The bytes of a buffer field as ISO-8859-1 text (e.g. configuration's {@code name}). */
        public String bytesAsText(String field) {
            return new String(bytes(field), StandardCharsets.ISO_8859_1);
        }

        /** The subsection with that wire name, or null. */
        public Subsection subsection(String name) {
            for (Subsection s : subsections) {
                if (s.name().equals(name)) {
                    return s;
                }
            }
            return null;
        }

        /** A copy with {@code name}'s first occurrence replaced by {@code value}. */
        public Struct with(String name, VmStateValue value) {
            List<Entry> out = new ArrayList<>(fields);
            for (int i = 0; i < out.size(); i++) {
                if (out.get(i).name().equals(name)) {
                    out.set(i, new Entry(name, value));
                    return new Struct(out, subsections);
                }
            }
            throw new IllegalArgumentException("no field '" + name + "'");
        }
    }

    /** A named field value inside a {@link Struct}. */
    record Entry(String name, VmStateValue value) {
        public Entry {
            Objects.requireNonNull(name);
            Objects.requireNonNull(value);
        }
    }

    /** A subsection as it appeared on the wire: {@code 05 cstr8(name) be32(version)} + payload. */
    record Subsection(String name, int version, Struct value) {
        public Subsection {
            Objects.requireNonNull(name);
            Objects.requireNonNull(value);
        }
    }

    /**
     * A fixed-width integer (also {@code timer}, {@code CPU_Double_U}).
     *
     * @param value  the value; unsigned 64-bit values are held in two's complement
     * @param width  bytes on the wire: 1, 2, 4 or 8
     * @param signed whether the codec is signed (affects only {@link #value()}'s sign extension)
     */
    record Int(long value, int width, boolean signed) implements VmStateValue {
        public Int {
            if (width != 1 && width != 2 && width != 4 && width != 8) {
                throw new IllegalArgumentException("integer width " + width);
            }
            if (width < 8) {
                long norm = signed ? (value << (64 - 8 * width)) >> (64 - 8 * width)
                        : value & ((1L << (8 * width)) - 1);
                if (norm != value) {
                    throw new IllegalArgumentException(value + " does not fit " + (signed ? "int" : "uint") + 8 * width);
                }
            }
        }

        @Override
        public String toString() {
            return (signed ? "int" : "uint") + 8 * width + ":" + (signed || width < 8 ? Long.toString(value)
                    : Long.toUnsignedString(value));
        }
    }

    /** A {@code bool}: the raw byte read (any non-zero byte is true). */
    record Bool(int raw) implements VmStateValue {
        public static final Bool TRUE = new Bool(1);
        public static final Bool FALSE = new Bool(0);

        public Bool {
            if (raw < 0 || raw > 0xff) {
                throw new IllegalArgumentException("bool byte " + raw);
            }
        }

        public boolean value() {
            return raw != 0;
        }
    }

    /** Raw bytes: {@code buffer}, {@code unused_buffer} (as read), {@code bitmap}, opaque device codecs. */
    record Bytes(byte[] data) implements VmStateValue {
        public Bytes {
            data = data.clone();
        }

        @Override
        public byte[] data() {
            return data.clone();
        }

        public int length() {
            return data.length;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Bytes b && Arrays.equals(data, b.data);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            String hex = HexFormat.of().formatHex(data, 0, Math.min(64, data.length));
            return "[size=" + data.length + " hex=" + hex + (data.length > 64 ? "…" : "") + "]";
        }
    }

    /** The elements of an array field (count &gt; 1 or a count taken from another field). */
    record Array(List<VmStateValue> elements) implements VmStateValue {
        public Array {
            elements = List.copyOf(elements);
        }
    }

    /** A NULL pointer element, written as the single byte 0x30 ({@code VMS_NULLPTR_MARKER}). */
    record NullMarker() implements VmStateValue {
        public static final NullMarker INSTANCE = new NullMarker();
    }

    /** A {@code qtailq}/{@code qlist}: elements in list order. */
    record ListValue(List<Struct> elements) implements VmStateValue {
        public ListValue {
            elements = List.copyOf(elements);
        }
    }

    /** A {@code gtree}: nodes in wire (ascending key) order. */
    record Tree(List<TreeNode> nodes) implements VmStateValue {
        public Tree {
            nodes = List.copyOf(nodes);
        }
    }

    /**
     * One gtree node.
     *
     * @param key   an {@link Int} (be64 direct key) or a {@link Struct} (key VMSD)
     * @param value the value VMSD's encoding
     */
    record TreeNode(VmStateValue key, Struct value) {
    }
}
