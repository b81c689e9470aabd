package qmig.stream.ram;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.Size;
import qmig.stream.wire.Limits;
import qmig.stream.wire.StreamFormatException;
import qmig.stream.wire.WireReader;

/** Laws of the XBZRLE codec and of the section codec on arbitrary input. */
class XbzrlePropertyTest {

    /** An old page and a new page that differs from it in a few runs of random length and content. */
    @Provide
    Arbitrary<Tuple.Tuple2<byte[], byte[]>> pagePairs() {
        Arbitrary<byte[]> old = Arbitraries.oneOf(
                Arbitraries.bytes().array(byte[].class).ofSize(4096),
                Arbitraries.just(new byte[4096]));
        Arbitrary<List<int[]>> edits = Arbitraries.integers().between(0, 4095)
                .flatMap(start -> Arbitraries.integers().between(1, 600)
                        .flatMap(len -> Arbitraries.integers().between(0, 255)
                                .map(seed -> new int[] {start, len, seed})))
                .list().ofMinSize(0).ofMaxSize(12);
        return Combinators.combine(old, edits).as((o, es) -> {
            byte[] cur = o.clone();
            for (int[] e : es) {
                for (int i = e[0]; i < Math.min(4096, e[0] + e[1]); i++) {
                    cur[i] = (byte) (e[2] * 31 + i * 7 + (i % 3 == 0 ? cur[i] : 0));
                }
            }
            return Tuple.of(o, cur);
        });
    }

    @Property(tries = 400)
    void decodeOfEncodeIsTheNewPage(@ForAll("pagePairs") Tuple.Tuple2<byte[], byte[]> pair) throws Exception {
        byte[] old = pair.get1();
        byte[] cur = pair.get2();
        byte[] enc = Xbzrle.encode(old, cur);
        if (enc == null) {
            return; // QEMU sends a normal page
        }
        assertTrue(enc.length <= 4096);
        byte[] page = old.clone();
        Xbzrle.decode(enc, 0, enc.length, page, 0, -1);
        assertArrayEquals(cur, page);
    }

    /** The encoder's runs are maximal: literals all differ, a zero run is all equal and ends at a change. */
    @Property(tries = 400)
    void encodingRunsAreMaximal(@ForAll("pagePairs") Tuple.Tuple2<byte[], byte[]> pair) {
        byte[] old = pair.get1();
        byte[] cur = pair.get2();
        byte[] enc = Xbzrle.encode(old, cur);
        if (enc == null) {
            return;
        }
        int i = 0;
        int d = 0;
        while (i < enc.length) {
            int[] z = uleb(enc, i);
            i += z[1];
            if (i > z[1]) {
                assertNotEquals(0, z[0]);
            }
            for (int k = d; k < d + z[0]; k++) {
                assertEquals(old[k], cur[k]);
            }
            d += z[0];
            int[] nz = uleb(enc, i);
            i += nz[1];
            for (int k = d; k < d + nz[0]; k++) {
                assertNotEquals(old[k], cur[k]);
            }
            assertTrue(nz[0] > 0);
            assertNotEquals(old[d], cur[d], "zero run stops at a change");
            d += nz[0];
            i += nz[0];
            if (d < 4096) {
                assertEquals(old[d], cur[d], "non-zero run stops at an unchanged byte");
            }
        }
        for (int k = d; k < 4096; k++) {
            assertEquals(old[k], cur[k], "only a trailing unchanged stretch is left out");
        }
    }

    private static int[] uleb(byte[] b, int p) {
        int b0 = b[p] & 0xff;
        return b0 < 0x80 ? new int[] {b0, 1} : new int[] {(b0 & 0x7f) | ((b[p + 1] & 0xff) << 7), 2};
    }

    @Property(tries = 2000)
    void randomBytesIntoTheDecoderOnlyThrowCorrupt(
            @ForAll @Size(max = 4200) byte[] src, @ForAll("pages") byte[] page) {
        byte[] before = page.clone();
        try {
            int end = Xbzrle.decode(src, 0, src.length, page, 0, 0);
            assertTrue(end >= 0 && end <= 4096);
        } catch (StreamFormatException.Corrupt e) {
            assertArrayEquals(before, page, "a failed decode leaves the page untouched");
        }
    }

    /** Short encodings made of small counts, so that many are valid. */
    @Property(tries = 2000)
    void smallRandomRunsOnlyThrowCorrupt(@ForAll("smallRuns") byte[] src) {
        byte[] page = new byte[4096];
        try {
            Xbzrle.decode(src, 0, src.length, page, 0, 0);
        } catch (StreamFormatException.Corrupt e) {
            // fine
        }
    }

    @Provide
    Arbitrary<byte[]> pages() {
        return Arbitraries.bytes().array(byte[].class).ofSize(4096);
    }

    @Provide
    Arbitrary<byte[]> smallRuns() {
        return Arbitraries.bytes().between((byte) 0, (byte) 6).array(byte[].class).ofMaxSize(40);
    }

    /** Arbitrary bytes after a START only ever fail as StreamFormatException. */
    @Property(tries = 2000)
    void randomRecordsOnlyThrowStreamFormatException(@ForAll("recordish") byte[] payload) throws Exception {
        RamChannelState s = new RamChannelState();
        RamSectionCodec codec = new RamSectionCodec(Limits.DEFAULT, PageSink.NONE, true);
        codec.read(WireReader.of(RamFixtures.start().build()), s);
        try {
            codec.read(WireReader.of(payload), s);
        } catch (StreamFormatException e) {
            // the only allowed failure
        }
    }

    /** Headers with plausible flags and offsets, followed by random bytes. */
    @Provide
    Arbitrary<byte[]> recordish() {
        Arbitrary<Integer> flags = Arbitraries.of(0x02, 0x22, 0x08, 0x28, 0x40, 0x60, 0x100, 0x120, 0x10, 0x200,
                0x04, 0x80, 0x03, 0x30);
        Arbitrary<Long> offsets = Arbitraries.longs().between(0, 0x40).map(p -> p << 12);
        Arbitrary<byte[]> rest = Arbitraries.bytes().array(byte[].class).ofMaxSize(64);
        Arbitrary<byte[]> one = Combinators.combine(flags, offsets, rest).as((f, o, r) -> {
            byte[] b = new byte[8 + r.length];
            long v = o | f;
            for (int i = 0; i < 8; i++) {
                b[i] = (byte) (v >>> (56 - 8 * i));
            }
            System.arraycopy(r, 0, b, 8, r.length);
            return b;
        });
        return one.list().ofMaxSize(4).map(l -> RamSectionCodecTest.concat(l.toArray(new byte[0][])));
    }
}
