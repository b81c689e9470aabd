package qmig.stream.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import qmig.stream.grammar.MigrationStream;
import qmig.stream.grammar.ReaderOptions;
import qmig.stream.saved.Layer;
import qmig.stream.saved.SavedForm;
import qmig.stream.saved.SavedStream;
import qmig.stream.wire.Limits;
import qmig.stream.wire.StreamFormatException;
import qmig.stream.wire.Where;

/**
 * The saved-form wrappers of {@code qmig.stream.saved} over arbitrary files: the libvirt save
 * image, qcow2 internal snapshots, lzop (container and LZO1X), and detection with the search
 * for an embedded stream. {@link SavedStream} works on files, so each input is written to one
 * file in a temporary directory made once per JVM.
 *
 * <p>Each input is opened twice: once to drain the stream's bytes (at most {@link #CAP}), once
 * to decode it with {@link MigrationStream#readAll}. Either must end or throw a
 * {@link StreamFormatException} whose {@code fileOffset} lies in the file (or is -1, for an error
 * of the stream grammar inside) and whose stream offset lies within the stream bytes produced
 * so far plus a buffer and a block. The limits are tiny: 64 KiB of wrapper tables (qcow2 L1 and
 * snapshot tables, libvirt data area, lzop blocks) and 1 MiB decompressed, so that a declared
 * size past them is reached in a few bytes of input. Seeds: {@link SavedSeeds}.
 */
@org.junit.jupiter.api.Tag("fuzz")
class SavedFormFuzzTest {

    static final Limits LIMITS = FuzzSupport.TINY.withMaxWrapperTableBytes(64 << 10).withMaxDecompressedBytes(1 << 20);

    /** Stream bytes drained per input: a qcow2 VM state of unallocated clusters reads as zeros for its whole declared size. */
    static final long CAP = 4L << 20;

    /** What the stream offset of an error may run ahead of the bytes drained: a BufferedInputStream and an lzop block. */
    static final long AHEAD = (1 << 16) * 2 + LIMITS.maxWrapperTableBytes();

    private static Path file;

    @FunctionalInterface
    interface Open {
        SavedStream open(Path f) throws IOException;
    }

    private static final Open OPEN = f -> SavedStream.open(f, LIMITS);

    @FuzzTest
    void libvirt(byte[] data) {
        check(data, OPEN);
    }

    /** The image, read for its default snapshot, and for snapshot "2" by id (the seeds' one with VM state). */
    @FuzzTest
    void qcow2(byte[] data) {
        check(data, OPEN);
        check(data, f -> SavedStream.open(f, LIMITS, "2"));
    }

    @FuzzTest
    void lzop(byte[] data) {
        check(data, OPEN);
        check(data, f -> SavedStream.openData(f, LIMITS));
    }

    @FuzzTest
    void detect(byte[] data) {
        SavedForm.detect(data, Math.min(data.length, SavedForm.PEEK));
        check(data, OPEN);
        check(data, f -> SavedStream.openData(f, LIMITS));
    }

    /** The crafted qcow2 seeds are real images: each reads back the stream cut it was built from. */
    @Test
    void craftedQcow2ReadsBack() throws Exception {
        byte[] s = SavedSeeds.stream();
        for (int[] v : new int[][] {{3, 0, 0}, {2, 0, 0}, {3, 0, 1}, {3, 1, 0}}) {
            Path f = write(SavedSeeds.qcow2(v[0], v[1] == 1, v[2], s));
            try (SavedStream ss = SavedStream.open(f, Limits.DEFAULT)) {
                assertEquals(List.of(SavedForm.QCOW2, SavedForm.RAW), ss.layers().stream().map(Layer::kind).toList());
                assertArrayEquals(s, ss.stream().readAllBytes(), "qcow2 v" + v[0] + " ext " + v[1] + " compression " + v[2]);
            }
        }
    }

    /** The libvirt seeds in both byte orders read back the stream after the XML and cookie. */
    @Test
    void libvirtSeedsReadBack() throws Exception {
        byte[] s = SavedSeeds.stream();
        for (boolean big : new boolean[] {false, true}) {
            Path f = write(SavedSeeds.libvirt(true, big, 2, 0, true, s));
            try (SavedStream ss = SavedStream.open(f, Limits.DEFAULT)) {
                assertEquals(SavedSeeds.XML, ss.layers().get(0).libvirt().domainXml());
                assertEquals(SavedSeeds.COOKIE, ss.layers().get(0).libvirt().cookieXml());
                assertEquals(big, ss.layers().get(0).libvirt().bigEndian());
                assertArrayEquals(s, ss.stream().readAllBytes());
            }
        }
    }

    /** Rewrites the committed seeds (FUZZING.md gives the command). */
    @Test
    @EnabledIfSystemProperty(named = "qmig.fuzz.writeSavedSeeds", matches = ".+")
    void writeSeeds() throws Exception {
        SavedSeeds.main(new String[] {System.getProperty("qmig.fuzz.writeSavedSeeds")});
    }

    // ---- the property -------------------------------------------------------------------

    static void check(byte[] data, Open open) {
        Path f = write(data);
        long[] drained = {0};
        place(data.length, drained, () -> {
            try (SavedStream s = open.open(f)) {
                layers(s, data.length);
                InputStream in = s.stream();
                byte[] buf = new byte[1 << 16];
                int n;
                while (drained[0] < CAP && (n = in.read(buf)) >= 0) {
                    drained[0] += n;
                }
                boolean compressed = s.layers().stream().anyMatch(l -> l.kind().isCompression());
                if (compressed && drained[0] > LIMITS.maxDecompressedBytes()) {
                    throw new AssertionError("drained " + drained[0] + " decompressed bytes, past the limit");
                }
                if (s.isPlainRange() && drained[0] != data.length - s.fileOffset()) {
                    throw new AssertionError("a plain range at " + s.fileOffset() + " gave " + drained[0] + " bytes");
                }
            }
        });
        long[] decoded = {CAP};
        place(data.length, decoded, () -> {
            try (SavedStream s = open.open(f)) {
                MigrationStream.readAll(s.reader(ReaderOptions.defaults().withLimits(LIMITS)));
            }
        });
    }

    private static void layers(SavedStream s, long length) {
        for (Layer l : s.layers()) {
            if (l.kind() != SavedForm.RAW && l == s.layers().get(0) && (l.offset() < 0 || l.offset() > length)) {
                throw new AssertionError("outer layer " + l + " outside the file of " + length + " bytes");
            }
        }
        if (s.isPlainRange() && (s.fileOffset() < 0 || s.fileOffset() > length)) {
            throw new AssertionError("stream at file offset " + s.fileOffset() + " outside the file of " + length + " bytes");
        }
    }

    /** Runs {@code d}; a typed error must say a place inside the file and near the stream bytes produced. */
    private static void place(long length, long[] produced, FuzzSupport.Decode d) {
        try {
            d.run();
        } catch (StreamFormatException e) {
            Where w = e.where();
            if (w.fileOffset() < -1 || w.fileOffset() > length) {
                throw new AssertionError("file offset " + w.fileOffset() + " outside the file of " + length + " bytes: " + e, e);
            }
            if (w.offset() < -1 || w.offset() > Math.max(length, produced[0]) + AHEAD) {
                throw new AssertionError("stream offset " + w.offset() + " past the " + produced[0] + " bytes produced: " + e, e);
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new AssertionError("not a StreamFormatException: " + e, e);
        }
    }

    private static Path write(byte[] data) {
        try {
            if (file == null) {
                Path dir = Files.createTempDirectory("qmig-savedfuzz");
                dir.toFile().deleteOnExit();
                file = dir.resolve("input");
                file.toFile().deleteOnExit();
            }
            Files.write(file, data);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
