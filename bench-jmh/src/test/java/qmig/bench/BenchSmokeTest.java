package qmig.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Calls each benchmark method once on 1 MiB, outside JMH, so that {@code mvn verify} checks the
 * inputs decode to what they should. Measures nothing: speed comes from the JMH jar.
 */
class BenchSmokeTest {

    private static final int MIB_PAGES = 256;

    @ParameterizedTest
    @CsvSource({"page,none", "page,heap", "page,offheap", "zero,none", "zero,heap", "zero,offheap"})
    void ramDecodeReadsEveryPage(String pattern, String sink) throws Exception {
        RamDecodeBench b = new RamDecodeBench();
        b.pattern = pattern;
        b.sink = sink;
        b.mib = 1;
        b.setup();
        try {
            Throughput t = new Throughput();
            // START: MEM_SIZE + EOS; PART: 256 page records + EOS
            assertEquals(2 + MIB_PAGES + 1, b.decode(t));
            assertEquals(2 + MIB_PAGES + 1, b.decode(t), "second decode over the same memory");
            long perPage = pattern.equals("page") ? 8 + 4096 : 8 + 1;
            assertTrue(b.wireBytes() > MIB_PAGES * perPage, "wire bytes " + b.wireBytes());
            assertEquals(2 * (1 << 20) / 1e9, t.guestGB, 1e-12);
        } finally {
            b.tearDown();
        }
    }

    @ParameterizedTest
    @CsvSource({"none,random,none", "none,text,heap", "zlib,random,heap", "zlib,text,none",
            "zstd,random,none", "zstd,text,heap"})
    void multifdDecodeReadsEveryPage(String compression, String content, String sink) throws Exception {
        MultifdDecodeBench b = new MultifdDecodeBench();
        b.compression = compression;
        b.content = content;
        b.sink = sink;
        b.mib = 1;
        b.setup();
        try {
            Throughput t = new Throughput();
            assertEquals(MIB_PAGES, b.decode(t));
            if (content.equals("text") && !compression.equals("none")) {
                assertTrue(b.wireBytes() < (1 << 20) / 2, compression + " of text pages: " + b.wireBytes() + " bytes");
            }
        } finally {
            b.tearDown();
        }
    }
}
