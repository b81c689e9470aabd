package qmig.stream.ram;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import qmig.stream.wire.Limits;
import qmig.stream.wire.WireReader;
import qmig.stream.wire.WireWriter;

/**
 * Ram sections inside a section stream: one channel state across START, PART and END, the codec
 * consuming each payload exactly up to the footer.
 */
class RamStreamTest {

    /** A synthetic stream body: START, PART, PART, END of {@code ram} (section 2) with footers. */
    private static byte[] syntheticSections() {
        return RamSectionCodecTest.concat(
                new RamFixtures().u8(0x01).be32(2).cstr8("ram").be32(0).be32(4).build(),  // START, section 2, "ram"/0, v4
                RamFixtures.start().build(),
                new RamFixtures().u8(0x7e).be32(2).build(),                               // footer
                new RamFixtures().u8(0x02).be32(2).build(),                               // PART
                RamFixtures.part().build(),                                               //   ... ends on a pc.bios page
                new RamFixtures().u8(0x7e).be32(2).build(),
                new RamFixtures().u8(0x02).be32(2).build(),                               // PART
                RamFixtures.flush().build(),                                              //   starts with ZERO|CONTINUE
                new RamFixtures().u8(0x7e).be32(2).build(),
                new RamFixtures().u8(0x03).be32(2).build(),                               // END
                new RamFixtures().rec(0, 0x10).build(),                                   //   EOS only
                new RamFixtures().u8(0x7e).be32(2).build());
    }

    @Test
    void syntheticStreamCountsPagesPerBlock() throws IOException {
        byte[] stream = syntheticSections();
        WireReader r = WireReader.of(stream);
        RamChannelState state = new RamChannelState();
        RecordingSink sink = new RecordingSink(false);
        RamSectionCodec codec = new RamSectionCodec(Limits.DEFAULT, sink, false);
        WireWriter back = WireWriter.inMemory();
        RamSectionCodec writer = new RamSectionCodec(Limits.DEFAULT, PageSink.NONE, true);
        List<Integer> types = new ArrayList<>();
        while (!r.atEnd()) {
            int type = r.u8("section type");
            types.add(type);
            back.u8(type);
            back.be32(r.be32("section id"));
            if (type == 0x01) {
                back.cstr8(r.cstr8("idstr")).be32(r.be32("instance")).be32(r.be32("version"));
            }
            long payloadAt = r.position();
            codec.read(r, state);
            int footer = r.u8("footer");
            assertEquals(0x7e, footer);
            // write the payload back from a retaining read of the same bytes
            byte[] payload = java.util.Arrays.copyOfRange(stream, (int) payloadAt, (int) r.position() - 1);
            RamChannelState again = type == 0x01 ? new RamChannelState() : stateBefore(stream, payloadAt);
            writer.write(back, writer.read(WireReader.of(payload), again));
            back.u8(footer).be32(r.be32("footer id"));
        }
        assertEquals(List.of(1, 2, 2, 3), types);
        assertArrayEquals(stream, back.toByteArray());
        assertEquals(2, sink.counts.get("pc.ram")[1]);
        assertEquals(1, sink.counts.get("pc.ram")[0]);
        assertEquals(1, sink.counts.get("pc.bios")[0]);
        assertEquals(2, sink.counts.get("pc.bios")[1]);      // one in the first PART, one by CONTINUE in the second
        assertEquals(0, sink.counts.get("pc.rom")[0] + sink.counts.get("pc.rom")[1]);
        assertEquals("pc.bios", state.lastBlock());
        assertEquals(List.of("memSize 6", "eos", "zero pc.ram 0x0 0", "zero pc.ram 0x1000 0",
                "page pc.ram 0x2000 skipped", "page pc.bios 0x3f000 skipped", "zero pc.bios 0x3e000 0", "eos",
                "zero pc.bios 0x4000 0", "flush", "eos", "eos"), sink.log);
    }

    /** The channel state just before the section whose payload starts at {@code payloadAt}. */
    private static RamChannelState stateBefore(byte[] stream, long payloadAt) throws IOException {
        WireReader r = WireReader.of(stream);
        RamChannelState s = new RamChannelState();
        RamSectionCodec codec = new RamSectionCodec(Limits.DEFAULT, PageSink.NONE, false);
        while (true) {
            int type = r.u8();
            r.be32();
            if (type == 0x01) {
                r.cstr8("idstr");
                r.be32();
                r.be32();
            }
            if (r.position() == payloadAt) {
                return s;
            }
            codec.read(r, s);
            r.u8();
            r.be32();
        }
    }

    // ---- the committed real captures ------------------------------------------------------------

    private static final Pattern RAM_SECTION = Pattern.compile(
            "\"kind\":\\s*\"(START|PART|END)\",\\s*\"id\":\\s*\\d+,\\s*\"idstr\":\\s*\"ram\",\\s*\"instance\":\\s*\\d+,"
                    + "\\s*\"version\":\\s*\\d+,\\s*\"offset\":\\s*\\d+,\\s*\"payload\":\\s*(\\d+),\\s*\"len\":\\s*(\\d+)");
    private static final Pattern PAGES = Pattern.compile("\"pages\":\\s*\\{([^}]*)\\}");
    private static final Pattern PAGE_COUNT = Pattern.compile("\"([^\"]+)\":\\s*\\[\\s*(\\d+),\\s*(\\d+)\\s*\\]");

    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.MethodSource("qmig.testdata.Captures#all")
    void realCapturesMatchStreamInfo(qmig.testdata.Capture c, @org.junit.jupiter.api.io.TempDir Path tmp) throws IOException {
        Path mig = tmp.resolve(c.scenario() + ".mig");
        Files.write(mig, c.bytes());
        checkCapture(mig, c.sidecar());
    }

    private static void checkCapture(Path mig, String json) throws IOException {
        Map<String, long[]> expected = new LinkedHashMap<>();
        Matcher pm = PAGES.matcher(json);
        assertTrue(pm.find(), "pages in " + mig);
        Matcher cm = PAGE_COUNT.matcher(pm.group(1));
        while (cm.find()) {
            expected.put(cm.group(1), new long[] {Long.parseLong(cm.group(2)), Long.parseLong(cm.group(3))});
        }
        RamChannelState state = new RamChannelState();
        RamChannelState retainingState = new RamChannelState();
        RecordingSink sink = new RecordingSink(false);
        RamSectionCodec counting = new RamSectionCodec(Limits.DEFAULT, sink, false);
        ZlibPage zlib = new ZlibPage();
        byte[] scratchPage = new byte[4096];
        int[] inflated = {0};
        PageSink inflating = new PageSink() {
            @Override
            public void compressed(String block, long offset, byte[] z, int off, int len) throws IOException {
                zlib.inflate(z, off, len, scratchPage, 0, -1); // every compressed page is one whole page
                inflated[0]++;
            }
        };
        RamSectionCodec retaining = new RamSectionCodec(Limits.DEFAULT, inflating, true);
        Matcher sm = RAM_SECTION.matcher(json);
        int sections = 0;
        try (FileChannel fc = FileChannel.open(mig, StandardOpenOption.READ)) {
            while (sm.find()) {
                long payload = Long.parseLong(sm.group(2));
                long len = Long.parseLong(sm.group(3));
                fc.position(payload);
                WireReader r = WireReader.of(fc, 1 << 16);
                counting.read(r, state);
                assertEquals(payload + len, r.position(), mig + ": " + sm.group(1) + " at " + payload);
                assertEquals(0x7e, r.u8(), "footer after the payload");

                // byte-identical write-back of the same payload
                ByteBuffer bb = ByteBuffer.allocate((int) len);
                fc.read(bb, payload);
                byte[] original = bb.array();
                WireWriter w = WireWriter.inMemory();
                retaining.write(w, retaining.read(WireReader.of(original), retainingState));
                assertArrayEquals(original, w.toByteArray(), mig + ": write-back of " + sm.group(1) + " at " + payload);
                sections++;
            }
        }
        zlib.close();
        assertTrue(sections >= 2, "ram sections in " + mig);
        System.out.printf("%s: %d ram sections, %d compressed pages inflated, pages %s%n", mig.getFileName(),
                sections, inflated[0], sink.counts.entrySet().stream()
                        .map(e -> e.getKey() + "=" + e.getValue()[0] + "/" + e.getValue()[1]).toList());
        assertEquals(expected.keySet(), sink.counts.keySet(), mig.toString());
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            assertArrayEquals(e.getValue(), sink.counts.get(e.getKey()), mig + ": pages of " + e.getKey());
        }
    }
}
