package qmig.stream.grammar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import qmig.stream.wire.Limits;
import qmig.stream.wire.StreamFormatException;
import qmig.testdata.Captures;

/**
 * Header, section-type, footer and length bytes changed in a real capture give a typed error at
 * the byte that is wrong. The cases follow the lab's table of how a real 7.2 destination answers.
 */
class BadInputTest {

    static byte[] good;
    static Sidecar side;

    @BeforeAll
    static void load() throws Exception {
        good = Captures.Q35_VIOMMU.bytes();
        side = Sidecar.of(Captures.Q35_VIOMMU);
    }

    static StreamFormatException decode(byte[] b) {
        return assertThrows(StreamFormatException.class, () -> MigrationStream.read(b, ReaderOptions.defaults()));
    }

    static StreamFormatException decodeForward(byte[] b) {
        return assertThrows(StreamFormatException.class,
                () -> MigrationStream.read(new ByteArrayInputStream(b), ReaderOptions.defaults()));
    }

    static Sidecar.Section section(String idstr) {
        return side.sections().stream().filter(s -> s.idstr().equals(idstr)).findFirst().orElseThrow();
    }

    @Test
    void magicByteChanged() {
        byte[] b = good.clone();
        b[0] = 0x52;
        StreamFormatException e = decode(b);
        assertInstanceOf(StreamFormatException.Corrupt.class, e);
        assertEquals(0, e.offset());
        assertTrue(e.getMessage().contains("Not a migration stream"), e.getMessage());
    }

    @Test
    void versionTwoIsRefusedAsObsolete() {
        byte[] b = good.clone();
        b[7] = 2;
        StreamFormatException e = decode(b);
        assertInstanceOf(StreamFormatException.UnsupportedVersion.class, e);
        assertEquals(4, e.offset());
        assertTrue(e.getMessage().contains("v2"), e.getMessage());
    }

    @Test
    void otherVersionIsUnsupported() {
        byte[] b = good.clone();
        b[7] = 4;
        StreamFormatException e = decode(b);
        assertInstanceOf(StreamFormatException.UnsupportedVersion.class, e);
        assertEquals(4, e.offset());
    }

    @Test
    void eofTypeByteChanged() {
        byte[] b = good.clone();
        b[(int) side.eofOffset()] = 0x55;
        StreamFormatException e = decode(b);
        assertInstanceOf(StreamFormatException.Corrupt.class, e);
        assertEquals(side.eofOffset(), e.offset());
        assertTrue(e.getMessage().contains("Unknown savevm section type 85"), e.getMessage());
    }

    @Test
    void sectionTypeByteChanged() {
        Sidecar.Section timer = section("timer");
        byte[] b = good.clone();
        b[(int) timer.offset()] = 0x09;
        StreamFormatException e = decode(b);
        assertInstanceOf(StreamFormatException.Corrupt.class, e);
        assertEquals(timer.offset(), e.offset());
    }

    @Test
    void footerMarkerChanged() {
        Sidecar.Section timer = section("timer");
        long footerAt = timer.payload() + timer.len();
        byte[] b = good.clone();
        b[(int) footerAt] = 0x7f;
        StreamFormatException e = decode(b);
        assertInstanceOf(StreamFormatException.Corrupt.class, e);
        assertEquals(footerAt, e.offset());
        assertTrue(e.getMessage().contains("Missing section footer for timer"), e.getMessage());
        assertEquals("timer", e.where().idstr());
    }

    @Test
    void footerIdChanged() {
        Sidecar.Section timer = section("timer");
        long footerAt = timer.payload() + timer.len();
        byte[] b = good.clone();
        b[(int) footerAt + 4] ^= 0x40;
        StreamFormatException e = decode(b);
        assertInstanceOf(StreamFormatException.Corrupt.class, e);
        assertEquals(footerAt + 1, e.offset());
        assertTrue(e.getMessage().contains("Mismatched section id in footer for timer"), e.getMessage());
    }

    @Test
    void partWithUnknownSectionId() {
        Sidecar.Section part = side.sections().stream().filter(s -> s.kind().equals("PART")).findFirst().orElseThrow();
        byte[] b = good.clone();
        b[(int) part.offset() + 4] = 0x55;
        StreamFormatException e = decode(b);
        assertInstanceOf(StreamFormatException.UnknownSection.class, e);
        assertEquals(part.offset(), e.offset());
    }

    @Test
    void idstrLengthByteChangedIsCaughtBeforeReadingPastTheSection() {
        Sidecar.Section timer = section("timer");
        byte[] b = good.clone();
        b[(int) timer.offset() + 5] = 0;
        StreamFormatException e = decode(b);
        assertInstanceOf(StreamFormatException.Corrupt.class, e);
        assertEquals(timer.offset() + 5, e.offset());
    }

    @Test
    void trailerLengthAboveTheLimitNamesTheLimit() {
        byte[] b = java.util.Arrays.copyOf(good, (int) side.eofOffset() + 6);
        b[b.length - 5] = 0x06;
        b[b.length - 4] = 0x7f; // 2 GiB of JSON announced
        StreamFormatException e = decodeForward(b);
        assertInstanceOf(StreamFormatException.LimitExceeded.class, e);
        assertEquals(side.eofOffset() + 2, e.offset());
        assertTrue(e.getMessage().contains("Limits.maxVmDescriptionBytes"), e.getMessage());
    }

    @Test
    void trailerLengthPastTheEndIsTruncated() {
        byte[] b = good.clone();
        b[(int) side.eofOffset() + 4] += 1; // one more byte of JSON announced than there is
        StreamFormatException e = decodeForward(b);
        assertInstanceOf(StreamFormatException.Truncated.class, e);
        assertEquals(side.eofOffset() + 6, e.offset());
    }

    @Test
    void bytesAfterEofThatAreNoTrailer() {
        byte[] b = good.clone();
        b[(int) side.eofOffset() + 1] = 0x07;
        StreamFormatException e = decodeForward(b);
        assertInstanceOf(StreamFormatException.Corrupt.class, e);
        assertEquals(side.eofOffset() + 1, e.offset());
    }

    @Test
    void smallHeldSectionLimitIsEnforced() {
        byte[] b = java.util.Arrays.copyOf(good, (int) side.eofOffset() + 1);
        ReaderOptions o = ReaderOptions.defaults().withBundledSchema(false)
                .withLimits(Limits.DEFAULT.withMaxHeldSectionBytes(16));
        StreamFormatException e = assertThrows(StreamFormatException.class,
                () -> MigrationStream.read(new ByteArrayInputStream(b), o));
        assertInstanceOf(StreamFormatException.LimitExceeded.class, e);
        assertTrue(e.getMessage().contains("Limits.maxHeldSectionBytes"), e.getMessage());
    }
}
