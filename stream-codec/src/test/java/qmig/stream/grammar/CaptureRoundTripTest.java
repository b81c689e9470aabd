package qmig.stream.grammar;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import qmig.stream.wire.WireReader;
import qmig.testdata.Capture;
import qmig.testdata.Captures;

/**
 * Every committed capture decodes to its last byte, agrees with the independent reader's
 * sidecar, and re-encodes from the decoded model to the identical bytes, trailer included.
 */
class CaptureRoundTripTest {

    static Stream<Capture> captures() {
        return Captures.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("captures")
    void decodesAgreesWithSidecarAndReencodesIdentically(Capture c) throws Exception {
        byte[] bytes = c.bytes();
        Sidecar expected = Sidecar.of(c);
        assertEquals(expected.size(), bytes.length, "capture size");

        MigrationStream s = MigrationStream.read(bytes, ReaderOptions.defaults());
        assertTrue(s.complete());
        assertNotNull(s.trailer(), "trailer");
        assertTrue(s.footers());
        assertEquals(List.of(), s.undecodedSections(), "every section decoded");

        List<Sidecar.Section> got = new ArrayList<>();
        for (StreamRecord r : s.records()) {
            if (r instanceof StreamRecord.Section sec) {
                SectionHeader h = sec.header();
                String kind = h.type().name().replace("SECTION_", "");
                got.add(new Sidecar.Section(kind, h.unsignedId(), h.idstr(), h.instanceId(), h.versionId(),
                        sec.offset(), 0, 0, sec.footer()));
            }
        }
        assertEquals(expected.sections().size(), got.size(), "section count");
        for (int i = 0; i < got.size(); i++) {
            Sidecar.Section e = expected.sections().get(i);
            Sidecar.Section g = got.get(i);
            assertEquals(List.of(e.kind(), e.id(), e.idstr(), e.instance(), e.version(), e.offset(), e.footer()),
                    List.of(g.kind(), g.id(), g.idstr(), g.instance(), g.version(), g.offset(), g.footer()),
                    "section " + i);
        }
        StreamRecord.Configuration conf = assertInstanceOf(StreamRecord.Configuration.class, s.records().get(0));
        assertEquals(expected.machine(), conf.machineType());
        StreamRecord eof = s.records().get(s.records().size() - 2);
        assertEquals(expected.eofOffset(), eof.offset());

        assertTrue(s.trailer().canonical(), "the trailer tree alone, written as QEMU writes JSON, gives the trailer text");
        assertArrayEquals(bytes, s.toBytes(), "re-encoded from the model");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("captures")
    void decodesForwardOnlyFromAStreamHoldingSectionsUntilTheTrailer(Capture c) throws Exception {
        byte[] bytes = c.bytes();
        MigrationStream s = MigrationStream.read(new ByteArrayInputStream(bytes),
                ReaderOptions.defaults().withBundledSchema(false));
        assertEquals(List.of(), s.undecodedSections(), "held sections resolved from the trailer");
        assertArrayEquals(bytes, s.toBytes());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("captures")
    void withoutTrailerDecodesWithTheBundledSchema(Capture c) throws Exception {
        byte[] bytes = c.bytes();
        Sidecar expected = Sidecar.of(c);
        int cut = (int) expected.eofOffset() + 1;
        byte[] noTrailer = java.util.Arrays.copyOf(bytes, cut);
        MigrationStream s = MigrationStream.read(new ByteArrayInputStream(noTrailer), ReaderOptions.defaults());
        assertTrue(s.complete());
        assertNull(s.trailer());
        assertEquals(List.of(), s.undecodedSections(), "every section decoded with the bundled 7.2 schema");
        for (StreamRecord r : s.records()) {
            if (r instanceof StreamRecord.Section sec && sec.payload() instanceof VmStatePayload v) {
                assertTrue(v.origin() != DescriptionOrigin.TRAILER);
            }
        }
        assertArrayEquals(noTrailer, s.toBytes());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("captures")
    void pullReaderReportsRecordBoundaries(Capture c) throws Exception {
        byte[] bytes = c.bytes();
        StreamReader r = new StreamReader(WireReader.of(bytes), ReaderOptions.defaults());
        r.readHeader();
        long last = -1;
        int n = 0;
        for (StreamRecord rec; (rec = r.next()) != null; n++) {
            assertTrue(rec.offset() > last);
            last = rec.offset();
        }
        assertEquals(bytes.length, r.wire().position());
        assertTrue(n > 30);
    }
}
