package qmig.stream.vmstate;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import qmig.stream.vmstate.VmStateValue.Bool;
import qmig.stream.vmstate.VmStateValue.Bytes;
import qmig.stream.vmstate.VmStateValue.Int;
import qmig.stream.vmstate.VmStateValue.NullMarker;
import qmig.stream.wire.Limits;
import qmig.stream.wire.StreamFormatException;
import qmig.stream.wire.WireReader;
import qmig.stream.wire.WireWriter;

/**
 * The core codecs of QEMU 7.2 ({@code migration/vmstate-types.c}, {@code savevm.c}; vmstate.md
 * §5.1). All multi-byte integers are big-endian. The {@code *equal} codecs and {@code int32 le}
 * read like their plain twins; the comparison with a destination value is the field's
 * {@link Field#expected()} check in the interpreter.
 */
public enum Codecs implements FieldCodec {
    BOOL("bool", 1, false),
    INT8("int8", 1, true),
    INT16("int16", 2, true),
    INT32("int32", 4, true),
    INT64("int64", 8, true),
    UINT8("uint8", 1, false),
    UINT16("uint16", 2, false),
    UINT32("uint32", 4, false),
    UINT64("uint64", 8, false),
    UINT8_EQUAL("uint8 equal", 1, false),
    UINT16_EQUAL("uint16 equal", 2, false),
    INT32_EQUAL("int32 equal", 4, true),
    UINT32_EQUAL("uint32 equal", 4, false),
    /** {@code vmstate_info_uint64_equal}; QEMU names it "int64 equal". */
    UINT64_EQUAL("int64 equal", 8, false),
    /** be32 (big-endian despite the name: "le" is less-or-equal), 0 ≤ value ≤ destination value. */
    INT32_LE("int32 le", 4, true),
    /** be32 upper half, be32 lower half = the 64-bit pattern big-endian. */
    CPU_DOUBLE("CPU_Double_U", 8, false),
    /** be64 expiry in ns of the timer's clock; all-ones = not armed. */
    TIMER("timer", 8, true),
    /** {@code size} raw bytes. */
    BUFFER("buffer", -1, false),
    /** {@code size} bytes written as zeros by QEMU and skipped on load; kept as read here. */
    UNUSED_BUFFER("unused_buffer", -1, false),
    /** ⌈size/64⌉ be64 words ({@code size} is a bit count), kept as raw bytes. */
    BITMAP("bitmap", -1, false),
    /** {@code cstr8} capability name (configuration/capabilities only), kept as bytes. */
    CAPABILITY("capability", -1, false),
    /** One byte 0x30; in 7.2 the codec is named "uint64". */
    NULLPTR("uint64", 1, false);

    /** {@code VMS_NULLPTR_MARKER}, ASCII '0'. */
    public static final int NULLPTR_MARKER = 0x30;

    private final String typeName;
    private final int width;
    private final boolean signed;

    Codecs(String typeName, int width, boolean signed) {
        this.typeName = typeName;
        this.width = width;
        this.signed = signed;
    }

    @Override
    public String typeName() {
        return typeName;
    }

    /** Bytes per element for fixed-width codecs, -1 when the size comes from the field. */
    public int width() {
        return width;
    }

    public boolean signed() {
        return signed;
    }

    /** True for the integer codecs whose value is an {@link Int}. */
    public boolean isInteger() {
        return width > 0 && this != BOOL && this != NULLPTR;
    }

    /** Bytes on the wire for one element of declared size {@code size}, or -1 if data dependent. */
    public long wireBytes(long size) {
        if (width > 0) {
            return width;
        }
        return switch (this) {
            case BUFFER, UNUSED_BUFFER -> size;
            case BITMAP -> bitmapBytes(size);
            default -> -1;
        };
    }

    static long bitmapBytes(long bits) {
        return bits <= 0 ? 0 : ((bits + 63) / 64) * 8;
    }

    @Override
    public VmStateValue read(WireReader r, long size, Limits limits) throws IOException {
        switch (this) {
            case BOOL:
                return new Bool(r.u8(typeName));
            case NULLPTR: {
                long at = r.position();
                int b = r.u8("nullptr marker");
                if (b != NULLPTR_MARKER) {
                    throw StreamFormatException.mismatch(at, "get_nullptr expected VMS_NULLPTR_MARKER",
                            NULLPTR_MARKER, b);
                }
                return NullMarker.INSTANCE;
            }
            case BUFFER:
            case UNUSED_BUFFER:
                return new Bytes(readBytes(r, size, limits));
            case BITMAP:
                return new Bytes(readBytes(r, bitmapBytes(size), limits));
            case CAPABILITY: {
                int n = r.u8("capability name length");
                return new Bytes(r.bytes(n, "capability name"));
            }
            case INT32_LE: {
                long at = r.position();
                int v = r.be32(typeName);
                if (v < 0) {
                    throw StreamFormatException.corrupt(at, "int32 le: " + v + " is negative");
                }
                return new Int(v, 4, true);
            }
            default:
                return readInt(r, width, signed, typeName);
        }
    }

    static Int readInt(WireReader r, int width, boolean signed, String what) throws IOException {
        switch (width) {
            case 1: {
                int v = r.u8(what);
                return new Int(signed ? (byte) v : v, 1, signed);
            }
            case 2: {
                int v = r.be16(what);
                return new Int(signed ? (short) v : v, 2, signed);
            }
            case 4: {
                int v = r.be32(what);
                return new Int(signed ? v : v & 0xffffffffL, 4, signed);
            }
            default:
                return new Int(r.be64(what), 8, signed);
        }
    }

    static byte[] readBytes(WireReader r, long size, Limits limits) throws IOException {
        Limits.check(r.position(), "buffer size", size, limits.maxBufferBytes(), "Limits.maxBufferBytes");
        return r.bytes((int) size, "buffer");
    }

    @Override
    public void write(WireWriter w, VmStateValue v, long size) throws IOException {
        switch (this) {
            case BOOL:
                w.u8(cast(v, Bool.class).raw());
                return;
            case NULLPTR:
                cast(v, NullMarker.class);
                w.u8(NULLPTR_MARKER);
                return;
            case BUFFER:
            case UNUSED_BUFFER:
            case BITMAP: {
                byte[] b = cast(v, Bytes.class).data();
                long want = wireBytes(size);
                if (b.length != want) {
                    throw new IllegalArgumentException(typeName + " of " + b.length + " bytes, description says " + want);
                }
                w.bytes(b);
                return;
            }
            case CAPABILITY: {
                byte[] b = cast(v, Bytes.class).data();
                if (b.length > 255) {
                    throw new IllegalArgumentException("capability name longer than 255 bytes");
                }
                w.u8(b.length).bytes(b);
                return;
            }
            default:
                writeInt(w, cast(v, Int.class), width);
        }
    }

    static void writeInt(WireWriter w, Int i, int width) throws IOException {
        if (i.width() != width) {
            throw new IllegalArgumentException("integer of width " + i.width() + " for a " + width + "-byte codec");
        }
        switch (width) {
            case 1 -> w.u8((int) i.value());
            case 2 -> w.be16((int) i.value());
            case 4 -> w.be32(i.value());
            default -> w.be64(i.value());
        }
    }

    static <T> T cast(VmStateValue v, Class<T> type) {
        if (!type.isInstance(v)) {
            throw new IllegalArgumentException("expected " + type.getSimpleName() + ", got " + v);
        }
        return type.cast(v);
    }

    private static final Map<String, Codecs> BY_NAME = new HashMap<>();

    static {
        for (Codecs c : values()) {
            if (c != NULLPTR) {
                BY_NAME.put(c.typeName, c);
            }
        }
    }

    /** The core codec with that QEMU name ("uint64" is the integer, not the nullptr marker), or null. */
    public static Codecs byName(String typeName) {
        return BY_NAME.get(typeName);
    }

    /** A codec of {@code size} opaque bytes for a device-specific type this library does not interpret. */
    public static FieldCodec opaque(String typeName) {
        return new Opaque(typeName);
    }

    /** Device-specific codec read as raw bytes of the field's size ({@code pci config}, {@code virtio}…). */
    public record Opaque(String typeName) implements FieldCodec {
        @Override
        public VmStateValue read(WireReader r, long size, Limits limits) throws IOException {
            return new Bytes(readBytes(r, size, limits));
        }

        @Override
        public void write(WireWriter w, VmStateValue v, long size) throws IOException {
            byte[] b = cast(v, Bytes.class).data();
            if (b.length != size) {
                throw new IllegalArgumentException(typeName + " of " + b.length + " bytes, description says " + size);
            }
            w.bytes(b);
        }
    }
}
