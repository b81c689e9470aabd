package qmig.stream.grammar;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import qmig.stream.wire.StreamFormatException;
import qmig.testdata.Captures;

/**
 * Laws of the stream reader: random input only ever yields a stream or a
 * {@link StreamFormatException} whose offset lies inside the input; a stream it accepts
 * re-encodes to the bytes it consumed.
 */
class StreamReaderPropertyTest {

    private static final byte[] GOOD = Captures.PC_PLAIN.bytes();

    @Provide
    Arbitrary<byte[]> randomAfterHeader() {
        return Arbitraries.bytes().array(byte[].class).ofMinSize(0).ofMaxSize(600).map(tail -> {
            byte[] b = new byte[8 + tail.length];
            System.arraycopy(GOOD, 0, b, 0, 8);
            System.arraycopy(tail, 0, b, 8, tail.length);
            return b;
        });
    }

    @Property(tries = 2000)
    void randomBytesOnlyThrowStreamFormatException(@ForAll @Size(max = 300) byte[] bytes) {
        check(bytes);
    }

    @Property(tries = 2000)
    void randomRecordsAfterAValidHeaderOnlyThrowStreamFormatException(@ForAll("randomAfterHeader") byte[] bytes) {
        check(bytes);
    }

    @Property(tries = 3000)
    void aRealCaptureWithOneByteChangedDecodesOrFailsTyped(
            @ForAll @IntRange(min = 0, max = 461108) int at, @ForAll byte value) {
        byte[] b = GOOD.clone();
        b[at] = value;
        check(b);
    }

    private static final byte[] DEVICES = Captures.Q35_VIOMMU_DEVICES.bytes();

    /** Changes land in the device sections and trailer of the richest capture (virtio, e1000e, vIOMMU). */
    @Property(tries = 1000)
    void deviceStateWithOneByteChangedDecodesOrFailsTyped(@ForAll @IntRange(min = 0, max = 99999) int fromEnd,
                                                          @ForAll byte value) {
        byte[] b = DEVICES.clone();
        b[b.length - 1 - fromEnd] = value;
        check(b);
    }

    private static void check(byte[] bytes) {
        try {
            MigrationStream s = MigrationStream.read(new ByteArrayInputStream(bytes), ReaderOptions.defaults());
            assertArrayEquals(bytes, s.toBytes(), "an accepted stream re-encodes to its bytes");
        } catch (StreamFormatException e) {
            assertTrue(e.offset() >= -1 && e.offset() <= bytes.length, "offset " + e.offset() + " of " + bytes.length + ": " + e);
        } catch (Exception e) {
            throw new AssertionError("not a StreamFormatException for " + bytes.length + " bytes", e);
        }
    }
}
