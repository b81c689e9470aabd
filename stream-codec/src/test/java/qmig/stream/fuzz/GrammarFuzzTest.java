package qmig.stream.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import qmig.stream.grammar.MigrationStream;
import qmig.stream.grammar.ReaderOptions;
import qmig.stream.grammar.StreamReader;
import qmig.stream.wire.StreamFormatException;
import qmig.stream.wire.WireReader;

/**
 * The stream grammar (header, sections, commands, EOF, trailer) over arbitrary bytes, read
 * forward as from a socket and from memory with the trailer located first. Seeds are records
 * cut from the real captures ({@link SeedCorpus}).
 */
@org.junit.jupiter.api.Tag("fuzz")
class GrammarFuzzTest {

    private static final byte[] HEADER = {0x51, 0x45, 0x56, 0x4d, 0, 0, 0, 3};

    @FuzzTest
    void arbitraryBytes(byte[] data) {
        forward(data);
        FuzzSupport.decodesOrFailsTyped(data, () -> MigrationStream.read(data, ReaderOptions.defaults()));
    }

    /** The records after a valid header: most inputs reach the section grammar. */
    @FuzzTest
    void afterValidHeader(byte[] tail) {
        byte[] b = new byte[HEADER.length + tail.length];
        System.arraycopy(HEADER, 0, b, 0, HEADER.length);
        System.arraycopy(tail, 0, b, HEADER.length, tail.length);
        forward(b);
        FuzzSupport.decodesOrFailsTyped(b, () -> MigrationStream.read(b, ReaderOptions.defaults()));
        bounded(b);
    }

    private static void forward(byte[] b) {
        FuzzSupport.decodesOrFailsTyped(b, () -> {
            MigrationStream s = MigrationStream.read(new ByteArrayInputStream(b), ReaderOptions.defaults());
            assertArrayEquals(b, s.toBytes(), "an accepted stream re-encodes to its bytes");
        });
    }

    /**
     * With tiny limits and 0xff bytes after the input (a length field of all ones), reading
     * stops within the input, the largest limit and a buffer: no declared length is trusted.
     */
    private static void bounded(byte[] b) {
        FuzzSupport.CountingInputStream in = FuzzSupport.endless(b, 0xff, 64L << 20);
        StreamFormatException e = FuzzSupport.decodesOrFailsTyped(in.count() + b.length + (64L << 20), true, () -> {
            StreamReader r = new StreamReader(WireReader.of(in, 4096), ReaderOptions.defaults().withLimits(FuzzSupport.TINY));
            MigrationStream.readAll(r);
        });
        // a command's be16 length bounds its data at 64 KiB whatever the limits say
        FuzzSupport.assertBoundedRead(in, b.length, 0xffff);
    }
}
