package qmig.stream.vmstate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import qmig.stream.vmstate.VmStateValue.Array;
import qmig.stream.vmstate.VmStateValue.Int;
import qmig.stream.vmstate.VmStateValue.ListValue;
import qmig.stream.vmstate.VmStateValue.NullMarker;
import qmig.stream.vmstate.VmStateValue.Struct;
import qmig.stream.wire.Limits;
import qmig.stream.wire.StreamFormatException;
import qmig.stream.wire.WireReader;

/** Commented wire fixtures in the style of QEMU's tests/unit/test-vmstate.c. */
class VmStateFixtureTest {

    private final VmStateCodec codec = new VmStateCodec(Limits.DEFAULT);

    static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = (byte) b[i];
        }
        return out;
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    static byte[] ascii(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /**
     * Loads {@code wire} completely, re-encodes it identically, then loads it cut at 0, n-2 and
     * half: each cut must throw Truncated (or stop before the cut inside a subsection header).
     */
    Struct load(VmStateDescription d, int version, byte[] wire) throws IOException {
        WireReader r = WireReader.of(wire);
        Struct v = codec.load(r, d, version);
        assertTrue(r.atEnd(), "bytes left over at " + r.position());
        assertArrayEquals(wire, codec.saveToBytes(d, version, v));
        for (int cut : new int[] {0, wire.length - 2, wire.length / 2}) {
            if (cut < 0 || cut >= wire.length) {
                continue;
            }
            byte[] part = Arrays.copyOf(wire, cut);
            WireReader pr = WireReader.of(part);
            try {
                codec.load(pr, d, version);
                // a cut inside a subsection header ends the look-ahead (vmstate.md §7.2): the
                // load stops before the cut and the section reader then misses its footer
                assertTrue(!pr.atEnd(), "cut at " + cut + " loaded without complaint");
            } catch (StreamFormatException.Truncated expected) {
                // the usual outcome
            }
        }
        return v;
    }

    @Test
    void timerVersion2() throws IOException {
        byte[] wire = bytes(
                0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x12, 0x34,    // cpu_ticks_offset  int64
                0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,    // unused            8 bytes
                0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe);   // cpu_clock_offset  int64, v2+
        Struct v = load(BuiltinDescriptions.TIMER, 2, wire);
        assertEquals(0x1234, v.longValue("cpu_ticks_offset"));
        assertEquals(-2, v.longValue("cpu_clock_offset"));
    }

    @Test
    void timerVersion1HasNoClockOffset() throws IOException {
        byte[] wire = bytes(
                0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,    // cpu_ticks_offset
                0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00);   // unused
        Struct v = load(BuiltinDescriptions.TIMER, 1, wire);
        assertEquals(2, v.fields().size());
    }

    @Test
    void unusedBytesAreKeptAsRead() throws IOException {
        byte[] wire = bytes(
                0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,    // cpu_ticks_offset
                0xde, 0xad, 0xbe, 0xef, 0x00, 0x00, 0x00, 0x01,    // unused: not zero, kept
                0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00);   // cpu_clock_offset
        load(BuiltinDescriptions.TIMER, 2, wire);
    }

    @Test
    void timerWithIcountSubsections() throws IOException {
        byte[] wire = concat(new byte[24],                         // the three version-2 fields
                bytes(0x05, 12), ascii("timer/icount"),           // subsection marker, cstr8 name
                bytes(0x00, 0x00, 0x00, 0x01),                    // its version 1
                bytes(0, 0, 0, 0, 0, 0, 0, 7),                     // qemu_icount_bias
                bytes(0, 0, 0, 0, 0, 0, 0, 8),                     // qemu_icount
                bytes(0x05, 18), ascii("timer/icount/shift"),     // nested subsection
                bytes(0x00, 0x00, 0x00, 0x02),                    // version 2
                bytes(0x00, 0x03),                                // icount_time_shift int16
                bytes(0, 0, 0, 0, 0, 0, 0, 9));                    // last_delta
        Struct v = load(BuiltinDescriptions.TIMER, 2, wire);
        VmStateValue.Subsection icount = v.subsection("timer/icount");
        assertEquals(1, icount.version());
        assertEquals(3, icount.value().subsection("timer/icount/shift").value().longValue("icount_time_shift"));
    }

    @Test
    void subsectionsInAnyOrderAreWrittenBackInReadOrder() throws IOException {
        VmStateDescription d = VmStateDescription.builder("dev").version(1)
                .field(Field.uint8("a"))
                .subsection(VmStateDescription.builder("dev/x").version(1).field(Field.uint8("x")).build())
                .subsection(VmStateDescription.builder("dev/y").version(1).field(Field.uint8("y")).build())
                .build();
        byte[] wire = concat(
                bytes(0x11),                                       // a
                bytes(0x05, 5), ascii("dev/y"), bytes(0, 0, 0, 1), // dev/y first
                bytes(0x22),                                       // y
                bytes(0x05, 5), ascii("dev/x"), bytes(0, 0, 0, 1), // then dev/x
                bytes(0x33));                                      // x
        Struct v = load(d, 1, wire);
        assertEquals(List.of("dev/y", "dev/x"), v.subsections().stream().map(VmStateValue.Subsection::name).toList());
    }

    @Test
    void lookAheadStopsWithoutConsuming() throws IOException {
        VmStateDescription d = VmStateDescription.builder("dev").version(1)
                .field(Field.uint8("a"))
                .subsection(VmStateDescription.builder("dev/x").version(1).field(Field.uint8("x")).build())
                .build();
        // 0x05 but the length is shorter than "dev" + 1: not a subsection
        byte[] shortLen = bytes(0x11, 0x05, 0x03, 'd', 'e', 'v');
        // 0x05 and a long enough name that is not prefixed by "dev"
        byte[] otherPrefix = concat(bytes(0x11, 0x05, 0x05), ascii("foo/x"), bytes(0, 0, 0, 1));
        // 0x05 with a name that runs past the end of input
        byte[] cutName = bytes(0x11, 0x05, 0x09, 'd', 'e', 'v');
        // 0x05 as the very last byte
        byte[] lone = bytes(0x11, 0x05);
        for (byte[] in : List.of(shortLen, otherPrefix, cutName, lone)) {
            WireReader r = WireReader.of(in);
            Struct v = codec.load(r, d, 1);
            assertEquals(1, r.position(), "stopped after field a");
            assertTrue(v.subsections().isEmpty());
        }
    }

    @Test
    void unknownSubsectionWithMatchingPrefixFails() {
        VmStateDescription d = VmStateDescription.builder("dev").version(1).field(Field.uint8("a")).build();
        byte[] wire = concat(bytes(0x11, 0x05, 5), ascii("dev/z"), bytes(0, 0, 0, 1, 0x00));
        StreamFormatException e = assertThrows(StreamFormatException.UnknownSection.class,
                () -> codec.load(WireReader.of(wire), d, 1));
        assertEquals(1, e.offset());
    }

    @Test
    void subsectionVersionOutsideRangeFails() {
        VmStateDescription d = VmStateDescription.builder("dev").version(1)
                .subsection(VmStateDescription.builder("dev/x").version(2).minimumVersion(2).build()).build();
        byte[] wire = concat(bytes(0x05, 5), ascii("dev/x"), bytes(0, 0, 0, 3));
        assertThrows(StreamFormatException.UnsupportedVersion.class, () -> codec.load(WireReader.of(wire), d, 1));
    }

    @Test
    void sectionVersionOutsideRangeFails() {
        assertThrows(StreamFormatException.UnsupportedVersion.class,
                () -> codec.load(WireReader.of(new byte[24]), BuiltinDescriptions.TIMER, 3));
        assertThrows(StreamFormatException.UnsupportedVersion.class,
                () -> codec.load(WireReader.of(new byte[24]), BuiltinDescriptions.TIMER, 0));
    }

    static final VmStateDescription PCIBUS = VmStateDescription.builder("PCIBUS").version(1)
            .field(Field.of("nirq", Codecs.INT32_EQUAL))
            .field(Field.int32("irq_count").varray("nirq"))
            .build();

    @Test
    void varrayCountFromEarlierField() throws IOException {
        byte[] wire = bytes(
                0x00, 0x00, 0x00, 0x03,                            // nirq = 3 (int32 equal)
                0x00, 0x00, 0x00, 0x00,                            // irq_count[0]
                0x00, 0x00, 0x00, 0x01,                            // irq_count[1]
                0xff, 0xff, 0xff, 0xff);                           // irq_count[2] = -1
        Struct v = load(PCIBUS, 1, wire);
        assertEquals(List.of(new Int(0, 4, true), new Int(1, 4, true), new Int(-1, 4, true)),
                ((Array) v.get("irq_count")).elements());
    }

    @Test
    void equalMismatchFailsAtItsOffset() {
        VmStateDescription d = VmStateDescription.builder("PCIBUS").version(1)
                .field(Field.of("nirq", Codecs.INT32_EQUAL).expect(8)).build();
        byte[] wire = bytes(0x00, 0x00, 0x00, 0x04);             // nirq = 4, destination has 8
        StreamFormatException e = assertThrows(StreamFormatException.Corrupt.class,
                () -> codec.load(WireReader.of(wire), d, 1));
        assertEquals(0, e.offset());
        assertEquals("nirq", e.where().fieldPath());
        assertTrue(e.getMessage().contains("expected 0x8, found 0x4"), e.getMessage());
    }

    @Test
    void nullptrMarkerMustBe0x30() throws IOException {
        VmStateDescription d = VmStateDescription.builder("d").version(1).field(Field.of("p", Codecs.NULLPTR)).build();
        assertEquals(NullMarker.INSTANCE, load(d, 1, bytes(0x30)).get("p"));   // '0'
        StreamFormatException e = assertThrows(StreamFormatException.Corrupt.class,
                () -> codec.load(WireReader.of(bytes(0x31)), d, 1));
        assertTrue(e.getMessage().contains("VMS_NULLPTR_MARKER"));
    }

    @Test
    void arrayOfPointersWithNullElements() throws IOException {
        VmStateDescription d = VmStateDescription.builder("d").version(1)
                .field(Field.timer("timers").array(3).ofPointers()).build();
        byte[] wire = bytes(
                0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00,    // timers[0] expires at 0x1000
                0x30,                                              // timers[1] NULL
                0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);   // timers[2] not armed
        Struct v = load(d, 1, wire);
        assertEquals(NullMarker.INSTANCE, ((Array) v.get("timers")).elements().get(1));
    }

    @Test
    void qtailqElementsThenEndMarker() throws IOException {
        VmStateDescription el = VmStateDescription.builder("req").version(1).field(Field.uint16("tag")).build();
        VmStateDescription d = VmStateDescription.builder("d").version(1).field(Field.qtailq("reqs", el)).build();
        byte[] wire = bytes(
                0x01, 0x00, 0x07,                                  // element: tag 7
                0x01, 0x00, 0x09,                                  // element: tag 9
                0x00);                                             // end of list
        Struct v = load(d, 1, wire);
        assertEquals(2, ((ListValue) v.get("reqs")).elements().size());
        assertThrows(StreamFormatException.Corrupt.class, () -> codec.load(WireReader.of(bytes(0x02)), d, 1));
    }

    @Test
    void gtreeWithDirectKeys() throws IOException {
        VmStateDescription val = VmStateDescription.builder("dom").version(1).field(Field.uint32("id")).build();
        VmStateDescription d = VmStateDescription.builder("d").version(1).field(Field.gtree("domains", null, val)).build();
        byte[] wire = bytes(
                0x00, 0x00, 0x00, 0x02,                            // nnodes = 2
                0x01, 0, 0, 0, 0, 0, 0, 0, 0x01, 0, 0, 0, 0x0a,    // key 1 -> id 10
                0x01, 0, 0, 0, 0, 0, 0, 0, 0x02, 0, 0, 0, 0x0b,    // key 2 -> id 11
                0x00);                                             // end
        load(d, 1, wire);
        byte[] tooFew = bytes(0x00, 0x00, 0x00, 0x02, 0x01, 0, 0, 0, 0, 0, 0, 0, 0x01, 0, 0, 0, 0x0a, 0x00);
        assertThrows(StreamFormatException.Corrupt.class, () -> codec.load(WireReader.of(tooFew), d, 1));
    }

    @Test
    void configurationPlainQ35() throws IOException {
        byte[] wire = concat(
                bytes(0x00, 0x00, 0x00, 0x0a),                     // len = 10
                ascii("pc-q35-7.2"));                              // name, no NUL
        Struct v = load(BuiltinDescriptions.CONFIGURATION, 0, wire);
        assertEquals("pc-q35-7.2", v.bytesAsText("name"));
    }

    @Test
    void configurationWithCapabilities() throws IOException {
        byte[] wire = concat(
                bytes(0x00, 0x00, 0x00, 0x0a), ascii("pc-q35-7.2"),
                bytes(0x05, 26), ascii("configuration/capabilities"), bytes(0, 0, 0, 1),
                bytes(0x00, 0x00, 0x00, 0x01),                     // caps_count
                bytes(15), ascii("x-ignore-shared"));              // cstr8 capability
        Struct v = load(BuiltinDescriptions.CONFIGURATION, 0, wire);
        assertEquals(1, v.subsections().size());
    }

    @Test
    void globalstate() throws IOException {
        byte[] run = new byte[100];
        System.arraycopy(ascii("running"), 0, run, 0, 7);
        byte[] wire = concat(bytes(0, 0, 0, 8), run);              // size = strlen+1, runstate[100]
        assertEquals("running", load(BuiltinDescriptions.GLOBALSTATE, 1, wire).bytesAsText("runstate").trim()
                .replace("\0", ""));
    }

    @Test
    void limitIsCheckedBeforeAllocation() {
        VmStateDescription d = VmStateDescription.builder("d").version(1)
                .field(Field.uint32("n")).field(Field.vbuffer("b", "n")).build();
        byte[] wire = bytes(0x7f, 0xff, 0xff, 0xff);             // claims a 2 GiB buffer
        StreamFormatException e = assertThrows(StreamFormatException.LimitExceeded.class,
                () -> new VmStateCodec(Limits.DEFAULT.withMaxBufferBytes(1024)).load(WireReader.of(wire), d, 1));
        assertTrue(e.getMessage().contains("Limits.maxBufferBytes"));
        assertEquals("b", e.where().fieldPath());
    }

    @Test
    void mustExistAndValidate() {
        VmStateDescription d = VmStateDescription.builder("d").version(1)
                .field(Field.uint8("a"))
                .field(Field.validate("a_small", (s, v) -> s.longValue("a") < 4)).build();
        assertThrows(StreamFormatException.Corrupt.class, () -> codec.load(WireReader.of(bytes(9)), d, 1));
    }

    @Test
    void fieldExistsPredicateOverEarlierValues() throws IOException {
        VmStateDescription d = VmStateDescription.builder("d").version(1)
                .field(Field.bool("express"))
                .field(Field.buffer("config", 4).when((s, v) -> s.longValue("express") == 0))
                .field(Field.buffer("config", 8).when((s, v) -> s.longValue("express") != 0))
                .build();
        assertEquals(4, load(d, 1, bytes(0, 1, 2, 3, 4)).bytes("config").length);
        assertEquals(8, load(d, 1, bytes(1, 1, 2, 3, 4, 5, 6, 7, 8)).bytes("config").length);
    }

    @Test
    void nestedFieldPathInErrors() {
        VmStateDescription inner = VmStateDescription.builder("port").version(1)
                .field(Field.of("irq", Codecs.UINT8_EQUAL).expect(1)).build();
        VmStateDescription d = VmStateDescription.builder("ahci").version(1)
                .field(Field.struct("dev", inner).array(2)).build();
        StreamFormatException e = assertThrows(StreamFormatException.Corrupt.class,
                () -> codec.load(WireReader.of(bytes(1, 2)), d, 1));
        assertEquals("dev[1].irq", e.where().fieldPath());
        assertEquals(1, e.offset());
    }
}
