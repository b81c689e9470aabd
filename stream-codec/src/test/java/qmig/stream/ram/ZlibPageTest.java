package qmig.stream.ram;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import qmig.stream.wire.StreamFormatException;

class ZlibPageTest {

    @Test
    void inflatesWhatItDeflates() throws Exception {
        try (ZlibPage z = new ZlibPage()) {
            for (int level = 0; level <= 9; level++) {
                byte[] page = RamFixtures.pattern(level);
                byte[] zlib = z.deflate(page, 0, level);
                assertArrayEquals(page, z.inflate(zlib, -1));
            }
            byte[] level1 = z.deflate(new byte[4096], 0, 1);
            assertEquals(0x78, level1[0] & 0xff);
            assertEquals(0x01, level1[1] & 0xff);
        }
    }

    @Test
    void inflatesOntoAPageInsideALargerArray() throws Exception {
        try (ZlibPage z = new ZlibPage()) {
            byte[] zlib = RamFixtures.zlib(RamFixtures.pattern(4));
            byte[] mem = new byte[3 * 4096];
            z.inflate(zlib, 0, zlib.length, mem, 8192, -1);
            assertArrayEquals(RamFixtures.pattern(4), Arrays.copyOfRange(mem, 8192, 12288));
        }
    }

    @Test
    void wrongSizesAndGarbageAreCorrupt() {
        byte[] shortStream = RamFixtures.zlib(new byte[100]).clone();
        byte[] longStream;
        java.util.zip.Deflater d = new java.util.zip.Deflater(1);
        d.setInput(new byte[4097]);
        d.finish();
        byte[] buf = new byte[100];
        longStream = Arrays.copyOf(buf, d.deflate(buf));
        d.end();
        byte[] good = RamFixtures.zlib(RamFixtures.pattern(1));
        byte[] cut = Arrays.copyOf(good, good.length - 5);
        byte[] garbage = {0x78, 0x01, (byte) 0xff, (byte) 0xff, 0x00};
        try (ZlibPage z = new ZlibPage()) {
            for (byte[] bad : new byte[][] {shortStream, longStream, cut, garbage, new byte[0]}) {
                StreamFormatException e = assertThrows(StreamFormatException.Corrupt.class, () -> z.inflate(bad, 77));
                assertEquals(77, e.offset());
            }
            // the inflater is reusable after an error
            assertArrayEquals(RamFixtures.pattern(1), z.inflate(good, -1));
        } catch (StreamFormatException e) {
            throw new AssertionError(e);
        }
    }
}
