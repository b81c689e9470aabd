package qmig.stream.diff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import qmig.stream.diff.StreamDiff.BlockDiff;
import qmig.stream.diff.StreamDiff.FieldDiff;
import qmig.stream.diff.StreamDiff.PageRange;
import qmig.stream.diff.StreamDiff.SectionRef;
import qmig.stream.grammar.MigrationStream;
import qmig.stream.grammar.ReaderOptions;
import qmig.stream.grammar.SectionType;
import qmig.stream.grammar.StreamRecord;
import qmig.stream.grammar.VmStatePayload;
import qmig.stream.memory.EmitOptions;
import qmig.stream.memory.GuestMemory;
import qmig.stream.memory.RamBlockImage;
import qmig.stream.memory.RamEmitter;
import qmig.stream.memory.RamLoader;
import qmig.stream.vmstate.VmStateValue;
import qmig.stream.wire.Limits;
import qmig.stream.wire.StreamFormatException;
import qmig.testdata.Captures;

/** Issue 8: the stream-level diff on real captures and on streams re-encoded with known changes. */
class StreamDifferTest {

    private static byte[] plain;
    private static byte[] random;

    @BeforeAll
    static void captures() {
        plain = Captures.Q35_PLAIN.bytes();
        random = Captures.Q35_RANDOM_RAM.bytes();
    }

    static StreamDiff diff(byte[] a, byte[] b) throws IOException {
        return StreamDiffer.diff(StreamDiffer.of(a), StreamDiffer.of(b),
                ReaderOptions.defaults(), 100);
    }

    @Test
    void aCaptureEqualsItself() throws IOException {
        for (byte[] c : List.of(plain, random, Captures.Q35_LINUX_VIOMMU.bytes())) {
            StreamDiff d = diff(c, c);
            assertTrue(d.equal(), d::toString);
        }
    }

    @Test
    void q35PlainAgainstQ35ViommuListsTheIommuSections() throws IOException {
        StreamDiff d = diff(plain, Captures.Q35_VIOMMU.bytes());
        assertFalse(d.equal());
        assertFalse(d.header().differs());
        assertFalse(d.config().differs(), d.config()::toString);
        assertEquals(List.of(), keys(d.sections().missingInB()));
        assertEquals(List.of("iommu-intel/0"), keys(d.sections().extraInB()));
        assertEquals(List.of(), d.sections().reordered());
        assertEquals(List.of(), d.sections().versionChanged());
    }

    @Test
    void q35PlainAgainstPcPlainNamesTheMachinesAndSections() throws IOException {
        StreamDiff d = diff(plain, Captures.PC_PLAIN.bytes());
        assertEquals("pc-q35-7.2", d.config().machineA());
        assertEquals("pc-i440fx-7.2", d.config().machineB());
        assertEquals(List.of("0000:00:00.0/mch/0", "0000:00:1f.0/ICH9LPC/0", "0000:00:1f.2/ich9_ahci/0",
                "0000:00:1f.3/ich9_smb/0"), keys(d.sections().missingInB()));
        assertEquals(List.of("0000:00:00.0/I440FX/0", "0000:00:01.0/PIIX3/0", "fdc/0", "0000:00:01.1/ide/0",
                "0000:00:01.3/piix4_pm/0"), keys(d.sections().extraInB()));
        assertEquals(List.of(), d.sections().reordered());
        assertEquals(List.of(), d.sections().versionChanged());
    }

    @Test
    void oneChangedFieldIsFoundWithItsValuesAndOffsets() throws IOException {
        MigrationStream s = MigrationStream.read(plain, ReaderOptions.defaults());
        List<StreamRecord> out = new ArrayList<>();
        long old = 0;
        long changed = 0;
        for (StreamRecord r : s.records()) {
            if (r instanceof StreamRecord.SectionFull f && f.header().idstr().equals("cpu")
                    && f.payload() instanceof VmStatePayload v) {
                List<VmStateValue> regs = new ArrayList<>(((VmStateValue.Array) v.value().get("env.regs")).elements());
                old = ((VmStateValue.Int) regs.get(3)).value();
                changed = old ^ 0x1234_5678_9abcL;
                regs.set(3, new VmStateValue.Int(changed, 8, false));
                r = new StreamRecord.SectionFull(f.offset(), f.header(), new VmStatePayload(v.description(),
                        v.version(), v.value().with("env.regs", new VmStateValue.Array(regs)), v.origin()), f.footer());
            }
            out.add(r);
        }
        byte[] b = new MigrationStream(s.header(), out, s.footers()).toBytes();
        assertEquals(plain.length, b.length);

        StreamDiff d = diff(plain, b);
        assertFalse(d.equal());
        assertFalse(d.sections().differs());
        assertEquals(List.of(), d.ram());
        assertEquals(1, d.fields().size(), d.fields()::toString);
        FieldDiff f = d.fields().get(0);
        assertEquals("cpu/0", f.section());
        assertEquals("env.regs[3]", f.path());
        assertEquals(new VmStateValue.Int(old, 8, false), f.a());
        assertEquals(new VmStateValue.Int(changed, 8, false), f.b());
        assertEquals(0, f.further());
        assertEquals(f.offsetA(), f.offsetB(), "the same layout in both");
        assertEquals(old, ByteBuffer.wrap(plain).getLong((int) f.offsetA()), "the offset is where the value is");
        assertEquals(changed, ByteBuffer.wrap(b).getLong((int) f.offsetB()));
        for (int i = 0; i < plain.length; i++) {
            if (plain[i] != b[i]) {
                assertTrue(i >= f.offsetA() && i < f.offsetA() + 8, "byte " + i + " outside the field");
            }
        }
    }

    @Test
    void threeChangedPagesAreTheOnlyRanges() throws IOException {
        GuestMemory original = GuestMemory.onHeap();
        RamLoader.load(random, original, Limits.DEFAULT);
        GuestMemory modified = GuestMemory.onHeap();
        RamLoader.load(random, modified, Limits.DEFAULT);
        byte[] page = new byte[RamBlockImage.PAGE];
        poke(modified, "pc.ram", 0, page);
        poke(modified, "pc.ram", 0x2a7000, page);
        poke(modified, "pc.bios", 0x3f000, page);

        byte[] a = onePass(original);
        StreamDiff same = diff(a, twoPasses(original, original, false));
        assertTrue(same.equal(), same::toString);
        for (boolean xbzrle : new boolean[] {false, true}) {
            StreamDiff d = diff(a, twoPasses(original, modified, xbzrle));
            assertFalse(d.sections().differs());
            assertEquals(List.of(), d.fields());
            assertEquals(2, d.ram().size(), d.ram()::toString);
            BlockDiff ram = d.ram().get(0);
            assertEquals("pc.ram", ram.idstr());
            assertEquals(ram.lengthA(), ram.lengthB());
            assertEquals(2, ram.differingPages());
            assertEquals(List.of(new PageRange(0, 1), new PageRange(0x2a7, 1)), ram.ranges());
            BlockDiff bios = d.ram().get(1);
            assertEquals("pc.bios", bios.idstr());
            assertEquals(1, bios.differingPages());
            assertEquals(List.of(new PageRange(0x3f, 1)), bios.ranges());
            assertEquals(0x3f000, bios.ranges().get(0).offset());
            assertEquals(0x40000, bios.ranges().get(0).end());
        }
        original.close();
        modified.close();
    }

    @Test
    void adjacentPagesCoalesceAndTheRangeListIsCapped() throws IOException {
        GuestMemory original = GuestMemory.onHeap();
        RamLoader.load(random, original, Limits.DEFAULT);
        GuestMemory modified = GuestMemory.onHeap();
        RamLoader.load(random, modified, Limits.DEFAULT);
        byte[] page = new byte[RamBlockImage.PAGE];
        for (long p : new long[] {10, 11, 12, 20, 30, 40}) {
            poke(modified, "pc.ram", p * RamBlockImage.PAGE, page);
        }
        StreamDiff d = StreamDiffer.diff(StreamDiffer.read(src(onePass(original)), ReaderOptions.defaults(), 1L << 40),
                StreamDiffer.read(src(onePass(modified)), ReaderOptions.defaults(), 1L << 40), 2);
        BlockDiff ram = d.ram().get(0);
        assertEquals(6, ram.differingPages());
        assertEquals(4, ram.runs());
        assertEquals(List.of(new PageRange(10, 3), new PageRange(20, 1)), ram.ranges());
    }

    @Test
    void aSectionMovedToTheEndIsTheOneReordered() throws IOException {
        MigrationStream s = MigrationStream.read(plain, ReaderOptions.defaults());
        List<StreamRecord> out = new ArrayList<>(s.records());
        StreamRecord timer = out.stream().filter(r -> r instanceof StreamRecord.SectionFull f
                && f.header().idstr().equals("timer")).findFirst().orElseThrow();
        out.remove(timer);
        int eof = out.indexOf(out.stream().filter(r -> r instanceof StreamRecord.Eof).findFirst().orElseThrow());
        out.add(eof, timer);
        StreamDiff d = diff(plain, new MigrationStream(s.header(), out, s.footers()).toBytes());
        assertEquals(1, d.sections().reordered().size(), d.sections()::toString);
        StreamDiff.Moved m = d.sections().reordered().get(0);
        assertEquals("timer/0", m.a().key());
        assertEquals(29, m.indexB(), "last of the 30 sections");
        assertTrue(m.b().offset() > m.a().offset());
        assertEquals(List.of(), d.fields(), "moved, not changed: fields are matched by section, not by place");
        assertEquals(List.of(), d.sections().missingInB());
    }

    @Test
    void aTruncatedStreamIsATypedError() {
        byte[] cut = java.util.Arrays.copyOf(plain, plain.length / 2);
        assertThrows(StreamFormatException.Truncated.class, () -> diff(plain, cut));
    }

    @Test
    void aConfigurationOnlyOnOneSideIsAMachineDifference() throws IOException {
        MigrationStream s = MigrationStream.read(plain, ReaderOptions.defaults());
        List<StreamRecord> out = new ArrayList<>(s.records());
        out.removeIf(r -> r instanceof StreamRecord.Configuration);
        StreamDiff d = diff(plain, new MigrationStream(s.header(), out, s.footers()).toBytes());
        assertEquals("pc-q35-7.2", d.config().machineA());
        assertNull(d.config().machineB());
        assertTrue(d.config().differs());
    }

    private static StreamDiffer.StreamSource src(byte[] b) {
        return StreamDiffer.of(b);
    }

    private static List<String> keys(List<SectionRef> refs) {
        return refs.stream().map(SectionRef::key).toList();
    }

    /** Flips the first byte of a page. */
    private static void poke(GuestMemory m, String block, long offset, byte[] page) throws IOException {
        RamBlockImage b = m.requireBlock(block);
        b.readPage(offset, page, 0);
        page[0] ^= (byte) 0xa5;
        b.writePage(offset, page, 0);
    }

    private static byte[] onePass(GuestMemory m) throws IOException {
        List<StreamRecord> ram;
        try (RamEmitter e = new RamEmitter(m, EmitOptions.plain().withPagesPerPart(256))) {
            ram = e.sections(2, true);
        }
        return stream(ram);
    }

    /** Every page sent from {@code first}, then again (or as XBZRLE deltas) from {@code second}. */
    private static byte[] twoPasses(GuestMemory first, GuestMemory second, boolean xbzrle) throws IOException {
        List<StreamRecord> ram = new ArrayList<>();
        EmitOptions o = EmitOptions.plain().withPagesPerPart(256);
        try (RamEmitter e1 = new RamEmitter(first, o);
             RamEmitter e2 = new RamEmitter(second, xbzrle ? o.withXbzrle(first) : o)) {
            ram.add(RamEmitter.section(SectionType.SECTION_START, 2, e1.start(), true));
            while (e1.hasMorePages()) {
                ram.add(RamEmitter.section(SectionType.SECTION_PART, 2, e1.nextPart(), true));
            }
            while (e2.hasMorePages()) {
                ram.add(RamEmitter.section(SectionType.SECTION_PART, 2, e2.nextPart(), true));
            }
            ram.add(RamEmitter.section(SectionType.SECTION_END, 2, e2.end(), true));
        }
        return stream(ram);
    }

    private static byte[] stream(List<StreamRecord> ram) throws IOException {
        MigrationStream s = MigrationStream.read(plain, ReaderOptions.defaults());
        List<StreamRecord> out = new ArrayList<>();
        boolean placed = false;
        for (StreamRecord r : s.records()) {
            if (r instanceof StreamRecord.Section sec && sec.header().idstr().equals(RamEmitter.IDSTR)) {
                if (!placed) {
                    out.addAll(ram);
                    placed = true;
                }
                continue;
            }
            out.add(r);
        }
        return new MigrationStream(s.header(), out, s.footers()).toBytes();
    }
}
