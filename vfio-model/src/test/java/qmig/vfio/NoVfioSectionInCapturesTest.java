package qmig.vfio;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import qmig.stream.grammar.MigrationStream;
import qmig.stream.grammar.ReaderOptions;
import qmig.stream.grammar.StreamRecord;
import qmig.testdata.Capture;
import qmig.testdata.Captures;

/** None of the committed captures has a VFIO device: no {@code <path>/vfio} section appears. */
class NoVfioSectionInCapturesTest {

    @Test
    void capturesCarryNoVfioSection() throws Exception {
        for (Capture c : Captures.small()) {
            MigrationStream s = MigrationStream.read(c.bytes(), ReaderOptions.defaults());
            assertTrue(s.records().stream().noneMatch(r -> r instanceof StreamRecord.Section sec
                    && sec.header().idstr().endsWith("/vfio")), c.toString());
        }
    }
}
