package qmig.stream.vmstate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import qmig.stream.vmstate.VmStateValue.Array;
import qmig.stream.vmstate.VmStateValue.Bool;
import qmig.stream.vmstate.VmStateValue.Bytes;
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
import qmig.stream.wire.WireReader;

/**
 * Laws over random descriptions paired with matching random values (one seed drives both, so
 * jqwik shrinks towards small seeds): decode(encode(x)) == x and encode(decode(b)) == b; random
 * bytes against a random description only ever throw {@link StreamFormatException}.
 */
class VmStatePropertyTest {

    private static final int TOP_VERSION = 3;
    private final VmStateCodec codec = new VmStateCodec(Limits.DEFAULT.withMaxBufferBytes(1 << 16)
            .withMaxArrayElements(1 << 12));

    /** Makes a random description; names never prefix one another except subsections. */
    static final class Gen {
        final Random rnd;
        int names;

        Gen(long seed) {
            this.rnd = new Random(seed);
        }

        String fresh(String base) {
            return base + (names++) + "x";
        }

        VmStateDescription description(String name, int depth, int version) {
            VmStateDescription.Builder b = VmStateDescription.builder(name).version(version)
                    .minimumVersion(rnd.nextInt(version + 1));
            // A leading byte: an element that writes nothing would let the next element's
            // subsection be read as its own (the same ambiguity exists in QEMU's look-ahead).
            b.field(Field.uint8(fresh("h")));
            int n = rnd.nextInt(6);
            for (int i = 0; i < n; i++) {
                for (Field f : fields(depth, version)) {
                    b.field(f);
                }
            }
            if (depth < 3) {
                int subs = rnd.nextInt(3);
                for (int i = 0; i < subs; i++) {
                    b.subsection(description(name + "/s" + i, depth + 1, 1 + rnd.nextInt(2)));
                }
            }
            return b.build();
        }

        List<Field> fields(int depth, int version) {
            String name = fresh("f");
            List<Field> out = new ArrayList<>();
            int pick = rnd.nextInt(depth < 3 ? 16 : 10);
            Codecs[] ints = {Codecs.BOOL, Codecs.INT8, Codecs.INT16, Codecs.INT32, Codecs.INT64, Codecs.UINT8,
                Codecs.UINT16, Codecs.UINT32, Codecs.UINT64, Codecs.UINT8_EQUAL, Codecs.UINT16_EQUAL,
                Codecs.INT32_EQUAL, Codecs.UINT32_EQUAL, Codecs.UINT64_EQUAL, Codecs.INT32_LE, Codecs.CPU_DOUBLE,
                Codecs.TIMER, Codecs.NULLPTR};
            switch (pick) {
                case 0, 1, 2 -> out.add(Field.of(name, ints[rnd.nextInt(ints.length)]));
                case 3 -> out.add(Field.buffer(name, rnd.nextInt(9)));
                case 4 -> out.add(Field.unused(rnd.nextInt(9)));
                case 5 -> out.add(Field.of(name, Codecs.BITMAP, rnd.nextInt(140)));
                case 6 -> out.add(Field.of(name, Codecs.CAPABILITY, 0));
                case 7 -> {
                    String count = fresh("n");
                    out.add(Field.uint8(count));
                    out.add(Field.int16(name).varray(count, 1 + rnd.nextInt(2)));
                }
                case 8 -> {
                    String size = fresh("n");
                    out.add(Field.uint16(size));
                    out.add(Field.vbuffer(name, size).multiply(1 + rnd.nextInt(3)));
                }
                case 9 -> out.add(Field.timer(name).array(rnd.nextInt(4)).ofPointers());
                case 10, 11 -> out.add(Field.struct(name, description(fresh("S"), depth + 1, rnd.nextInt(3)))
                        .array(rnd.nextBoolean() ? 1 + rnd.nextInt(3) : 0).withCount(rnd.nextBoolean()
                        ? Count.SINGLE : new Count.Fixed(rnd.nextInt(3))));
                case 12 -> out.add(Field.tmp(description(fresh("T"), depth + 1, rnd.nextInt(3))));
                case 13 -> {
                    VmStateDescription v = description(fresh("V"), depth + 1, 2);
                    out.add(Field.vstruct(name, v, v.minimumVersionId()
                            + rnd.nextInt(v.versionId() - v.minimumVersionId() + 1)));
                }
                case 14 -> out.add(rnd.nextBoolean() ? Field.qtailq(name, description(fresh("Q"), depth + 1, 1))
                        : Field.qlist(name, description(fresh("L"), depth + 1, 1)));
                default -> out.add(Field.gtree(name, rnd.nextBoolean() ? null : description(fresh("K"), depth + 1, 1),
                        description(fresh("G"), depth + 1, 1)));
            }
            if (rnd.nextInt(4) == 0) {
                // version gate on the last field
                Field last = out.remove(out.size() - 1);
                out.add(last.since(rnd.nextInt(version + 2)));
            }
            return out;
        }

        Struct value(VmStateDescription d, int version) {
            List<Entry> entries = new ArrayList<>();
            for (Field f : d.fields()) {
                if (!f.versions().contains(version)) {
                    continue;
                }
                entries.add(new Entry(f.name(), fieldValue(f, entries)));
            }
            List<Subsection> subs = new ArrayList<>();
            for (VmStateDescription s : d.subsections()) {
                if (rnd.nextBoolean()) {
                    int v = s.minimumVersionId() + rnd.nextInt(s.versionId() - s.minimumVersionId() + 1);
                    subs.add(new Subsection(s.name(), v, value(s, v)));
                }
            }
            Collections.shuffle(subs, rnd);
            return new Struct(entries, subs);
        }

        VmStateValue fieldValue(Field f, List<Entry> sofar) {
            long size = f.size();
            if (f.sizeField() != null) {
                size = lookup(sofar, f.sizeField()) * f.size();
            }
            if (f.count() instanceof Count.Single) {
                return element(f, size);
            }
            long n = f.count() instanceof Count.Fixed fx ? fx.n()
                    : lookup(sofar, ((Count.FromField) f.count()).field()) * ((Count.FromField) f.count()).multiplier();
            List<VmStateValue> els = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                els.add(element(f, size));
            }
            return new Array(els);
        }

        static long lookup(List<Entry> sofar, String name) {
            for (int i = sofar.size() - 1; i >= 0; i--) {
                if (sofar.get(i).name().equals(name)) {
                    return ((Int) sofar.get(i).value()).value();
                }
            }
            throw new AssertionError(name);
        }

        VmStateValue element(Field f, long size) {
            if (f.arrayOfPointer() && rnd.nextInt(3) == 0) {
                return NullMarker.INSTANCE;
            }
            switch (f.kind()) {
                case STRUCT, VSTRUCT, TMP:
                    return value(f.nested(), f.effectiveNestedVersion());
                case QTAILQ, QLIST: {
                    List<Struct> els = new ArrayList<>();
                    for (int i = rnd.nextInt(3); i > 0; i--) {
                        els.add(value(f.nested(), f.effectiveNestedVersion()));
                    }
                    return new ListValue(els);
                }
                case GTREE: {
                    List<TreeNode> nodes = new ArrayList<>();
                    for (int i = rnd.nextInt(3); i > 0; i--) {
                        VmStateValue key = f.keyNested() == null ? new Int(rnd.nextLong(), 8, false)
                                : value(f.keyNested(), f.effectiveNestedVersion());
                        nodes.add(new TreeNode(key, value(f.nested(), f.effectiveNestedVersion())));
                    }
                    return new Tree(nodes);
                }
                default:
                    break;
            }
            Codecs c = (Codecs) f.codec();
            switch (c) {
                case BOOL:
                    return new Bool(rnd.nextInt(256));
                case NULLPTR:
                    return NullMarker.INSTANCE;
                case BUFFER, UNUSED_BUFFER, BITMAP: {
                    byte[] b = new byte[(int) c.wireBytes(size)];
                    rnd.nextBytes(b);
                    return new Bytes(b);
                }
                case CAPABILITY: {
                    byte[] b = new byte[rnd.nextInt(12)];
                    rnd.nextBytes(b);
                    return new Bytes(b);
                }
                case INT32_LE:
                    return new Int(rnd.nextInt(Integer.MAX_VALUE), 4, true);
                default: {
                    int w = c.width();
                    long v = rnd.nextLong();
                    if (f.name().startsWith("n")) {
                        v = rnd.nextInt(5); // counts and sizes stay small
                    }
                    if (f.arrayOfPointer() && (v >>> (8 * w - 8) & 0xff) == Codecs.NULLPTR_MARKER) {
                        v ^= 1L << (8 * w - 1); // a first byte 0x30 would read as the NULL marker
                    }
                    if (w < 8) {
                        v = c.signed() ? (v << (64 - 8 * w)) >> (64 - 8 * w) : v & ((1L << (8 * w)) - 1);
                    }
                    return new Int(v, w, c.signed());
                }
            }
        }
    }

    @Property(tries = 500)
    void decodeOfEncodeIsIdentity(@ForAll long seed) throws IOException {
        Gen g = new Gen(seed);
        VmStateDescription d = g.description(g.fresh("D"), 0, TOP_VERSION);
        int version = d.minimumVersionId() + g.rnd.nextInt(TOP_VERSION - d.minimumVersionId() + 1);
        Struct x = g.value(d, version);
        byte[] wire = codec.saveToBytes(d, version, x);
        WireReader r = WireReader.of(wire);
        Struct back = codec.load(r, d, version);
        assertEquals(x, back);
        assertTrue(r.atEnd());
        assertArrayEquals(wire, codec.saveToBytes(d, version, back));
        // every strict prefix fails or stops short. A cut inside a subsection header ends the
        // look-ahead (vmstate.md §7.2), so what follows may then fail as corrupt instead.
        for (int cut : new int[] {0, wire.length / 2, wire.length - 1}) {
            if (cut >= 0 && cut < wire.length) {
                WireReader pr = WireReader.of(java.util.Arrays.copyOf(wire, cut));
                try {
                    // only possible when the cut falls in a subsection header: that subsection is lost
                    org.junit.jupiter.api.Assertions.assertNotEquals(x, codec.load(pr, d, version), "prefix " + cut);
                } catch (StreamFormatException expected) {
                    // fine
                }
            }
        }
    }

    @Property(tries = 1000)
    void randomBytesOnlyThrowStreamFormatException(@ForAll long seed, @ForAll byte[] junk) throws IOException {
        Gen g = new Gen(seed);
        VmStateDescription d = g.description(g.fresh("D"), 0, TOP_VERSION);
        WireReader r = WireReader.of(junk);
        try {
            Struct v = codec.load(r, d, TOP_VERSION);
            // whatever loaded writes back to the bytes it consumed
            byte[] again = codec.saveToBytes(d, TOP_VERSION, v);
            assertArrayEquals(java.util.Arrays.copyOf(junk, (int) r.position()), again);
        } catch (StreamFormatException expected) {
            // the only acceptable failure
        }
    }
}
