package qmig.stream.ram;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import qmig.stream.wire.StreamFormatException;

class XbzrleTest {

    private static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    @Test
    void encodesMaximalRunsWithoutTrailingZeroRun() {
        byte[] old = new byte[4096];
        byte[] cur = old.clone();
        cur[100] = 1;
        cur[101] = 2;
        cur[300] = 3;
        assertArrayEquals(bytes(
                100, 2, 1, 2,              // zrun 100, nzrun 2: 01 02
                0xc6, 0x01, 1, 3),         // zrun 198 = 0x46 | 0x80, 0x01; nzrun 1: 03
                Xbzrle.encode(old, cur));
    }

    @Test
    void firstZeroRunMayBeEmpty() {
        byte[] old = new byte[4096];
        byte[] cur = old.clone();
        cur[0] = 9;
        assertArrayEquals(bytes(0, 1, 9), Xbzrle.encode(old, cur));
    }

    @Test
    void identicalPagesEncodeToNothing() {
        byte[] p = RamFixtures.pattern(5);
        assertEquals(0, Xbzrle.encode(p, p.clone()).length);
    }

    @Test
    void givesUpWhenTheEncodingExceedsAPage() {
        byte[] old = new byte[4096];
        byte[] cur = old.clone();
        for (int i = 0; i < 4096; i += 2) {
            cur[i] = 1;                        // 3 encoded bytes per 2 page bytes
        }
        assertNull(Xbzrle.encode(old, cur));
        Arrays.fill(cur, (byte) 1);            // 0, uleb(4096), 4096 literals = 4099 bytes
        assertNull(Xbzrle.encode(old, cur));
    }

    @Test
    void giveUpPointsFollowQemu() {
        byte[] old = new byte[4096];
        byte[] cur = old.clone();
        Arrays.fill(cur, 3, 4096, (byte) 1);   // zrun 3, nzrun 4093 (uleb 2 bytes): 1 + 2 + 4093 = 4096
        byte[] enc = Xbzrle.encode(old, cur);
        assertEquals(4096, enc.length);        // fits exactly: n = 4096 is possible
        byte[] dst = new byte[4096];
        assertEquals(-1, Xbzrle.encode(old, 0, cur, 0, dst, 0, 4095));

        // QEMU checks "2 more bytes fit" before scanning each zero run, even a trailing one that
        // would not be encoded: 4096 bytes of output followed by unchanged bytes gives up.
        cur = old.clone();
        Arrays.fill(cur, 3, 4096 - 2, (byte) 1);
        Arrays.fill(cur, 0, 1, (byte) 1);      // zrun 0, nzrun 1, zrun 2, nzrun 4091: 1+1+1 + 1+2+4091 = 4097
        assertNull(Xbzrle.encode(old, cur));
        cur = old.clone();
        Arrays.fill(cur, 1, 4094, (byte) 1);   // zrun 1, nzrun 4093 = 4096 bytes, then 2 unchanged bytes
        assertNull(Xbzrle.encode(old, cur));
    }

    @Test
    void decodesInPlaceKeepingUncoveredBytes() throws Exception {
        byte[] page = RamFixtures.pattern(0);
        byte[] expected = page.clone();
        expected[16] = (byte) 0xaa;
        expected[17] = (byte) 0xbb;
        int end = Xbzrle.decode(bytes(0x10, 0x02, 0xaa, 0xbb), 0, 4, page, 0, 0);
        assertEquals(18, end);
        assertArrayEquals(expected, page);
    }

    @Test
    void decodesOntoAPageInsideALargerArray() throws Exception {
        byte[] mem = new byte[3 * 4096];
        Xbzrle.decode(bytes(0x7f, 0x01, 0x55), 0, 3, mem, 4096, -1);
        assertEquals(0x55, mem[4096 + 127]);
        assertEquals(1, countNonZero(mem));
    }

    private static int countNonZero(byte[] b) {
        int n = 0;
        for (byte x : b) {
            n += x != 0 ? 1 : 0;
        }
        return n;
    }

    /** Each invalid encoding with the index of the byte blamed, from xbzrle_decode_buffer's checks. */
    @ParameterizedTest
    @ValueSource(strings = {
            "05:0",                  // one byte left for a zero run
            "05 01 aa 03:3",         // one byte left for the second zero run
            "81 80 01 aa:0",         // zero-run uleb with a second byte >= 0x80
            "05 01 aa 00 01 bb:4",   // empty zero run after the first
            "a1 20 01 aa:2",         // zero run to 0x1021 > 4096
            "05:0",
            "05 00 aa:2",            // empty non-zero run
            "05 85 80:2",            // non-zero-run uleb with a second byte >= 0x80
            "05 03 aa bb:2",         // literals pass the end of the encoding
            "ff 1f 02 aa bb:3",      // zero run 4095 + 2 literals pass the page end
            "80 20 01 aa:3",         // zero run 4096 then a literal beyond the page
    })
    void invalidEncodingsAreCorruptAndLeaveThePageAlone(String spec) {
        String[] parts = spec.split(":");
        String[] hex = parts[0].split(" ");
        byte[] src = new byte[hex.length];
        for (int i = 0; i < hex.length; i++) {
            src[i] = (byte) Integer.parseInt(hex[i], 16);
        }
        byte[] page = RamFixtures.pattern(1);
        StreamFormatException e = assertThrows(StreamFormatException.Corrupt.class,
                () -> Xbzrle.decode(src, 0, src.length, page, 0, 1000));
        assertTrue(e.detail().startsWith("Failed to load XBZRLE page - decode error"), e::toString);
        assertTrue(e.offset() >= 1000 && e.offset() <= 1000 + Integer.parseInt(parts[1]) + 1, e::toString);
        assertArrayEquals(RamFixtures.pattern(1), page);
    }

    @Test
    void emptyEncodingIsValid() throws Exception {
        byte[] page = RamFixtures.pattern(2);
        assertEquals(0, Xbzrle.decode(new byte[0], 0, 0, page, 0, -1));
        assertArrayEquals(RamFixtures.pattern(2), page);
    }

    @Test
    void zeroRunToThePageEndWithoutLiteralsFailsLikeQemu() {
        // 0x80 0x20 = 4096: d == 4096 passes "d > dlen", then no bytes are left for the non-zero run
        byte[] src = bytes(0x80, 0x20);
        assertThrows(StreamFormatException.Corrupt.class, () -> Xbzrle.validate(src, 0, 2, -1));
    }
}
