package qmig.stream.vmstate;

import java.util.Objects;

/**
 * One {@code VMStateField}: what the wire holds for it, never where it lives in memory.
 *
 * @param name           the field name (JSON only, never on the wire)
 * @param kind           a codec element, or a nested description of some flavour
 * @param codec          the element codec for {@link Kind#SCALAR}, else null
 * @param size           element size passed to the codec: bytes of a buffer, bits of a bitmap;
 *                       with {@code sizeField}, the {@code VMS_MULTIPLY} multiplier (1 = none)
 * @param count          element count: single, fixed, or from an earlier field
 * @param sizeField      {@code VMS_VBUFFER}: the earlier field holding the element size, or null
 * @param nested         the VMSD of STRUCT/VSTRUCT/TMP elements, list elements, gtree values
 * @param keyNested      the gtree key VMSD, or null for a direct be64 key
 * @param nestedVersion  version the nested VMSD is coded at; -1 = its own {@code version_id}
 *                       (what STRUCT always does)
 * @param versions       the versions of the containing object at which the field is present
 * @param exists         a {@code field_exists} predicate that alone decides presence, or null
 * @param mustExist      {@code VMS_MUST_EXIST}: absence is a load error
 * @param arrayOfPointer {@code VMS_ARRAY_OF_POINTER}: an element may be the NULL marker 0x30
 *                       (decided by looking at the next byte; see {@link VmStateCodec})
 * @param expected       for the {@code *equal} codecs, the destination's value to compare, or null
 */
public record Field(String name, Kind kind, FieldCodec codec, long size, Count count, String sizeField,
                    VmStateDescription nested, VmStateDescription keyNested, int nestedVersion,
                    VersionRange versions, FieldExists exists, boolean mustExist, boolean arrayOfPointer,
                    Long expected) {

    /** What an element is. */
    public enum Kind {
        /** One codec element. */
        SCALAR("scalar"),
        /** {@code VMS_STRUCT}: nested VMSD at its own version, nothing on the wire. */
        STRUCT("struct"),
        /** {@code VMS_VSTRUCT}: nested VMSD at {@code struct_version_id}. */
        VSTRUCT("vstruct"),
        /** {@code VMSTATE_WITH_TMP}: nested VMSD over a temporary. */
        TMP("tmp"),
        /** {@code 01 element … 00}. */
        QTAILQ("qtailq"),
        /** {@code 01 element … 00}. */
        QLIST("qlist"),
        /** {@code be32 n, (01 key value)×n, 00}. */
        GTREE("gtree");

        private final String typeName;

        Kind(String typeName) {
            this.typeName = typeName;
        }

        public String typeName() {
            return typeName;
        }
    }

    public Field {
        Objects.requireNonNull(name);
        Objects.requireNonNull(kind);
        Objects.requireNonNull(count);
        Objects.requireNonNull(versions);
        if ((kind == Kind.SCALAR) != (codec != null)) {
            throw new IllegalArgumentException(name + ": a codec is required for scalar fields only");
        }
        if (kind != Kind.SCALAR && nested == null) {
            throw new IllegalArgumentException(name + ": " + kind + " needs a nested description");
        }
    }

    // ---- factories (the VMSTATE_* macros) --------------------------------------------------

    public static Field of(String name, FieldCodec codec, long size) {
        return new Field(name, Kind.SCALAR, codec, size, Count.SINGLE, null, null, null, -1, VersionRange.ALL,
                null, false, false, null);
    }

    public static Field of(String name, Codecs codec) {
        return of(name, codec, Math.max(codec.width(), 0));
    }

    public static Field bool(String name) {
        return of(name, Codecs.BOOL);
    }

    public static Field int8(String name) {
        return of(name, Codecs.INT8);
    }

    public static Field int16(String name) {
        return of(name, Codecs.INT16);
    }

    public static Field int32(String name) {
        return of(name, Codecs.INT32);
    }

    public static Field int64(String name) {
        return of(name, Codecs.INT64);
    }

    public static Field uint8(String name) {
        return of(name, Codecs.UINT8);
    }

    public static Field uint16(String name) {
        return of(name, Codecs.UINT16);
    }

    public static Field uint32(String name) {
        return of(name, Codecs.UINT32);
    }

    public static Field uint64(String name) {
        return of(name, Codecs.UINT64);
    }

    public static Field timer(String name) {
        return of(name, Codecs.TIMER);
    }

    /** {@code VMSTATE_BUFFER}: exactly {@code n} raw bytes. */
    public static Field buffer(String name, int n) {
        return of(name, Codecs.BUFFER, n);
    }

    /** {@code VMSTATE_UNUSED(n)}: n bytes QEMU writes as zeros; kept as read. */
    public static Field unused(int n) {
        return of("unused", Codecs.UNUSED_BUFFER, n);
    }

    /** {@code VMSTATE_VBUFFER*}: raw bytes, as many as the earlier field {@code sizeField} says. */
    public static Field vbuffer(String name, String sizeField) {
        return new Field(name, Kind.SCALAR, Codecs.BUFFER, 1, Count.SINGLE, sizeField, null, null, -1,
                VersionRange.ALL, null, false, false, null);
    }

    /** {@code VMSTATE_BITMAP}: ⌈bits/64⌉ be64 words, the bit count from {@code bitsField}. */
    public static Field bitmap(String name, String bitsField) {
        return new Field(name, Kind.SCALAR, Codecs.BITMAP, 1, Count.SINGLE, bitsField, null, null, -1,
                VersionRange.ALL, null, false, false, null);
    }

    public static Field struct(String name, VmStateDescription nested) {
        return new Field(name, Kind.STRUCT, null, 0, Count.SINGLE, null, nested, null, -1, VersionRange.ALL,
                null, false, false, null);
    }

    public static Field vstruct(String name, VmStateDescription nested, int structVersion) {
        return new Field(name, Kind.VSTRUCT, null, 0, Count.SINGLE, null, nested, null, structVersion,
                VersionRange.ALL, null, false, false, null);
    }

    /** {@code VMSTATE_WITH_TMP}: field name "tmp". */
    public static Field tmp(VmStateDescription nested) {
        return new Field("tmp", Kind.TMP, null, 0, Count.SINGLE, null, nested, null, -1, VersionRange.ALL,
                null, false, false, null);
    }

    public static Field qtailq(String name, VmStateDescription element) {
        return new Field(name, Kind.QTAILQ, null, 0, Count.SINGLE, null, element, null, -1, VersionRange.ALL,
                null, false, false, null);
    }

    public static Field qlist(String name, VmStateDescription element) {
        return new Field(name, Kind.QLIST, null, 0, Count.SINGLE, null, element, null, -1, VersionRange.ALL,
                null, false, false, null);
    }

    /** {@code VMSTATE_GTREE_V}; {@code key} null = {@code VMSTATE_GTREE_DIRECT_KEY_V} (be64 keys). */
    public static Field gtree(String name, VmStateDescription key, VmStateDescription value) {
        return new Field(name, Kind.GTREE, null, 0, Count.SINGLE, null, value, key, -1, VersionRange.ALL,
                null, false, false, null);
    }

    /** {@code VMSTATE_VALIDATE(name, test)}: nothing on the wire, load fails when the test fails. */
    public static Field validate(String name, FieldExists test) {
        return new Field(name, Kind.SCALAR, Codecs.UINT8, 1, new Count.Fixed(0), null, null, null, -1,
                VersionRange.ALL, test, true, false, null);
    }

    // ---- modifiers -------------------------------------------------------------------------

    /** {@code _V(…, v)}: present from version {@code v} on. */
    public Field since(int v) {
        return withVersions(VersionRange.since(v));
    }

    public Field withVersions(VersionRange r) {
        return new Field(name, kind, codec, size, count, sizeField, nested, keyNested, nestedVersion, r, exists,
                mustExist, arrayOfPointer, expected);
    }

    /** {@code _TEST(…, test)} / {@code field_exists}: presence decided by the predicate alone. */
    public Field when(FieldExists test) {
        return new Field(name, kind, codec, size, count, sizeField, nested, keyNested, nestedVersion, versions,
                test, mustExist, arrayOfPointer, expected);
    }

    /** {@code VMS_ARRAY}: {@code n} elements. */
    public Field array(int n) {
        return withCount(new Count.Fixed(n));
    }

    /** {@code VMS_VARRAY_*}: the count is the value of the earlier field {@code countField}. */
    public Field varray(String countField) {
        return withCount(new Count.FromField(countField, 1));
    }

    /** {@code VMS_VARRAY_* | VMS_MULTIPLY_ELEMENTS}. */
    public Field varray(String countField, int multiplier) {
        return withCount(new Count.FromField(countField, multiplier));
    }

    public Field withCount(Count c) {
        return new Field(name, kind, codec, size, c, sizeField, nested, keyNested, nestedVersion, versions, exists,
                mustExist, arrayOfPointer, expected);
    }

    /** {@code VMS_VBUFFER | VMS_MULTIPLY}: element size = value of {@code sizeField} × {@code multiplier}. */
    public Field multiply(int multiplier) {
        return new Field(name, kind, codec, multiplier, count, sizeField, nested, keyNested, nestedVersion,
                versions, exists, mustExist, arrayOfPointer, expected);
    }

    /** {@code VMS_ARRAY_OF_POINTER}. */
    public Field ofPointers() {
        return new Field(name, kind, codec, size, count, sizeField, nested, keyNested, nestedVersion, versions,
                exists, mustExist, true, expected);
    }

    public Field required() {
        return new Field(name, kind, codec, size, count, sizeField, nested, keyNested, nestedVersion, versions,
                exists, true, arrayOfPointer, expected);
    }

    /** For {@code *equal} codecs: the value the destination holds; any other value fails to load. */
    public Field expect(long value) {
        return new Field(name, kind, codec, size, count, sizeField, nested, keyNested, nestedVersion, versions,
                exists, mustExist, arrayOfPointer, value);
    }

    /** The version the nested VMSD is loaded and saved at (tmp, lists, trees: the field's version). */
    public Field nestedAt(int version) {
        return new Field(name, kind, codec, size, count, sizeField, nested, keyNested, version, versions, exists,
                mustExist, arrayOfPointer, expected);
    }

    public Field named(String newName) {
        return new Field(newName, kind, codec, size, count, sizeField, nested, keyNested, nestedVersion, versions,
                exists, mustExist, arrayOfPointer, expected);
    }

    /** The VMDESCRIPTION type name of this field's elements. */
    public String typeName() {
        return kind == Kind.SCALAR ? codec.typeName() : kind.typeName();
    }

    /** The version at which the nested VMSD is coded. */
    public int effectiveNestedVersion() {
        return nestedVersion >= 0 || nested == null ? nestedVersion : nested.versionId();
    }
}
