package qmig.stream.saved;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import qmig.stream.grammar.MigrationStream;
import qmig.stream.grammar.ReaderOptions;
import qmig.stream.wire.Limits;
import qmig.stream.wire.StreamFormatException;
import qmig.testdata.Captures;
import qmig.testdata.QemuDestination;
import qmig.testdata.RepoPaths;

/**
 * Corrupt wrappers give typed errors that carry both the stream offset and the offset in the
 * file: libvirt headers, qcow2 tables, compressed data that ends early, and decompression bombs.
 */
class SavedFormsBadInputTest {

    static byte[] capture;
    static byte[] qcow2;

    @TempDir
    static Path shared;

    @TempDir
    Path dir;

    @BeforeAll
    static void load() throws Exception {
        capture = Captures.Q35_VIOMMU.bytes();
        QemuDestination.requireQemu();
        Path img = shared.resolve("bad.qcow2");
        Process p = new ProcessBuilder("bash", RepoPaths.script("make-qcow2-snapshots.sh").toString(), img.toString())
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, "make-qcow2-snapshots.sh failed");
        qcow2 = Files.readAllBytes(img);
    }

    static <T extends StreamFormatException> T fails(Class<T> kind, Path f, String snapshot) {
        return assertThrows(kind, () -> SavedFiles.reencode(f, snapshot));
    }

    // ---- libvirt -------------------------------------------------------------------------

    @Test
    void libvirtDataLenPastTheEndOfTheFile() throws Exception {
        byte[] img = SavedFiles.libvirtImage(true, false, 2, 0, capture);
        ByteBuffer.wrap(img).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(20, img.length);
        var e = fails(StreamFormatException.Truncated.class, SavedFiles.write(dir, "len.save", img), null);
        assertEquals(20, e.where().fileOffset());
        assertEquals(0, e.offset());
        assertTrue(e.getMessage().contains("past the end of the file (" + img.length + " bytes)"), e.getMessage());
    }

    @Test
    void libvirtSparseFormatIsUnsupported() throws Exception {
        Path f = SavedFiles.write(dir, "sparse.save", SavedFiles.libvirtImage(true, false, 2, 6, capture));
        var e = fails(StreamFormatException.UnsupportedVersion.class, f, null);
        assertEquals(28, e.where().fileOffset());
        assertTrue(e.getMessage().contains("format 6 (sparse"), e.getMessage());
    }

    @Test
    void libvirtVersionNeitherOneNorTwoInEitherOrder() throws Exception {
        byte[] img = SavedFiles.libvirtImage(true, false, 3, 0, capture);
        var e = fails(StreamFormatException.UnsupportedVersion.class, SavedFiles.write(dir, "v3.save", img), null);
        assertEquals(16, e.where().fileOffset());
    }

    @Test
    void libvirtHeaderCutShort() throws Exception {
        byte[] img = Arrays.copyOf(SavedFiles.libvirtImage(true, false, 2, 0, capture), 50);
        var e = fails(StreamFormatException.Truncated.class, SavedFiles.write(dir, "short.save", img), null);
        assertEquals(50, e.where().fileOffset());
    }

    // ---- compressed data that ends early ------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = SavedForm.class, names = {"GZIP", "BZIP2", "XZ", "LZOP", "ZSTD", "LZ4"})
    void compressedDataThatEndsEarly(SavedForm form) throws Exception {
        byte[] whole = SavedFiles.compress(form, capture);
        Path f = SavedFiles.write(dir, "cut", Arrays.copyOf(whole, whole.length * 9 / 10));
        var e = fails(StreamFormatException.Truncated.class, f, null);
        // bzip2 and lzop blocks are larger than this capture, so nothing comes out before the end is seen
        assertTrue(e.offset() >= 0 && e.offset() < capture.length, e.getMessage());
        if (e.where().fileOffset() >= 0) {
            // where the decompressor noticed: inside or at the end of the compressed bytes
            assertTrue(e.where().fileOffset() <= whole.length * 9 / 10, e.getMessage());
        }
        // the decompressor itself reports the end for these; the others just stop and the stream reader says so
        if (form == SavedForm.GZIP || form == SavedForm.XZ || form == SavedForm.LZOP || form == SavedForm.BZIP2) {
            assertTrue(e.where().fileOffset() > 0, e.getMessage());
        }
    }

    @Test
    void lzopBlockChecksumMismatch() throws Exception {
        byte[] z = SavedFiles.compress(SavedForm.LZOP, capture);
        z[z.length / 2] ^= 0x10;
        var e = fails(StreamFormatException.Corrupt.class, SavedFiles.write(dir, "bad.lzo", z), null);
        assertTrue(e.where().fileOffset() > 0, e.getMessage());
        assertTrue(e.getMessage().contains("lzop"), e.getMessage());
    }

    // ---- decompression bombs -------------------------------------------------------------

    @Test
    @Timeout(60)
    void bombStopsAtTheDecompressedLimit() throws Exception {
        // 256 MiB of zeros in ~260 KB of gzip, behind a valid stream header
        byte[] head = Arrays.copyOf(capture, 8);
        Path plain = dir.resolve("bomb.raw");
        try (var o = Files.newOutputStream(plain)) {
            o.write(head);
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 256; i++) {
                o.write(zeros);
            }
        }
        Path bomb = dir.resolve("bomb.gz");
        Process p = new ProcessBuilder("gzip", "-c", plain.toString()).redirectOutput(bomb.toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0);
        Files.delete(plain);
        long limit = 4 << 20;
        long[] seen = {0};
        var e = assertThrows(StreamFormatException.LimitExceeded.class, () -> {
            try (SavedStream s = SavedStream.open(bomb, Limits.DEFAULT.withMaxDecompressedBytes(limit));
                 InputStream in = s.stream()) {
                byte[] buf = new byte[65536];
                for (int n; (n = in.read(buf)) > 0; ) {
                    seen[0] += n;
                }
            }
        });
        assertEquals(limit, seen[0], "bytes handed out before the limit stopped the bomb");
        assertEquals(limit, e.offset());
        assertTrue(e.where().fileOffset() > 0 && e.where().fileOffset() < Files.size(bomb), e.getMessage());
        assertTrue(e.getMessage().contains("Limits.maxDecompressedBytes"), e.getMessage());
        // through the stream reader the same error arrives (zeros are no section)
        assertThrows(StreamFormatException.class, () -> {
            try (SavedStream s = SavedStream.open(bomb, Limits.DEFAULT.withMaxDecompressedBytes(limit))) {
                MigrationStream.readAll(s.reader(ReaderOptions.defaults()));
            }
        });
    }

    // ---- qcow2 ---------------------------------------------------------------------------

    static long be64(byte[] b, int at) {
        return ByteBuffer.wrap(b).getLong(at);
    }

    static int be32(byte[] b, int at) {
        return ByteBuffer.wrap(b).getInt(at);
    }

    /** File offset of the first snapshot entry (vm1). */
    static int firstEntry() {
        return (int) be64(qcow2, 64);
    }

    Path qcow2With(String name, int at, long value, boolean eight) throws IOException {
        byte[] b = qcow2.clone();
        if (eight) {
            ByteBuffer.wrap(b).putLong(at, value);
        } else {
            ByteBuffer.wrap(b).putInt(at, (int) value);
        }
        return SavedFiles.write(dir, name, b);
    }

    @Test
    void snapshotTableOutsideTheFileOrMisaligned() throws Exception {
        var e = fails(StreamFormatException.Corrupt.class, qcow2With("t1.qcow2", 64, 1L << 40, true), null);
        assertEquals(64, e.where().fileOffset());
        assertTrue(e.getMessage().contains("outside the file"), e.getMessage());
        e = fails(StreamFormatException.Corrupt.class, qcow2With("t2.qcow2", 64, be64(qcow2, 64) + 3, true), null);
        assertEquals(64, e.where().fileOffset());
        assertTrue(e.getMessage().contains("not aligned"), e.getMessage());
    }

    @Test
    void l1TableOutsideTheFileOrMisaligned() throws Exception {
        int entry = firstEntry();
        var e = fails(StreamFormatException.Corrupt.class, qcow2With("l1a.qcow2", entry, 1L << 40, true), "vm1");
        assertEquals(entry, e.where().fileOffset());
        e = fails(StreamFormatException.Corrupt.class, qcow2With("l1b.qcow2", entry, be64(qcow2, entry) + 512, true), "vm1");
        assertEquals(entry, e.where().fileOffset());
        assertTrue(e.getMessage().contains("not aligned to 65536"), e.getMessage());
    }

    @Test
    void absurdL1SizeIsRefusedBeforeAllocating() throws Exception {
        int entry = firstEntry();
        var e = fails(StreamFormatException.LimitExceeded.class, qcow2With("l1s.qcow2", entry + 8, 0xfffffff0L, false), "vm1");
        assertEquals(entry + 8, e.where().fileOffset());
        assertTrue(e.getMessage().contains("Limits.maxWrapperTableBytes"), e.getMessage());
    }

    @Test
    void l2TableOutsideTheFileNamesStreamAndFileOffsets() throws Exception {
        int entry = firstEntry();
        long l1 = be64(qcow2, entry);
        // the VM state of a 64 MiB disk starts at L1 index 1 (512 MiB per L1 entry with 64 KiB clusters)
        long l1Entry = l1 + 8;
        long orig = be64(qcow2, (int) l1Entry);
        assertTrue((orig & 0x00fffffffffffe00L) != 0, "vm1's L1[1] maps its VM state");
        var e = fails(StreamFormatException.Corrupt.class, qcow2With("l2.qcow2", (int) l1Entry,
                (orig & 0x8000000000000000L) | (1L << 40), true), "vm1");
        assertEquals(l1Entry, e.where().fileOffset());
        assertEquals(0, e.offset());
        e = fails(StreamFormatException.Corrupt.class, qcow2With("l2b.qcow2", (int) l1Entry, orig + 0x200, true), "vm1");
        assertTrue(e.getMessage().contains("not aligned"), e.getMessage());
    }

    /**
     * vm1's first VM-state cluster stored compressed (raw deflate, as qcow2 compression type 0)
     * at the end of the file, its L2 entry turned into a compressed-cluster descriptor.
     * QEMU never compresses VM state, but the format allows it.
     */
    static byte[] withCompressedFirstCluster(boolean cutShort) {
        int entry = firstEntry();
        long l1 = be64(qcow2, entry);
        long l2 = be64(qcow2, (int) (l1 + 8)) & 0x00fffffffffffe00L;
        long host = be64(qcow2, (int) l2) & 0x00fffffffffffe00L;
        java.util.zip.Deflater d = new java.util.zip.Deflater(9, true);
        d.setInput(qcow2, (int) host, 65536);
        d.finish();
        byte[] comp = new byte[70000];
        int n = d.deflate(comp);
        d.end();
        int at = (qcow2.length + 511) & ~511;
        int sectors = (n + 511) / 512;
        byte[] out = Arrays.copyOf(qcow2, cutShort ? at + n / 2 : at + sectors * 512);
        System.arraycopy(comp, 0, out, at, cutShort ? n / 2 : n);
        ByteBuffer.wrap(out).putLong((int) l2, (1L << 62) | ((long) (sectors - 1) << 54) | at);
        return out;
    }

    @Test
    void compressedClusterIsInflated() throws Exception {
        Path f = SavedFiles.write(dir, "comp.qcow2", withCompressedFirstCluster(false));
        try (SavedStream s = SavedStream.open(f, Limits.DEFAULT, "vm1")) {
            assertEquals(-1, Arrays.mismatch(Files.readAllBytes(shared.resolve("bad.qcow2.vm1.mig")),
                    s.stream().readAllBytes()));
        }
    }

    @Test
    void compressedClusterCutShortIsTruncatedWithBothOffsets() throws Exception {
        Path f = SavedFiles.write(dir, "compcut.qcow2", withCompressedFirstCluster(true));
        var e = fails(StreamFormatException.Truncated.class, f, "vm1");
        assertTrue(e.offset() >= 0 && e.offset() < 65536, e.getMessage());
        assertEquals(Files.size(f), e.where().fileOffset(), e.getMessage());
    }

    @Test
    void truncatedQcow2DataClusterIsTruncatedWithBothOffsets() throws Exception {
        byte[] cut = Arrays.copyOf(qcow2, qcow2.length - 70000);
        Path f = SavedFiles.write(dir, "cut.qcow2", cut);
        var e = assertThrows(StreamFormatException.class, () -> SavedFiles.reencode(f, "vm2"));
        assertTrue(e instanceof StreamFormatException.Truncated || e instanceof StreamFormatException.Corrupt, e.toString());
        assertTrue(e.where().fileOffset() > 0, e.getMessage());
    }

    @Test
    void unknownContentIsCorruptAtOffsetZero() throws Exception {
        Path f = SavedFiles.write(dir, "junk.bin", "just some text, no stream in here\n".getBytes());
        var e = fails(StreamFormatException.Corrupt.class, f, null);
        assertEquals(0, e.where().fileOffset());
        assertTrue(e.getMessage().contains("6a 75 73 74"), e.getMessage());
    }
}
