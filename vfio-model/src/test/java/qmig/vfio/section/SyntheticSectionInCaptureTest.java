package qmig.vfio.section;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import qmig.stream.grammar.MigrationStream;
import qmig.stream.grammar.OpaquePayload;
import qmig.stream.grammar.ReaderOptions;
import qmig.stream.grammar.StreamRecord;
import qmig.stream.wire.StreamFormatException;
import qmig.testdata.Captures;

/**
 * qmig as a VFIO source: a device's START/PART/END/FULL sections with a seeded payload, spliced
 * into the real q35 capture, written, read back by the stream reader (which keeps them opaque) and
 * decoded identically. Real QEMU 7.2 cannot make these without migration-capable hardware.
 */
class SyntheticSectionInCaptureTest {

    static final String ID = "0000:00:05.0/vfio";

    static VfioSourceEmitter.Plan plan(VfioProtocol p) {
        byte[] data = VfioSourceEmitter.seededData(0x5eed_0006L, 40_000);
        return new VfioSourceEmitter.Plan(p, ID, 0x60, data, 4096, 3, p == VfioProtocol.V2, Fixtures.pcieState());
    }

    static VfioSectionCodec codec(VfioProtocol p) {
        return new VfioSectionCodec(p == VfioProtocol.V1 ? VfioCodecOptions.v1() : VfioCodecOptions.v2());
    }

    @ParameterizedTest
    @EnumSource(VfioProtocol.class)
    void splicedSectionsDecodeBackIdentically(VfioProtocol proto) throws Exception {
        VfioSourceEmitter.Plan plan = plan(proto);
        MigrationStream base = MigrationStream.read(Captures.Q35_PLAIN.bytes(), ReaderOptions.defaults());
        MigrationStream spliced = VfioSourceEmitter.insert(base, VfioSourceEmitter.sections(plan, base.footers()));
        byte[] bytes = spliced.toBytes();

        MigrationStream back = MigrationStream.read(bytes, ReaderOptions.defaults());
        List<StreamRecord.Section> vfio = new ArrayList<>();
        for (StreamRecord r : back.records()) {
            if (r instanceof StreamRecord.Section s && VfioSectionCodec.isVfio(s.header())) {
                vfio.add(s);
            }
        }
        List<VfioSourceEmitter.Emitted> expected = VfioSourceEmitter.payloads(plan);
        assertEquals(expected.size(), vfio.size());
        VfioSectionCodec codec = codec(proto);
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (int i = 0; i < vfio.size(); i++) {
            StreamRecord.Section s = vfio.get(i);
            assertEquals(expected.get(i).type(), s.header().type());
            assertEquals(ID, s.header().idstr());
            OpaquePayload op = assertInstanceOf(OpaquePayload.class, s.payload());
            VfioPayload p = codec.decode(s);
            assertEquals(expected.get(i).payload(), p);
            assertArrayEquals(op.bytes(), codec.encode(s.header().type(), p));
            if (p instanceof VfioPayload.Chunks c) {
                c.chunks().forEach(k -> data.writeBytes(k.bytes()));
            }
        }
        // the device state arrives whole and in order
        assertArrayEquals(plan.deviceData(), data.toByteArray());
        // the whole stream is byte-identical when written again
        assertArrayEquals(bytes, back.toBytes());
        // and the original sections are untouched
        assertEquals(base.records().size() + expected.size(), back.records().size());
    }

    @ParameterizedTest
    @EnumSource(VfioProtocol.class)
    void aCorruptedMarkerInTheCaptureNamesTheSectionAndItsStreamOffset(VfioProtocol proto) throws Exception {
        VfioSourceEmitter.Plan plan = plan(proto);
        MigrationStream base = MigrationStream.read(Captures.Q35_PLAIN.bytes(), ReaderOptions.defaults());
        byte[] bytes = VfioSourceEmitter.insert(base, VfioSourceEmitter.sections(plan, base.footers())).toBytes();
        MigrationStream back = MigrationStream.read(bytes, ReaderOptions.defaults());
        StreamRecord.Section full = null;
        for (StreamRecord r : back.records()) {
            if (r instanceof StreamRecord.SectionFull s && VfioSectionCodec.isVfio(s.header())) {
                full = s;
            }
        }
        int payloadAt = (int) full.offset() + VfioSectionCodec.headerLength(full.header());
        // the CONFIG marker's last byte 0x02 -> 0x07
        assertEquals(0x02, bytes[payloadAt + 7]);
        bytes[payloadAt + 7] = 0x07;
        MigrationStream bad = MigrationStream.read(bytes, ReaderOptions.defaults());
        StreamRecord.Section badFull = null;
        for (StreamRecord r : bad.records()) {
            if (r instanceof StreamRecord.SectionFull s && VfioSectionCodec.isVfio(s.header())) {
                badFull = s;
            }
        }
        StreamRecord.Section target = badFull;
        StreamFormatException e = assertThrows(StreamFormatException.Corrupt.class, () -> codec(proto).decode(target));
        assertEquals(payloadAt, e.offset());
        assertTrue(e.getMessage().startsWith("section 96 '" + ID + "'/0 at 0x" + Integer.toHexString(payloadAt)
                + ": Unknown tag 0xffffffffef100007"), e.getMessage());
    }
}
