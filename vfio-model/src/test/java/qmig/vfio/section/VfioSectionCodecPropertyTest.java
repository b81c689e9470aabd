package qmig.vfio.section;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Group;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import qmig.stream.grammar.SectionHeader;
import qmig.stream.grammar.SectionType;

/**
 * Round trips of the vfio section codec over random payloads (STYLE §16): for each protocol,
 * random sections (SETUP; PART/END chunk runs with their terminators; FULL config payloads with
 * random config/irq/MSI-X bytes; v2 lone FULL markers) satisfy decode(encode(x)) == x and
 * encode(decode(encode(x))) == encode(x).
 */
class VfioSectionCodecPropertyTest {

    /** A section type with the payload it carries. */
    record Case(SectionType type, VfioPayload payload) {
    }

    interface RoundtripLaw {

        VfioSectionCodec codec();

        @Property(tries = 300)
        default void encodeDecodeEncodeIsIdentical(@ForAll("cases") Case c) throws Exception {
            byte[] once = codec().encode(c.type(), c.payload());
            SectionHeader h = new SectionHeader(c.type(), 7, "0000:00:03.0/vfio", 0, 1);
            VfioPayload back = codec().decode(h, once, 0x1000);
            assertEquals(c.payload(), back);
            assertArrayEquals(once, codec().encode(c.type(), back));
        }
    }

    static Arbitrary<Chunk> chunks(int minSize) {
        return Arbitraries.bytes().array(byte[].class).ofMinSize(minSize).ofMaxSize(300).map(Chunk::new);
    }

    static Arbitrary<Case> setup() {
        return Arbitraries.just(new Case(SectionType.SECTION_START, new VfioPayload.Setup()));
    }

    static Arbitrary<Case> chunkRuns(int minChunk, boolean initDataSent) {
        Arbitrary<SectionType> type = Arbitraries.of(SectionType.SECTION_PART, SectionType.SECTION_END);
        Arbitrary<List<Chunk>> list = chunks(minChunk).list().ofMaxSize(6);
        Arbitrary<Boolean> init = initDataSent ? Arbitraries.of(true, false) : Arbitraries.just(false);
        return Combinators.combine(type, list, init).as((t, l, i) -> new Case(t, new VfioPayload.Chunks(l,
                i && t == SectionType.SECTION_PART ? VfioMigFlag.DEV_INIT_DATA_SENT : VfioMigFlag.END_OF_STATE)));
    }

    /**
     * A FULL config payload: the fixture's layout (MSI at 0x40, MSI-X at 0x60 with 1..16 vectors,
     * PCIe at 0x70) or a conventional 256-byte function without capabilities, with random bytes
     * wherever the layout does not depend on them.
     */
    static Arbitrary<Case> configs() {
        Arbitrary<Boolean> express = Arbitraries.of(true, false);
        Arbitrary<Integer> vectors = Arbitraries.integers().between(1, 16);
        Arbitrary<byte[]> noise = Arbitraries.bytes().array(byte[].class).ofSize(4096);
        Arbitrary<int[]> irq = Arbitraries.integers().between(0, 1).array(int[].class).ofSize(4);
        Arbitrary<Integer> version = Arbitraries.integers().between(0, 2);
        return Combinators.combine(express, vectors, noise, irq, version).as((pcie, n, rnd, pins, v) -> {
            if (!pcie) {
                byte[] c = java.util.Arrays.copyOf(rnd, 256);
                c[6] &= ~0x10;   // no capabilities list: no MSI-X, no PCIe capability
                return new Case(SectionType.SECTION_FULL, new VfioPayload.Config(new VfioPciConfig(v, c, pins, null, null)));
            }
            byte[] c = Fixtures.pcieConfig();
            System.arraycopy(rnd, 0x100, c, 0x100, 4096 - 0x100);   // extended config space
            System.arraycopy(rnd, 0x80, c, 0x80, 0x80);              // device-specific area
            Fixtures.le16(c, 0x62, 0x8000 | (n - 1));
            byte[] table = java.util.Arrays.copyOfRange(rnd, 0, n * 16);
            byte[] pba = java.util.Arrays.copyOfRange(rnd, 0x400, 0x400 + (n + 7) / 8);
            return new Case(SectionType.SECTION_FULL, new VfioPayload.Config(new VfioPciConfig(v, c, pins, table, pba)));
        });
    }

    @Group
    class V1 implements RoundtripLaw {
        @Override
        public VfioSectionCodec codec() {
            return new VfioSectionCodec(VfioCodecOptions.v1());
        }

        @Provide
        Arbitrary<Case> cases() {
            // v1: zero-length chunks are the "iteration done" PART; no INIT_DATA_SENT, no lone markers
            return Arbitraries.oneOf(setup(), chunkRuns(0, false), configs());
        }
    }

    @Group
    class V2 implements RoundtripLaw {
        @Override
        public VfioSectionCodec codec() {
            return new VfioSectionCodec(VfioCodecOptions.v2());
        }

        @Provide
        Arbitrary<Case> cases() {
            Arbitrary<Case> markers = Arbitraries.of(VfioMigFlag.END_OF_STATE, VfioMigFlag.DEV_CONFIG_LOAD_READY)
                    .map(f -> new Case(SectionType.SECTION_FULL, new VfioPayload.Marker(f)));
            return Arbitraries.oneOf(setup(), chunkRuns(1, true), configs(), markers);
        }
    }

    /** A whole device's section sequence decodes back in order (v2 START, PARTs, END, FULL). */
    @Property(tries = 100)
    void aSequenceOfSectionsRoundTrips(@ForAll("v2sequence") List<Case> seq) throws Exception {
        VfioSectionCodec codec = new VfioSectionCodec(VfioCodecOptions.v2());
        List<VfioPayload> back = new ArrayList<>();
        for (Case c : seq) {
            byte[] b = codec.encode(c.type(), c.payload());
            back.add(codec.decode(new SectionHeader(c.type(), 1, "vfio", 0, 1), b, -1));
        }
        assertEquals(seq.stream().map(Case::payload).toList(), back);
    }

    @Provide
    Arbitrary<List<Case>> v2sequence() {
        return Combinators.combine(chunkRuns(1, true).list().ofMaxSize(5), chunkRuns(1, false), configs())
                .as((parts, end, full) -> {
                    List<Case> out = new ArrayList<>();
                    out.add(new Case(SectionType.SECTION_START, new VfioPayload.Setup()));
                    parts.stream().map(p -> new Case(SectionType.SECTION_PART, p.payload())).forEach(out::add);
                    out.add(new Case(SectionType.SECTION_END, new VfioPayload.Chunks(
                            ((VfioPayload.Chunks) end.payload()).chunks(), VfioMigFlag.END_OF_STATE)));
                    out.add(full);
                    return out;
                });
    }
}
