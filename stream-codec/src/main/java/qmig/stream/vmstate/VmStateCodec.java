package qmig.stream.vmstate;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import qmig.stream.vmstate.VmStateValue.Array;
import qmig.stream.vmstate.VmStateValue.Bool;
import qmig.stream.vmstate.VmStateValue.Entry;
import qmig.stream.vmstate.VmStateValue.Int;
import qmig.stream.vmstate.VmStateValue.ListValue;
import qmig.stream.vmstate.VmStateValue.NullMarker;
import qmig.stream.vmstate.VmStateValue.Struct;
import qmig.stream.vmstate.VmStateValue.Subsection;
import qmig.stream.vmstate.VmStateValue.Tree;
import qmig.stream.vmstate.VmStateValue.TreeNode;
import qmig.stream.wire.Limits;
import qmig.stream.wire.StreamFormatException;
import qmig.stream.wire.Where;
import qmig.stream.wire.WireReader;
import qmig.stream.wire.WireWriter;

/**
 * The one interpreter for load and save, mirroring QEMU 7.2 {@code vmstate_load_state} and
 * {@code vmstate_save_state_v} (migration/vmstate.c; vmstate.md §2, §7).
 *
 * <p>Invariant: for any description {@code d} and bytes {@code b} that load, saving the loaded
 * value writes {@code b} again; and loading what {@link #save} wrote gives back the value.
 *
 * <p>Counts and sizes come from fields decoded earlier in the same object (or an enclosing
 * one); every count and size is checked against {@link Limits} before anything is allocated.
 * Errors carry the byte offset and the field path ({@code dev[1].port.irq}).
 *
 * <p>Array-of-pointer fields: QEMU knows from memory which elements are NULL; a decoder does
 * not, so an element of a {@link Field#arrayOfPointer()} field that starts with 0x30 is taken
 * as the NULL marker. Descriptions should set the flag only where a value byte 0x30 cannot
 * start a real element (timers are never armed that far in the future).
 */
public final class VmStateCodec {

    /** {@code QEMU_VM_SUBSECTION}. */
    public static final int SUBSECTION = 0x05;
    /** Element marker of qtailq/qlist/gtree: another element follows. */
    private static final int MORE = 0x01;
    private static final int END = 0x00;

    private final Limits limits;
    /** Told where each scalar element starts while saving; null when nobody asks. */
    private final LeafListener leaves;

    /** Where a scalar element (a codec's value, a NULL marker, a gtree's be64 key) is written. */
    @FunctionalInterface
    public interface LeafListener {
        void leaf(long position, VmStateValue value);
    }

    public VmStateCodec(Limits limits) {
        this(limits, null);
    }

    private VmStateCodec(Limits limits, LeafListener leaves) {
        this.limits = limits;
        this.leaves = leaves;
    }

    /**
     * Saves {@code value} and tells {@code listener} the offset (from the start of the written
     * bytes) and value of every scalar element, in wire order: how a field read from a stream is
     * located again (a loaded value saves to the bytes it was loaded from).
     */
    public static byte[] saveLocating(VmStateDescription d, int version, Struct value, LeafListener listener) {
        return new VmStateCodec(Limits.DEFAULT, listener).saveToBytes(d, version, value);
    }

    public VmStateCodec() {
        this(Limits.DEFAULT);
    }

    public Limits limits() {
        return limits;
    }

    /** Values decoded so far in one object, chained to the enclosing objects. */
    private static final class Frame {
        final List<Entry> entries;
        final Frame parent;

        Frame(List<Entry> entries, Frame parent) {
            this.entries = entries;
            this.parent = parent;
        }

        VmStateValue lookup(String name) {
            for (Frame f = this; f != null; f = f.parent) {
                for (int i = f.entries.size() - 1; i >= 0; i--) {
                    if (f.entries.get(i).name().equals(name)) {
                        return f.entries.get(i).value();
                    }
                }
            }
            return null;
        }
    }

    // ---- load ------------------------------------------------------------------------------

    /**
     * Loads one VMSD at {@code version} (a section header's version_id; 0 for configuration).
     *
     * @throws StreamFormatException.UnsupportedVersion when the version is outside the description's range
     */
    public Struct load(WireReader r, VmStateDescription d, int version) throws IOException {
        checkVersion(r.position(), d, version);
        return loadStruct(r, d, version, null, 1);
    }

    private static void checkVersion(long at, VmStateDescription d, int version) throws StreamFormatException {
        if (version > d.versionId()) {
            throw StreamFormatException.unsupportedVersion(at, d.name() + ": incoming version_id " + version
                    + " is too new for local version_id " + d.versionId());
        }
        if (version < d.minimumVersionId()) {
            throw StreamFormatException.unsupportedVersion(at, d.name() + ": incoming version_id " + version
                    + " is too old for local minimum version_id " + d.minimumVersionId());
        }
    }

    private Struct loadStruct(WireReader r, VmStateDescription d, int v, Frame parent, int depth)
            throws IOException {
        Limits.check(r.position(), "vmstate nesting depth", depth, limits.maxNestingDepth(),
                "Limits.maxNestingDepth");
        List<Entry> entries = new ArrayList<>();
        Frame frame = new Frame(entries, parent);
        for (Field fd : d.fields()) {
            if (!exists(fd, frame, v)) {
                if (fd.mustExist()) {
                    throw StreamFormatException.corrupt(r.position(), "Input validation failed: " + d.name() + "/"
                            + fd.name());
                }
                continue;
            }
            if (isValidate(fd)) {
                continue;
            }
            entries.add(new Entry(fd.name(), loadField(r, fd, frame, depth)));
        }
        List<Subsection> subs = loadSubsections(r, d, frame, depth);
        return new Struct(entries, subs);
    }

    private static boolean isValidate(Field fd) {
        return fd.mustExist() && fd.count() instanceof Count.Fixed fx && fx.n() == 0;
    }

    private static boolean exists(Field fd, Frame frame, int v) {
        if (fd.exists() != null) {
            return fd.exists().test(new Struct(frame.entries), v);
        }
        return fd.versions().contains(v);
    }

    private VmStateValue loadField(WireReader r, Field fd, Frame frame, int depth) throws IOException {
        long at = r.position();
        long n;
        long size;
        try {
            n = elementCount(fd, frame, at);
            size = elementSize(fd, frame, at);
        } catch (StreamFormatException e) {
            throw e.inField(fd.name());
        }
        if (n < 0) {
            try {
                return loadElement(r, fd, size, frame, depth);
            } catch (StreamFormatException e) {
                throw e.inField(fd.name());
            }
        }
        try {
            Limits.check(at, "element count", n, limits.maxArrayElements(), "Limits.maxArrayElements");
        } catch (StreamFormatException e) {
            throw e.inField(fd.name());
        }
        List<VmStateValue> elements = new ArrayList<>((int) Math.min(n, 1024));
        for (int i = 0; i < n; i++) {
            try {
                elements.add(loadElement(r, fd, size, frame, depth));
            } catch (StreamFormatException e) {
                throw e.inField(fd.name() + "[" + i + "]");
            }
        }
        return new Array(elements);
    }

    /** The element count, or -1 for a single (non-array) field. */
    private static long elementCount(Field fd, Frame frame, long at) throws StreamFormatException {
        Count c = fd.count();
        if (c instanceof Count.Single) {
            return -1;
        } else if (c instanceof Count.Fixed fx) {
            return fx.n();
        }
        Count.FromField ff = (Count.FromField) c;
        long n = intOf(frame.lookup(ff.field()), ff.field(), at) * ff.multiplier();
        return Math.max(n, 0);
    }

    private static long elementSize(Field fd, Frame frame, long at) throws StreamFormatException {
        if (fd.sizeField() == null) {
            return fd.size();
        }
        long n = intOf(frame.lookup(fd.sizeField()), fd.sizeField(), at);
        // VMS_VBUFFER reads the size as int32 whatever the C type
        return (long) (int) n * fd.size();
    }

    private static long intOf(VmStateValue v, String name, long at) throws StreamFormatException {
        if (v instanceof Int i) {
            return i.value();
        } else if (v instanceof Bool b) {
            return b.raw();
        }
        throw StreamFormatException.corrupt(at, "count/size field '" + name + "' has not been decoded as an integer");
    }

    private VmStateValue loadElement(WireReader r, Field fd, long size, Frame frame, int depth) throws IOException {
        if (fd.arrayOfPointer() && (size != 0 || fd.kind() != Field.Kind.SCALAR)
                && r.peek(0) == Codecs.NULLPTR_MARKER) {
            r.u8("nullptr marker");
            return NullMarker.INSTANCE;
        }
        switch (fd.kind()) {
            case SCALAR: {
                long at = r.position();
                VmStateValue v = fd.codec().read(r, size, limits);
                if (fd.expected() != null && v instanceof Int i && i.value() != fd.expected()) {
                    throw StreamFormatException.mismatch(at, fd.codec().typeName() + " differs from the destination's value",
                            fd.expected(), i.value());
                }
                return v;
            }
            case STRUCT:
            case VSTRUCT:
            case TMP: {
                int nv = fd.effectiveNestedVersion();
                checkVersion(r.position(), fd.nested(), nv);
                return loadStruct(r, fd.nested(), nv, frame, depth + 1);
            }
            case QTAILQ:
            case QLIST:
                return loadList(r, fd, frame, depth);
            case GTREE:
                return loadTree(r, fd, frame, depth);
            default:
                throw new AssertionError(fd.kind());
        }
    }

    /** {@code (01 element)* 00}, vmstate-types.c get_qtailq/get_qlist. */
    private ListValue loadList(WireReader r, Field fd, Frame frame, int depth) throws IOException {
        int nv = fd.effectiveNestedVersion();
        checkVersion(r.position(), fd.nested(), nv);
        List<Struct> out = new ArrayList<>();
        while (true) {
            long at = r.position();
            int marker = r.u8(fd.typeName() + " marker");
            if (marker == END) {
                return new ListValue(out);
            }
            if (marker != MORE) {
                throw StreamFormatException.corrupt(at, fd.typeName() + " element marker: expected 0x01 or 0x00, found 0x"
                        + Integer.toHexString(marker));
            }
            Limits.check(at, "list length", out.size() + 1L, limits.maxArrayElements(), "Limits.maxArrayElements");
            try {
                out.add(loadStruct(r, fd.nested(), nv, frame, depth + 1));
            } catch (StreamFormatException e) {
                throw e.inField("[" + out.size() + "]");
            }
        }
    }

    /** {@code be32 nnodes, (01 key value)×nnodes, 00}, vmstate-types.c get_gtree. */
    private Tree loadTree(WireReader r, Field fd, Frame frame, int depth) throws IOException {
        int nv = fd.effectiveNestedVersion();
        long at = r.position();
        if (fd.keyNested() != null) {
            checkVersion(at, fd.keyNested(), nv);
        }
        checkVersion(at, fd.nested(), nv);
        long nnodes = r.be32u("gtree node count");
        Limits.check(at, "gtree node count", nnodes, limits.maxArrayElements(), "Limits.maxArrayElements");
        List<TreeNode> nodes = new ArrayList<>((int) Math.min(nnodes, 1024));
        for (int i = 0; i < nnodes; i++) {
            long mat = r.position();
            int marker = r.u8("gtree marker");
            if (marker != MORE) {
                throw StreamFormatException.mismatch(mat, "gtree node " + i + " of " + nnodes + " marker", MORE, marker);
            }
            try {
                VmStateValue key = fd.keyNested() == null ? Codecs.readInt(r, 8, false, "gtree key")
                        : loadStruct(r, fd.keyNested(), nv, frame, depth + 1);
                nodes.add(new TreeNode(key, loadStruct(r, fd.nested(), nv, frame, depth + 1)));
            } catch (StreamFormatException e) {
                throw e.inField("[" + i + "]");
            }
        }
        long eat = r.position();
        int end = r.u8("gtree end marker");
        if (end != END) {
            throw StreamFormatException.mismatch(eat, "inconsistent stream when loading the gtree: end marker", END, end);
        }
        return new Tree(nodes);
    }

    /** vmstate.md §7.2: purely look-ahead driven, in any order. */
    private List<Subsection> loadSubsections(WireReader r, VmStateDescription d, Frame frame, int depth)
            throws IOException {
        List<Subsection> subs = new ArrayList<>();
        byte[] nameBuf = new byte[255];
        int parentLen = d.name().getBytes(StandardCharsets.ISO_8859_1).length;
        while (true) {
            if (r.peek(0) != SUBSECTION) {
                return subs;
            }
            int len = r.peek(1);
            if (len < 0 || len < parentLen + 1) {
                return subs;
            }
            if (r.peekBytes(nameBuf, 2, len) < len) {
                return subs;
            }
            String name = new String(nameBuf, 0, len, StandardCharsets.ISO_8859_1);
            if (!name.startsWith(d.name())) {
                return subs;
            }
            long at = r.position();
            VmStateDescription sd = d.subsection(name);
            if (sd == null) {
                throw StreamFormatException.unknownSection(Where.at(at), "unknown subsection '" + name + "' of '"
                        + d.name() + "'");
            }
            r.skip(2 + len, "subsection header");
            int version = r.be32("subsection version_id");
            try {
                checkVersion(at, sd, version);
                subs.add(new Subsection(name, version, loadStruct(r, sd, version, frame, depth + 1)));
            } catch (StreamFormatException e) {
                throw e.inField(name);
            }
        }
    }

    // ---- save ------------------------------------------------------------------------------

    /**
     * Writes {@code value} as described by {@code d} at {@code version}: the mirror of
     * {@link #load}. Fields must appear in {@code value} exactly as the description's gates
     * select them; subsections are written in {@code value}'s order.
     *
     * @throws IllegalArgumentException when the value does not fit the description
     */
    public void save(WireWriter w, VmStateDescription d, int version, Struct value) throws IOException {
        saveStruct(w, d, version, value, null, 1);
    }

    /** {@link #save} into a new byte array. */
    public byte[] saveToBytes(VmStateDescription d, int version, Struct value) {
        WireWriter w = WireWriter.inMemory();
        try {
            save(w, d, version, value);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return w.toByteArray();
    }

    private void saveStruct(WireWriter w, VmStateDescription d, int v, Struct value, Frame parent, int depth)
            throws IOException {
        List<Entry> done = new ArrayList<>();
        Frame frame = new Frame(done, parent);
        int idx = 0;
        for (Field fd : d.fields()) {
            if (!exists(fd, frame, v)) {
                if (fd.mustExist()) {
                    throw new IllegalArgumentException("Input validation failed: " + d.name() + "/" + fd.name());
                }
                continue;
            }
            if (isValidate(fd)) {
                continue;
            }
            if (idx >= value.fields().size() || !value.fields().get(idx).name().equals(fd.name())) {
                throw new IllegalArgumentException(d.name() + ": value has no field '" + fd.name() + "' at position "
                        + idx + " (" + value.fields().stream().map(Entry::name).toList() + ")");
            }
            Entry e = value.fields().get(idx++);
            saveField(w, fd, e.value(), frame, depth);
            done.add(e);
        }
        if (idx != value.fields().size()) {
            throw new IllegalArgumentException(d.name() + " at version " + v + ": value has extra field '"
                    + value.fields().get(idx).name() + "'");
        }
        for (Subsection s : value.subsections()) {
            VmStateDescription sd = d.subsection(s.name());
            if (sd == null) {
                throw new IllegalArgumentException(d.name() + " has no subsection '" + s.name() + "'");
            }
            w.u8(SUBSECTION).cstr8(s.name()).be32(s.version());
            saveStruct(w, sd, s.version(), s.value(), frame, depth + 1);
        }
    }

    private void saveField(WireWriter w, Field fd, VmStateValue value, Frame frame, int depth) throws IOException {
        long n;
        long size;
        try {
            n = elementCount(fd, frame, -1);
            size = elementSize(fd, frame, -1);
        } catch (StreamFormatException e) {
            throw new IllegalArgumentException(fd.name() + ": " + e.detail(), e);
        }
        if (n < 0) {
            saveElement(w, fd, value, size, frame, depth);
            return;
        }
        if (!(value instanceof Array a) || a.elements().size() != n) {
            throw new IllegalArgumentException(fd.name() + ": expected an array of " + n + " elements, got " + value);
        }
        for (VmStateValue e : a.elements()) {
            saveElement(w, fd, e, size, frame, depth);
        }
    }

    private void saveElement(WireWriter w, Field fd, VmStateValue value, long size, Frame frame, int depth)
            throws IOException {
        if (leaves != null && (fd.kind() == Field.Kind.SCALAR || value instanceof NullMarker && fd.arrayOfPointer())) {
            leaves.leaf(w.position(), value);
        }
        if (value instanceof NullMarker && fd.arrayOfPointer()) {
            w.u8(Codecs.NULLPTR_MARKER);
            return;
        }
        switch (fd.kind()) {
            case SCALAR -> fd.codec().write(w, value, size);
            case STRUCT, VSTRUCT, TMP -> saveStruct(w, fd.nested(), fd.effectiveNestedVersion(),
                    Codecs.cast(value, Struct.class), frame, depth + 1);
            case QTAILQ, QLIST -> {
                for (Struct s : Codecs.cast(value, ListValue.class).elements()) {
                    w.u8(MORE);
                    saveStruct(w, fd.nested(), fd.effectiveNestedVersion(), s, frame, depth + 1);
                }
                w.u8(END);
            }
            case GTREE -> {
                Tree t = Codecs.cast(value, Tree.class);
                w.be32(t.nodes().size());
                for (TreeNode node : t.nodes()) {
                    w.u8(MORE);
                    if (fd.keyNested() == null) {
                        if (leaves != null) {
                            leaves.leaf(w.position(), node.key());
                        }
                        Codecs.writeInt(w, Codecs.cast(node.key(), Int.class), 8);
                    } else {
                        saveStruct(w, fd.keyNested(), fd.effectiveNestedVersion(),
                                Codecs.cast(node.key(), Struct.class), frame, depth + 1);
                    }
                    saveStruct(w, fd.nested(), fd.effectiveNestedVersion(), node.value(), frame, depth + 1);
                }
                w.u8(END);
            }
            default -> throw new AssertionError(fd.kind());
        }
    }
}
