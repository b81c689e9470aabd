package qmig.stream.grammar;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.util.Arrays;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import qmig.stream.wire.StreamFormatException;
import qmig.testdata.Capture;
import qmig.testdata.Captures;

/**
 * Prefixes of real captures: every cut throws {@link StreamFormatException.Truncated}, except a
 * cut right after QEMU_VM_EOF, which is a complete stream without trailer (QEMU accepts it).
 *
 * <p>Which prefixes (a decode of a small capture takes milliseconds, so not all of them): every
 * length in the first KiB (header, configuration, the ram START section, the first page
 * records), every record boundary with its two neighbours on each side, the payload start and
 * footer of every section, the EOF byte and the trailer's header, and a seeded sample spread over
 * the whole stream. The two booted-Linux captures (60 MB) get the record boundaries only.
 */
class PrefixTest {

    static Stream<Capture> captures() {
        return Captures.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("captures")
    void everyPrefixIsTruncatedOrCompleteWithoutTrailer(Capture c) throws Exception {
        byte[] bytes = c.bytes();
        Sidecar side = Sidecar.of(c);
        boolean large = bytes.length > 16 << 20;
        TreeSet<Integer> cuts = new TreeSet<>();
        long firstFull = side.sections().stream().filter(s -> s.kind().equals("FULL"))
                .mapToLong(Sidecar.Section::offset).min().orElseThrow();
        for (Sidecar.Section s : side.sections()) {
            if (large && s.offset() < firstFull) {
                continue;
            }
            for (long at : new long[] {s.offset(), s.payload(), s.payload() + s.len(), s.payload() + s.len() + 5}) {
                for (long d = -2; d <= 2; d++) {
                    if (at + d >= 0 && at + d < bytes.length) {
                        cuts.add((int) (at + d));
                    }
                }
            }
        }
        for (long at : new long[] {side.eofOffset(), side.eofOffset() + 1}) {
            for (long d = 0; d <= 6; d++) {
                cuts.add((int) Math.min(bytes.length - 1, at + d));
            }
        }
        cuts.add(bytes.length - 1);
        if (!large) {
            for (int i = 0; i <= 1024; i++) {
                cuts.add(i);
            }
            java.util.Random rnd = new java.util.Random(bytes.length);
            for (int i = 0; i < 300; i++) {
                cuts.add(rnd.nextInt(bytes.length));
                cuts.add((int) (firstFull + rnd.nextInt((int) (bytes.length - firstFull))));
            }
        }
        int eofCut = (int) side.eofOffset() + 1;
        for (int cut : cuts) {
            checkPrefix(c, Arrays.copyOf(bytes, cut), cut == eofCut);
        }
        assertTrue(cuts.size() > (large ? 100 : 1000), "prefixes checked: " + cuts.size());
    }

    private static void checkPrefix(Capture c, byte[] prefix, boolean completeWithoutTrailer) throws Exception {
        try {
            MigrationStream s = MigrationStream.read(new ByteArrayInputStream(prefix), ReaderOptions.defaults());
            if (!completeWithoutTrailer) {
                fail(c + " cut at " + prefix.length + " decoded without error");
            }
            assertTrue(s.complete());
            assertNull(s.trailer());
            assertArrayEquals(prefix, s.toBytes());
        } catch (StreamFormatException.Truncated e) {
            if (completeWithoutTrailer) {
                throw new AssertionError(c + " cut right after EOF must decode", e);
            }
            assertTrue(e.offset() >= 0 && e.offset() <= prefix.length,
                    c + " cut at " + prefix.length + ": offset " + e.offset() + " outside the input");
        } catch (StreamFormatException e) {
            throw new AssertionError(c + " cut at " + prefix.length + ": expected Truncated, got " + e, e);
        } catch (RuntimeException e) {
            throw new AssertionError(c + " cut at " + prefix.length + ": not a StreamFormatException", e);
        }
    }
}
