package qmig.stream.grammar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import qmig.stream.vmstate.VmStateCodec;
import qmig.stream.wire.Limits;
import qmig.stream.wire.StreamFormatException;
import qmig.stream.wire.WireReader;
import qmig.testdata.Capture;
import qmig.testdata.Captures;

/**
 * Every prefix of every device section payload of the never-run captures (q35 with and without
 * vIOMMU, i440fx, the virtio/e1000e device set): the section's description either throws
 * {@link StreamFormatException.Truncated}, or (a cut inside a subsection's look-ahead, where QEMU
 * simply stops looking) ends without error, so that the footer the stream needs next is missing
 * and the stream is Truncated. Never any other error. Together with
 * {@link PrefixTest} (cuts at and around every record boundary, through the ram sections and
 * the trailer) and the ram codec's every-cut fixtures this covers every prefix position.
 */
class SectionPrefixTest {

    static Stream<Capture> captures() {
        return Captures.small().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("captures")
    void everyCutOfEveryDeviceSectionIsTruncated(Capture c) throws Exception {
        byte[] bytes = c.bytes();
        MigrationStream s = MigrationStream.read(bytes, ReaderOptions.defaults().withPages(qmig.stream.ram.PageSink.NONE, false));
        VmStateCodec codec = new VmStateCodec(Limits.DEFAULT);
        long cuts = 0;
        for (StreamRecord r : s.records()) {
            if (!(r instanceof StreamRecord.Section sec) || !(sec.payload() instanceof VmStatePayload p)) {
                continue;
            }
            byte[] payload = codec.saveToBytes(p.description(), p.version(), p.value());
            int start = (int) (sec.offset() + 1 + 4 + (sec.header().isFull() ? 1 + sec.header().idstr().length() + 8 : 0));
            assertEquals(new String(java.util.Arrays.copyOfRange(bytes, start, start + payload.length),
                    java.nio.charset.StandardCharsets.ISO_8859_1),
                    new String(payload, java.nio.charset.StandardCharsets.ISO_8859_1), sec.header().idstr());
            for (int k = 0; k < payload.length; k++) {
                WireReader in = WireReader.of(bytes, start, k, start);
                try {
                    codec.load(in, p.description(), p.version());
                    assertTrue(in.position() - start < payload.length, "a cut payload cannot decode whole");
                } catch (StreamFormatException.Truncated e) {
                    assertTrue(e.offset() >= start && e.offset() <= start + k, "offset inside the cut input: " + e);
                } catch (StreamFormatException e) {
                    throw new AssertionError(c + " " + sec.header().idstr() + " cut at " + k + ": " + e, e);
                }
                cuts++;
            }
        }
        assertTrue(cuts > 1000, "cuts: " + cuts);
    }
}
