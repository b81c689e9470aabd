package qmig.stream.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import qmig.stream.grammar.MigrationStream;
import qmig.stream.grammar.ReaderOptions;
import qmig.stream.grammar.StreamReader;
import qmig.stream.json.Json;
import qmig.stream.vmdesc.DumpVmstateSchema;
import qmig.stream.memory.GuestMemory;
import qmig.stream.memory.MemoryOptions;
import qmig.stream.memory.RamLoader;
import qmig.stream.multifd.MultifdChannelReader;
import qmig.stream.multifd.MultifdChannelWriter;
import qmig.stream.multifd.MultifdCompression;
import qmig.stream.ram.PageSink;
import qmig.stream.ram.RamChannelState;
import qmig.stream.ram.RamSectionCodec;
import qmig.stream.vmstate.Field;
import qmig.stream.vmstate.VmStateCodec;
import qmig.stream.vmstate.VmStateDescription;
import qmig.stream.wire.Limits;
import qmig.stream.wire.StreamFormatException;
import qmig.stream.wire.WireReader;
import qmig.stream.wire.WireWriter;

/**
 * Each {@link Limits} field (and the guest-memory bound) is enforced before anything is
 * allocated for the declared length: the input is a few header bytes declaring 2^31 or more,
 * followed by an endless filler, and the decoder must fail with
 * {@link StreamFormatException.LimitExceeded} naming the limit after reading only a few KiB.
 */
class LimitsBeforeAllocationTest {

    private static final byte[] HEADER = {0x51, 0x45, 0x56, 0x4d, 0, 0, 0, 3};

    /** WireReader's smallest buffer: what one refill may pull from the source beyond the bytes decoded. */
    private static final long REFILL = 4096;

    private static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }

    private static byte[] be32(long v) {
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }

    private static byte[] be64(long v) {
        return cat(be32(v >>> 32), be32(v));
    }

    /** Decodes the stream through an endless source; returns the exception and checks the bytes read. */
    private static StreamFormatException.LimitExceeded streamFails(byte[] head, Limits limits, long maxRead, String limit) {
        FuzzSupport.CountingInputStream in = FuzzSupport.endless(head, 0xff, 1L << 34);
        StreamFormatException.LimitExceeded e = assertThrows(StreamFormatException.LimitExceeded.class,
                () -> MigrationStream.readAll(new StreamReader(WireReader.of(in, 4096), ReaderOptions.defaults().withLimits(limits))));
        assertTrue(e.getMessage().contains(limit), e.getMessage());
        assertTrue(in.count() <= maxRead, "read " + in.count() + " bytes, at most " + maxRead + " expected");
        assertTrue(e.offset() >= 0 && e.offset() <= head.length, "offset " + e.offset());
        return e;
    }

    @Test
    void vmDescriptionLength() {
        //                      EOF   VMDESCRIPTION  be32 length 2^31-1
        byte[] b = cat(HEADER, new byte[] {0x00, 0x06}, be32(0x7fffffffL));
        StreamFormatException e = streamFails(b, Limits.DEFAULT, head(b), "Limits.maxVmDescriptionBytes");
        assertEquals(10, e.offset());
    }

    @Test
    void packagedLength() {
        //                      COMMAND  PACKAGED (7) len 4  be32 sub-stream length 4 GiB-1
        byte[] b = cat(HEADER, new byte[] {0x08, 0, 7, 0, 4}, be32(0xffffffffL));
        streamFails(b, Limits.DEFAULT, head(b), "Limits.maxPackageBytes");
    }

    /** A package in a package in a package...: recursion bounded by maxNestingDepth, not by the stack. */
    @Test
    void packagedNesting() throws Exception {
        byte[] inner = new byte[0];
        for (int i = 0; i < 100; i++) {
            inner = cat(new byte[] {0x08, 0, 7, 0, 4}, be32(inner.length), inner);
        }
        byte[] b = cat(HEADER, inner, new byte[] {0x00});
        StreamFormatException.LimitExceeded e = streamFails(b, Limits.DEFAULT, head(b), "Limits.maxNestingDepth");
        assertTrue(e.getMessage().contains("PACKAGED nesting depth of 65"), e.getMessage());
        // three levels are a stream like any other, byte for byte
        byte[] three = new byte[0];
        for (int i = 0; i < 3; i++) {
            three = cat(new byte[] {0x08, 0, 7, 0, 4}, be32(three.length), three);
        }
        byte[] ok = cat(HEADER, three, new byte[] {0x00});
        assertArrayEquals(ok, MigrationStream.read(ok, ReaderOptions.defaults()).toBytes());
    }

    @Test
    void heldSectionBytes() {
        //                      START  be32 id 1      idstr "foo"                 instance 0   version 1
        byte[] b = cat(HEADER, new byte[] {0x01}, be32(1), new byte[] {3, 'f', 'o', 'o'}, be32(0), be32(1));
        Limits l = Limits.DEFAULT.withMaxHeldSectionBytes(1 << 20);
        streamFails(b, l, head(b) + (1 << 20) + REFILL, "Limits.maxHeldSectionBytes");
    }

    private static long head(byte[] b) {
        return b.length + 2 * REFILL;
    }

    private static final VmStateDescription VBUFFER = VmStateDescription.builder("t").version(1)
            .field(Field.uint32("n")).field(Field.vbuffer("b", "n")).build();
    private static final VmStateDescription VARRAY = VmStateDescription.builder("t").version(1)
            .field(Field.uint32("n")).field(Field.uint8("a").varray("n")).build();

    private static StreamFormatException.LimitExceeded vmstateFails(VmStateDescription d, byte[] head, String limit) {
        FuzzSupport.CountingInputStream in = FuzzSupport.endless(head, 0xff, 1L << 34);
        StreamFormatException.LimitExceeded e = assertThrows(StreamFormatException.LimitExceeded.class,
                () -> new VmStateCodec(Limits.DEFAULT).load(WireReader.of(in, 4096), d, 1));
        assertTrue(e.getMessage().contains(limit), e.getMessage());
        assertTrue(in.count() <= head(head), "read " + in.count());
        return e;
    }

    @Test
    void vmstateBufferSize() {
        vmstateFails(VBUFFER, be32(0x7fffffffL), "Limits.maxBufferBytes");
    }

    @Test
    void vmstateArrayElements() {
        vmstateFails(VARRAY, be32(0xffffffffL), "Limits.maxArrayElements");
    }

    /** A description nested 100 deep (as a JSON trailer or a dump schema can build) fails at depth 65. */
    @Test
    void vmstateNesting() {
        VmStateDescription d = VmStateDescription.builder("leaf").version(1).field(Field.uint8("x")).build();
        for (int i = 0; i < 100; i++) {
            d = VmStateDescription.builder("s" + i).version(1).field(Field.struct("in", d)).build();
        }
        vmstateFails(d, new byte[0], "Limits.maxNestingDepth");
    }

    @Test
    void jsonNesting() {
        byte[] deep = "[".repeat(100_000).getBytes(StandardCharsets.US_ASCII);
        StreamFormatException.LimitExceeded e = assertThrows(StreamFormatException.LimitExceeded.class,
                () -> Json.parse(deep, 0, deep.length, 0, 64));
        assertTrue(e.getMessage().contains("Limits.maxNestingDepth"), e.getMessage());
        byte[] objects = "{\"a\":".repeat(100_000).getBytes(StandardCharsets.US_ASCII);
        assertThrows(StreamFormatException.LimitExceeded.class, () -> Json.parse(objects));
    }

    /** A VMDESCRIPTION trailer whose device description nests 200 Descriptions: the JSON depth limit stops it. */
    @Test
    void trailerDescriptionNesting() {
        String fields = "{\"name\": \"x\", \"type\": \"uint8\", \"size\": 1}";
        for (int i = 0; i < 200; i++) {
            fields = "{\"name\": \"s\", \"type\": \"struct\", \"struct\": {\"vmsd_name\": \"n\", \"version\": 1, \"fields\": ["
                    + fields + "]}, \"size\": 1}";
        }
        byte[] json = ("{\"page_size\": 4096, \"devices\": [{\"name\": \"foo\", \"instance_id\": 0, \"vmsd_name\": \"foo\", "
                + "\"version\": 1, \"fields\": [" + fields + "]}]}").getBytes(StandardCharsets.US_ASCII);
        byte[] b = cat(HEADER, new byte[] {0x00, 0x06}, be32(json.length), json);
        StreamFormatException.LimitExceeded e = assertThrows(StreamFormatException.LimitExceeded.class,
                () -> MigrationStream.read(b, ReaderOptions.defaults()));
        assertTrue(e.getMessage().contains("Limits.maxNestingDepth"), e.getMessage());
        assertTrue(e.offset() >= 14 && e.offset() <= b.length, e.getMessage());
    }

    /** A -dump-vmstate schema nesting 300 Descriptions (900 JSON levels; 1000 are allowed there) parses and fails typed in the engine. */
    @Test
    void dumpSchemaNesting() throws Exception {
        // a schema nested deeper than the engine would follow is refused when it is parsed
        StreamFormatException.LimitExceeded e = assertThrows(StreamFormatException.LimitExceeded.class,
                () -> DumpVmstateSchema.parse(new java.io.ByteArrayInputStream(dumpNested(300))));
        assertTrue(e.getMessage().contains("Limits.maxNestingDepth"), e.getMessage());
        assertThrows(StreamFormatException.LimitExceeded.class,
                () -> DumpVmstateSchema.parse(new java.io.ByteArrayInputStream(dumpNested(2000))));
    }

    private static byte[] dumpNested(int depth) {
        String d = "{\"name\": \"leaf\", \"version_id\": 1, \"minimum_version_id\": 1, \"Fields\": "
                + "[{\"field\": \"x\", \"version_id\": 0, \"field_exists\": false, \"size\": 1}], \"Subsections\": []}";
        for (int i = 0; i < depth; i++) {
            d = "{\"name\": \"n" + i + "\", \"version_id\": 1, \"minimum_version_id\": 1, \"Fields\": [{\"field\": \"s\", "
                    + "\"version_id\": 0, \"field_exists\": false, \"size\": 1, \"Description\": " + d + "}], \"Subsections\": []}";
        }
        return ("{\"foo\": {\"Name\": \"foo\", \"version_id\": 1, \"minimum_version_id\": 1, \"Description\": "
                + d.replaceFirst("\"n" + (depth - 1) + "\"", "\"foo\"") + "}}").getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void ramBlockCount() {
        // be64 total | MEM_SIZE (0x04), then (cstr8 idstr, be64 used_length)* past the limit of 16
        byte[] b = be64((17L * 4096) | 0x04);
        for (int i = 0; i < 17; i++) {
            b = cat(b, new byte[] {2, 'b', (byte) ('a' + i)}, be64(4096));
        }
        FuzzSupport.CountingInputStream in = FuzzSupport.endless(b, 0xff, 1L << 34);
        StreamFormatException.LimitExceeded e = assertThrows(StreamFormatException.LimitExceeded.class,
                () -> new RamSectionCodec(FuzzSupport.TINY, PageSink.NONE, false).read(WireReader.of(in, 4096), new RamChannelState()));
        assertTrue(e.getMessage().contains("Limits.maxRamBlocks"), e.getMessage());
        assertTrue(in.count() <= head(b));
    }

    @Test
    void guestMemorySize() throws Exception {
        // one RAMBlock of 2^50 bytes announced into a guest memory bounded at 64 MiB
        byte[] b = cat(be64((1L << 50) | 0x04), new byte[] {6, 'p', 'c', '.', 'r', 'a', 'm'}, be64(1L << 50), be64(0x10));
        try (GuestMemory mem = GuestMemory.create(MemoryOptions.heap().withMaxGuestBytes(64L << 20))) {
            WireReader r = WireReader.of(b);
            RamLoader loader = new RamLoader(mem, r::position);
            StreamFormatException.LimitExceeded e = assertThrows(StreamFormatException.LimitExceeded.class,
                    () -> new RamSectionCodec(Limits.DEFAULT, loader, false).read(r, new RamChannelState()));
            assertTrue(e.getMessage().contains("maxGuestBytes"), e.getMessage());
            assertEquals(0, mem.totalBytes());
        }
    }

    @Test
    void multifdPacketSize() throws Exception {
        WireWriter w = WireWriter.inMemory();
        try (MultifdChannelWriter cw = new MultifdChannelWriter(w, 0, MultifdCompression.ZLIB, 1)) {
            cw.writeInit(new byte[16]);
            cw.writePacket(false, 1, "pc.ram", new long[] {0}, 1, new byte[4096], 0);
        }
        byte[] ch = w.toByteArray();
        byte[] head = Arrays.copyOf(ch, 64 + 1344);
        System.arraycopy(be32(0xffffffffL), 0, head, 64 + 20, 4); // next_packet_size = 4 GiB - 1
        FuzzSupport.CountingInputStream in = FuzzSupport.endless(head, 0xff, 1L << 34);
        StreamFormatException.LimitExceeded e = assertThrows(StreamFormatException.LimitExceeded.class, () -> {
            try (MultifdChannelReader r = new MultifdChannelReader(WireReader.of(in, 4096), Limits.DEFAULT, PageSink.NONE)) {
                r.readInit();
                while (r.next() != null) {
                    // pages
                }
            }
        });
        assertTrue(e.getMessage().contains("Limits.maxBufferBytes"), e.getMessage());
        assertEquals(64 + 20, e.offset());
        assertTrue(in.count() <= head(head), "read " + in.count());
    }
}
