package qmig.stream.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The same reads over every input shape: array, buffer, stream, one byte at a time, channel, file, mapping. */
class WireReaderTest {

    @TempDir
    Path dir;

    interface Shape {
        WireReader open(byte[] b) throws IOException;
    }

    /** An InputStream that hands out one byte per read call. */
    static final class OneByteAtATime extends InputStream {
        private final InputStream in;

        OneByteAtATime(byte[] b) {
            this.in = new ByteArrayInputStream(b);
        }

        @Override
        public int read() {
            try {
                return in.read();
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            int c = read();
            if (c < 0) {
                return -1;
            }
            b[off] = (byte) c;
            return 1;
        }
    }

    List<Shape> shapes() {
        List<Shape> s = new ArrayList<>();
        s.add(WireReader::of);
        s.add(b -> WireReader.of(ByteBuffer.wrap(b)));
        s.add(b -> WireReader.of(new ByteArrayInputStream(b)));
        s.add(b -> WireReader.of(new OneByteAtATime(b), 16));
        s.add(b -> WireReader.of(Channels.newChannel(new ByteArrayInputStream(b)), 4096));
        s.add(b -> WireReader.of(FileChannel.open(file(b), StandardOpenOption.READ), 4096));
        s.add(b -> WireReader.mapped(FileChannel.open(file(b), StandardOpenOption.READ)));
        return s;
    }

    private Path file(byte[] b) throws IOException {
        Path p = Files.createTempFile(dir, "w", ".bin");
        Files.write(p, b);
        return p;
    }

    static byte[] sample() {
        byte[] b = new byte[20000];
        new Random(7).nextBytes(b);
        b[0] = 0x12;
        b[1] = 0x34;
        b[2] = 0x56;
        b[3] = 0x78;
        b[15] = 3;
        b[16] = 'r';
        b[17] = 'a';
        b[18] = 'm';
        return b;
    }

    @Test
    void everyShapeReadsTheSameValuesAndOffsets() throws IOException {
        byte[] b = sample();
        for (Shape shape : shapes()) {
            WireReader r = shape.open(b);
            assertEquals(0x12, r.peek(0));
            assertEquals(0x12345678, r.be32("x"));
            assertEquals(4, r.position());
            assertEquals(((b[4] & 0xffL) << 56 | (b[5] & 0xffL) << 48 | (b[6] & 0xffL) << 40 | (b[7] & 0xffL) << 32
                    | (b[8] & 0xffL) << 24 | (b[9] & 0xffL) << 16 | (b[10] & 0xffL) << 8 | (b[11] & 0xffL)), r.be64("y"));
            r.be16("z");
            r.u8("w");
            assertEquals("ram", r.cstr8("s"));
            assertEquals(b[19 + 999] & 0xff, r.peek(999));
            r.skip(9000, "skip");
            assertEquals(9019, r.position());
            byte[] got = new byte[5000];
            r.readFully(got, 0, got.length, "page");
            assertArrayEquals(java.util.Arrays.copyOfRange(b, 9019, 14019), got);
            r.skip(b.length - 14019 - 2, "skip");
            assertEquals(b[b.length - 2] & 0xff, r.u8("last but one"));
            assertEquals(-1, r.peek(1));
            StreamFormatException.Truncated t = assertThrows(StreamFormatException.Truncated.class, () -> r.be16("tail"));
            assertEquals(b.length - 1, t.offset());
        }
    }

    @Test
    void skippingPastTheEndIsTruncatedAtTheSkipStart() throws IOException {
        byte[] b = sample();
        for (Shape shape : shapes()) {
            WireReader r = shape.open(b);
            r.skip(100, "a");
            StreamFormatException.Truncated t = assertThrows(StreamFormatException.Truncated.class,
                    () -> r.skip(b.length, "page body"));
            assertEquals(100, t.offset());
        }
    }

    @Test
    void readFullyPastTheEndIsTruncated() throws IOException {
        byte[] b = sample();
        for (Shape shape : shapes()) {
            WireReader r = shape.open(b);
            r.skip(b.length - 10, "a");
            assertThrows(StreamFormatException.Truncated.class, () -> r.bytes(4096, "page"));
        }
    }
}
