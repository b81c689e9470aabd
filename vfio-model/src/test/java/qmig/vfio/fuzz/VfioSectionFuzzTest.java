package qmig.vfio.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;
import qmig.stream.grammar.SectionHeader;
import qmig.stream.grammar.SectionType;
import qmig.stream.wire.StreamFormatException;
import qmig.vfio.section.VfioCodecOptions;
import qmig.vfio.section.VfioPayload;
import qmig.vfio.section.VfioSectionCodec;

/**
 * The {@code <path>/vfio} section payload, protocol v1 (7.2) and v2 (8.0+), in each record kind.
 * The first input byte picks the protocol (bit 0), the record kind (bits 1-2) and the config
 * size; the rest is the payload between the section header and its footer. A payload that
 * decodes must encode to the same bytes.
 */
@org.junit.jupiter.api.Tag("fuzz")
class VfioSectionFuzzTest {

    private static final SectionType[] TYPES = {SectionType.SECTION_START, SectionType.SECTION_PART,
            SectionType.SECTION_END, SectionType.SECTION_FULL};

    @FuzzTest
    void payload(byte[] data) {
        if (data.length == 0) {
            return;
        }
        int sel = data[0] & 0xff;
        VfioCodecOptions o = (sel & 1) == 0 ? VfioCodecOptions.v1() : VfioCodecOptions.v2();
        o = o.withConfigSize(VfioCodecOptions.ConfigSize.values()[(sel >> 3) % VfioCodecOptions.ConfigSize.values().length]);
        SectionType t = TYPES[(sel >> 1) & 3];
        SectionHeader h = new SectionHeader(t, 42, "0000:00:03.0/vfio", 0, 1);
        byte[] payload = Arrays.copyOfRange(data, 1, data.length);
        VfioSectionCodec codec = new VfioSectionCodec(o);
        VfioPayload p;
        try {
            p = codec.decode(h, payload, 1000);
        } catch (StreamFormatException e) {
            if (e.offset() < 1000 || e.offset() > 1000 + payload.length) {
                throw new AssertionError("offset " + e.offset() + " outside [1000, " + (1000 + payload.length) + "]", e);
            }
            return;
        }
        byte[] again = codec.encode(t, p);
        if (!Arrays.equals(payload, again)) {
            throw new AssertionError("decoded " + p + " re-encodes to other bytes");
        }
    }
}
