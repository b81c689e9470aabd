package qmig.stream.vmdesc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import qmig.stream.json.Json;
import qmig.stream.json.JsonValue;
import qmig.stream.vmstate.VmStateCodec;
import qmig.stream.vmstate.VmStateDescription;
import qmig.stream.vmstate.VmStateValue;
import qmig.testdata.Capture;

/** Every device section of every real capture, decoded and re-encoded byte for byte. */
class RealCaptureTest {

    static Stream<Capture> captures() {
        return qmig.testdata.Captures.all().stream();
    }

    @ParameterizedTest
    @MethodSource("captures")
    void trailerJsonRoundTripsByteIdentical(Capture capture) throws IOException {
        byte[] stream = capture.bytes();
        int at = VmDescriptionIndex.locate(stream);
        assertTrue(at > 0);
        JsonValue v = Json.parse(stream, at, stream.length - at, at, 1000);
        assertArrayEquals(Arrays.copyOfRange(stream, at, stream.length), Json.writeQemu(v));
    }

    @ParameterizedTest
    @MethodSource("captures")
    void everySectionDecodesWithTheTrailerAndReencodes(Capture capture) throws IOException {
        byte[] stream = capture.bytes();
        VmDescriptionIndex index = VmDescriptionIndex.of(SectionWalk.trailer(stream));
        List<SectionWalk.Section> sections = SectionWalk.locate(stream, index);
        assertEquals(index.devices().size(), sections.size());
        for (SectionWalk.Section s : sections) {
            VmStateDescription d = index.candidates(s.idstr(), s.instanceId(), s.version()).get(0);
            roundTrip(stream, s, d);
        }
    }

    @ParameterizedTest
    @MethodSource("captures")
    void everySectionDecodesWithTheBundledSchemaAlone(Capture capture) throws IOException {
        byte[] stream = capture.bytes();
        VmDescriptionIndex index = VmDescriptionIndex.of(SectionWalk.trailer(stream));
        List<SectionWalk.Section> sections = SectionWalk.locate(stream, index);
        String machine = capture.machine();
        DumpVmstateSchema schema = DumpVmstateSchema.bundled(machine);
        List<String> failed = new ArrayList<>();
        for (SectionWalk.Section s : sections) {
            boolean ok = false;
            for (VmStateDescription d : schema.candidates(s.idstr(), s.instanceId(), s.version())) {
                try {
                    roundTrip(stream, s, d);
                    ok = true;
                    break;
                } catch (IOException | IllegalArgumentException | AssertionError e) {
                    // next candidate
                }
            }
            if (!ok) {
                failed.add(s.idstr() + "/" + s.instanceId());
            }
        }
        assertTrue(failed.isEmpty(), "no bundled candidate fits: " + failed);
    }

    static void roundTrip(byte[] stream, SectionWalk.Section s, VmStateDescription d) throws IOException {
        VmStateValue.Struct v = SectionWalk.decodeExactly(stream, s, d);
        byte[] again = new VmStateCodec().saveToBytes(d, s.version(), v);
        byte[] orig = Arrays.copyOfRange(stream, s.payloadStart(), s.payloadEnd());
        assertArrayEquals(orig, again, s.idstr());
        assertFalse(orig.length == 0 && !v.fields().isEmpty() && false);
    }
}
