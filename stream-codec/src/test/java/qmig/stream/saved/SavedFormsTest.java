package qmig.stream.saved;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import qmig.stream.wire.Limits;
import qmig.testdata.Captures;

/**
 * Every saved form, made with Debian's own compressors from a real capture, opens by content
 * and decodes to a stream that re-encodes to the capture's exact bytes.
 */
class SavedFormsTest {

    static byte[] capture;

    @TempDir
    Path dir;

    @BeforeAll
    static void load() {
        capture = Captures.Q35_VIOMMU.bytes();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = SavedForm.class, names = {"RAW", "GZIP", "BZIP2", "XZ", "LZOP", "ZSTD", "LZ4"})
    void everyCompressorPlain(SavedForm form) throws Exception {
        Path f = SavedFiles.write(dir, "vm.mig", SavedFiles.compress(form, capture));
        assertEquals(form == SavedForm.RAW ? List.of(SavedForm.RAW) : List.of(form, SavedForm.RAW), SavedFiles.kinds(f));
        assertArrayEquals(capture, SavedFiles.reencode(f));
        try (SavedStream s = SavedStream.open(f, Limits.DEFAULT)) {
            assertEquals(form == SavedForm.RAW, s.isPlainRange());
            assertArrayEquals(capture, s.stream().readAllBytes());
        }
    }

    @ParameterizedTest(name = "{0} big-endian={1} version={2}")
    @CsvSource({"RAW,false,2", "RAW,true,2", "GZIP,false,2", "GZIP,true,2", "BZIP2,false,2", "BZIP2,true,2",
        "XZ,false,2", "XZ,true,2", "LZOP,false,2", "LZOP,true,2", "ZSTD,false,2", "ZSTD,true,2", "RAW,false,1"})
    void libvirtImages(SavedForm form, boolean big, int version) throws Exception {
        byte[] image = SavedFiles.libvirtImage(true, big, version, SavedFiles.libvirtFormat(form),
                SavedFiles.compress(form, capture));
        Path f = SavedFiles.write(dir, "dom.save", image);
        assertArrayEquals(capture, SavedFiles.reencode(f));
        try (SavedStream s = SavedStream.open(f, Limits.DEFAULT)) {
            Layer outer = s.layers().get(0);
            assertEquals(SavedForm.LIBVIRT, outer.kind());
            LibvirtHeader h = outer.libvirt();
            assertEquals(big, h.bigEndian());
            assertEquals(version, h.version());
            assertTrue(h.complete());
            assertTrue(h.wasRunning());
            assertEquals(SavedFiles.DOMAIN_XML, h.domainXml());
            assertEquals(SavedFiles.COOKIE_XML, h.cookieXml());
            long streamAt = 92 + SavedFiles.DOMAIN_XML.length() + SavedFiles.COOKIE_XML.length() + 2 + 65536;
            assertEquals(streamAt, h.streamOffset());
            assertEquals(form == SavedForm.RAW, s.isPlainRange());
            if (form == SavedForm.RAW) {
                assertEquals(streamAt, s.fileOffset());
            } else {
                assertEquals(form, s.layers().get(1).kind());
                assertEquals(streamAt, s.layers().get(1).offset());
            }
            assertTrue(s.warnings().isEmpty(), s.warnings().toString());
            assertTrue(s.describe().startsWith("libvirt save image v" + version), s.describe());
        }
    }

    @Test
    void incompleteLibvirtImageIsReadButFlagged() throws Exception {
        Path f = SavedFiles.write(dir, "part.save", SavedFiles.libvirtImage(false, false, 2, 3,
                SavedFiles.compress(SavedForm.XZ, capture)));
        assertArrayEquals(capture, SavedFiles.reencode(f));
        try (SavedStream s = SavedStream.open(f, Limits.DEFAULT)) {
            assertFalse(s.layers().get(0).libvirt().complete());
            assertTrue(s.layers().get(0).summary().contains("INCOMPLETE"));
            assertEquals(1, s.warnings().size());
            assertTrue(s.warnings().get(0).contains("LibvirtQemudPart"), s.warnings().get(0));
        }
    }

    @Test
    void versionOneImageIsNotDecompressedWhateverItsFormatSays() throws Exception {
        // libvirt never decompresses a version-1 image; a raw stream under "format xz" still reads, with a warning
        Path f = SavedFiles.write(dir, "v1.save", SavedFiles.libvirtImage(true, false, 1, 3, capture));
        assertArrayEquals(capture, SavedFiles.reencode(f));
        try (SavedStream s = SavedStream.open(f, Limits.DEFAULT)) {
            assertTrue(s.isPlainRange());
            assertTrue(s.warnings().isEmpty(), s.warnings().toString());
        }
        Path g = SavedFiles.write(dir, "mismatch.save", SavedFiles.libvirtImage(true, false, 2, 5, capture));
        try (SavedStream s = SavedStream.open(g, Limits.DEFAULT)) {
            assertEquals(1, s.warnings().size());
            assertTrue(s.warnings().get(0).contains("format zstd"), s.warnings().get(0));
        }
    }

    @Test
    void gzipWithTwoConcatenatedMembers() throws Exception {
        int cut = capture.length / 3;
        byte[] a = SavedFiles.compress(SavedForm.GZIP, java.util.Arrays.copyOfRange(capture, 0, cut));
        byte[] b = SavedFiles.compress(SavedForm.GZIP, java.util.Arrays.copyOfRange(capture, cut, capture.length));
        Path f = SavedFiles.write(dir, "two.gz", SavedFiles.concat(a, b));
        assertArrayEquals(capture, SavedFiles.reencode(f));
    }

    @Test
    void zstdWithASkippableFrameFirst() throws Exception {
        byte[] skippable = {0x5a, 0x2a, 0x4d, 0x18, 5, 0, 0, 0, 'h', 'e', 'l', 'l', 'o'};
        Path f = SavedFiles.write(dir, "skip.zst", SavedFiles.concat(skippable,
                SavedFiles.compress(SavedForm.ZSTD, capture)));
        assertArrayEquals(capture, SavedFiles.reencode(f));
        try (SavedStream s = SavedStream.open(f, Limits.DEFAULT)) {
            assertEquals(SavedForm.ZSTD, s.layers().get(0).kind());
            assertEquals(13, s.layers().get(0).offset());
            assertTrue(s.layers().get(0).summary().contains("13 bytes of skippable frames"), s.layers().get(0).summary());
        }
    }

    @Test
    void nestedCompressionIsDetectedAgain() throws Exception {
        byte[] inner = SavedFiles.compress(SavedForm.ZSTD, capture);
        Path f = SavedFiles.write(dir, "nested.xz", SavedFiles.compress(SavedForm.XZ, inner));
        assertEquals(List.of(SavedForm.XZ, SavedForm.ZSTD, SavedForm.RAW), SavedFiles.kinds(f));
        assertArrayEquals(capture, SavedFiles.reencode(f));
    }

    @Test
    void streamEmbeddedAfterGarbage() throws Exception {
        byte[] garbage = new byte[12345];
        new Random(7).nextBytes(garbage);
        garbage[100] = 0x51; // a lone 'Q' is no header
        Path f = SavedFiles.write(dir, "embedded.bin", SavedFiles.concat(garbage, capture));
        assertArrayEquals(capture, SavedFiles.reencode(f));
        try (SavedStream s = SavedStream.open(f, Limits.DEFAULT)) {
            assertEquals(SavedForm.EMBEDDED, s.layers().get(0).kind());
            assertEquals(12345, s.layers().get(0).offset());
            assertEquals(12345, s.fileOffset());
            assertTrue(s.describe().contains("offset 12345"), s.describe());
        }
    }

    @Test
    void bytesAfterTheTrailerAreIgnored() throws Exception {
        byte[] tail = new byte[1000];
        new Random(3).nextBytes(tail);
        Path f = SavedFiles.write(dir, "tail.bin", SavedFiles.concat(new byte[] {1, 2, 3}, capture, tail));
        assertArrayEquals(capture, SavedFiles.reencode(f));
    }

    @ParameterizedTest(name = "lzop {0}")
    @ValueSource(strings = {"-1", "-3", "-7", "-9"})
    void lzopEveryLevelAgainstDebiansBinary(String level) throws Exception {
        // LZO1X-999 (-7..-9) uses instructions the fast compressor never emits; mixed content exercises them all
        byte[] mixed = new byte[3 << 20];
        Random r = new Random(11);
        for (int i = 0; i < mixed.length; ) {
            int run = 1 + r.nextInt(5000);
            int kind = r.nextInt(4);
            for (int j = 0; j < run && i < mixed.length; j++, i++) {
                mixed[i] = (byte) (kind == 0 ? 0 : kind == 1 ? r.nextInt() : kind == 2 ? "qemu migration "
                        .charAt(j % 15) : mixed[Math.max(0, i - 1 - r.nextInt(Math.min(i, 40000) + 1))]);
            }
        }
        for (byte[] data : new byte[][] {capture, mixed}) {
            byte[] z = SavedFiles.run(data, "lzop", level, "-c");
            Path f = SavedFiles.write(dir, "l.lzo", z);
            try (SavedStream s = SavedStream.openData(f, Limits.DEFAULT)) {
                assertArrayEquals(data, s.stream().readAllBytes());
            }
        }
    }

    @Test
    void everyPrefixOfALibvirtHeaderIsTruncated() throws Exception {
        byte[] img = SavedFiles.libvirtImage(true, false, 2, 0, capture);
        for (int n = 16; n < 92 + 200; n += 7) {
            Path f = SavedFiles.write(dir, "p.save", java.util.Arrays.copyOf(img, n));
            org.junit.jupiter.api.Assertions.assertThrows(qmig.stream.wire.StreamFormatException.Truncated.class,
                    () -> SavedFiles.reencode(f), "prefix " + n);
        }
    }

    @Test
    void detectionIsAPureFunctionOfTheFirstBytes() {
        assertEquals(SavedForm.RAW, SavedForm.detect(new byte[] {0x51, 0x45, 0x56, 0x4d, 0, 0, 0, 3}, 8));
        assertEquals(SavedForm.BZIP2, SavedForm.detect("BZh9".getBytes(), 4));
        assertNull(SavedForm.detect("BZh0".getBytes(), 4));
        assertEquals(SavedForm.ZSTD, SavedForm.detect(new byte[] {0x50, 0x2a, 0x4d, 0x18}, 4));
        assertEquals(SavedForm.LIBVIRT, SavedForm.detect("LibvirtQemudPart".getBytes(), 16));
        assertNull(SavedForm.detect("LibvirtQemudXxxx".getBytes(), 16));
        assertEquals(SavedForm.QCOW2, SavedForm.detect(new byte[] {'Q', 'F', 'I', (byte) 0xfb}, 4));
        assertNull(SavedForm.detect(new byte[0], 0));
    }
}
