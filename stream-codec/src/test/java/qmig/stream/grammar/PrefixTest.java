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
 * <p>Which prefixes: every length in the first 8 KiB and in the whole device-state and trailer
 * part of the stream (from the first FULL section to the end), plus every record boundary
 * and its neighbours, plus evenly spaced cuts through the RAM part.
 */
class PrefixTest {

    static Stream<Capture> captures() {
        return Captures.small().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("captures")
    void everyPrefixIsTruncatedOrCompleteWithoutTrailer(Capture c) throws Exception {
        byte[] bytes = c.bytes();
        Sidecar side = Sidecar.of(c);
        long firstFull = side.sections().stream().filter(s -> s.kind().equals("FULL"))
                .mapToLong(Sidecar.Section::offset).min().orElseThrow();
        TreeSet<Integer> cuts = new TreeSet<>();
        for (int i = 0; i <= Math.min(8192, bytes.length - 1); i++) {
            cuts.add(i);
        }
        for (long i = firstFull; i < bytes.length; i++) {
            cuts.add((int) i);
        }
        for (Sidecar.Section s : side.sections()) {
            for (long d = -2; d <= 2; d++) {
                for (long at : new long[] {s.offset(), s.payload(), s.payload() + s.len()}) {
                    if (at + d >= 0 && at + d < bytes.length) {
                        cuts.add((int) (at + d));
                    }
                }
            }
        }
        for (int i = 0; i < bytes.length; i += 997) {
            cuts.add(i);
        }
        int eofCut = (int) side.eofOffset() + 1;
        int checked = 0;
        for (int cut : cuts) {
            byte[] prefix = Arrays.copyOf(bytes, cut);
            checkPrefix(c, prefix, cut == eofCut);
            checked++;
        }
        assertTrue(checked > 1000, "prefixes checked: " + checked);
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
