package qmig.viommu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import org.junit.jupiter.api.Test;
import qmig.stream.grammar.MigrationStream;
import qmig.stream.grammar.ReaderOptions;
import qmig.stream.grammar.StreamRecord;
import qmig.stream.grammar.VmStatePayload;
import qmig.testdata.Captures;

/** The codec hands this module the iommu-intel state of a real capture, decoded. */
class IommuSectionPresentTest {

    @Test
    void iommuIntelSectionOfTheVIommuCaptureDecodesTo602Bytes() throws Exception {
        MigrationStream s = MigrationStream.read(Captures.Q35_VIOMMU.bytes(), ReaderOptions.defaults());
        StreamRecord.SectionFull iommu = s.records().stream()
                .filter(r -> r instanceof StreamRecord.SectionFull f && f.header().idstr().equals("iommu-intel"))
                .map(r -> (StreamRecord.SectionFull) r).findFirst().orElseThrow();
        VmStatePayload p = assertInstanceOf(VmStatePayload.class, iommu.payload());
        assertEquals(1, iommu.header().versionId());
        byte[] csr = new qmig.stream.vmstate.VmStateCodec(qmig.stream.wire.Limits.DEFAULT)
                .saveToBytes(p.description(), p.version(), p.value());
        assertEquals(602, csr.length, "iommu-intel v1 payload length");
    }
}
