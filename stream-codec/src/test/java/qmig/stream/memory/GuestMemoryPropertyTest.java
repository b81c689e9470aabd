package qmig.stream.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import qmig.stream.memory.PhysicalMap.Chipset;
import qmig.stream.ram.BlockInfo;
import qmig.stream.wire.Limits;

/**
 * Laws of the sparse memory against a plain {@code byte[]} model, on every backing: random writes
 * (whole pages, zero pages, fills, spans across page edges) then random reads give the model's
 * bytes, a page costs memory iff it is non-zero, and the digest is the model's digest.
 */
class GuestMemoryPropertyTest {

    private static final int PAGES = 12;
    private static final int SIZE = PAGES * 4096;

    /** kind 0: span write, 1: page write, 2: fill (0 or not), 3: zero a page. */
    record Op(int kind, int offset, byte[] data, int fill) {
        @Override
        public String toString() {
            return "Op[" + kind + " @0x" + Integer.toHexString(offset) + " len " + (data == null ? 0 : data.length)
                    + " fill " + fill + "]";
        }
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<byte[]> content = Arbitraries.oneOf(
                Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(3 * 4096),
                Arbitraries.integers().between(1, 3 * 4096).map(byte[]::new),                 // zeros
                Arbitraries.integers().between(1, 64).map(n -> {                               // sparse
                    byte[] b = new byte[n * 97];
                    b[b.length / 2] = 1;
                    return b;
                }));
        Arbitrary<Op> span = Combinators.combine(Arbitraries.integers().between(0, SIZE - 1), content)
                .as((off, d) -> new Op(0, off, Arrays.copyOf(d, Math.min(d.length, SIZE - off)), 0));
        Arbitrary<Op> page = Combinators.combine(Arbitraries.integers().between(0, PAGES - 1),
                        Arbitraries.oneOf(Arbitraries.bytes().array(byte[].class).ofSize(4096), Arbitraries.just(new byte[4096])))
                .as((p, d) -> new Op(1, p * 4096, d, 0));
        Arbitrary<Op> fill = Combinators.combine(Arbitraries.integers().between(0, PAGES - 1),
                        Arbitraries.oneOf(Arbitraries.just(0), Arbitraries.integers().between(0, 255)))
                .as((p, f) -> new Op(2, p * 4096, null, f));
        Arbitrary<Op> zero = Arbitraries.integers().between(0, PAGES - 1).map(p -> new Op(3, p * 4096, null, 0));
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(5, span), net.jqwik.api.Tuple.of(3, page),
                net.jqwik.api.Tuple.of(2, fill), net.jqwik.api.Tuple.of(2, zero)).list().ofMaxSize(25);
    }

    @Property(tries = 150)
    void memoryBehavesLikeAByteArray(@ForAll("ops") List<Op> ops,
                                     @ForAll("reads") List<int[]> reads) throws Exception {
        byte[] model = new byte[SIZE];
        for (Op op : ops) {
            apply(model, op);
        }
        Path dir = Files.createTempDirectory("qmig-mem-prop");
        try {
            for (MemoryOptions opts : MemoryTestSupport.allBackings(dir)) {
                try (GuestMemory mem = GuestMemory.create(opts)) {
                    RamBlockImage b = mem.addBlock("pc.ram", SIZE);
                    for (Op op : ops) {
                        apply(b, op);
                    }
                    check(model, b, reads, opts);
                }
            }
        } finally {
            MemoryTestSupport.deleteTree(dir);
        }
    }

    @Provide
    Arbitrary<List<int[]>> reads() {
        return Arbitraries.integers().between(0, SIZE - 1)
                .flatMap(off -> Arbitraries.integers().between(0, Math.min(3 * 4096, SIZE - off)).map(len -> new int[] {off, len}))
                .list().ofMinSize(1).ofMaxSize(10);
    }

    private static void apply(byte[] m, Op op) {
        switch (op.kind()) {
            case 0, 1 -> System.arraycopy(op.data(), 0, m, op.offset(), op.data().length);
            case 2 -> Arrays.fill(m, op.offset(), op.offset() + 4096, (byte) op.fill());
            default -> Arrays.fill(m, op.offset(), op.offset() + 4096, (byte) 0);
        }
    }

    private static void apply(RamBlockImage b, Op op) throws IOException {
        switch (op.kind()) {
            case 0 -> b.write(op.offset(), op.data(), 0, op.data().length);
            case 1 -> b.writePage(op.offset(), op.data(), 0);
            case 2 -> b.fillPage(op.offset(), op.fill());
            default -> b.zeroPage(op.offset());
        }
    }

    private static void check(byte[] model, RamBlockImage b, List<int[]> reads, MemoryOptions opts) throws Exception {
        for (int[] r : reads) {
            byte[] got = new byte[r[1]];
            b.read(r[0], got, 0, r[1]);
            assertArrayEquals(Arrays.copyOfRange(model, r[0], r[0] + r[1]), got, () -> opts + " read " + Arrays.toString(r));
            if (r[0] <= SIZE - 8) {
                assertEquals(java.nio.ByteBuffer.wrap(model, r[0], 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(),
                        b.readLongLE(r[0]), () -> opts + " readLongLE 0x" + Integer.toHexString(r[0]));
            }
        }
        long nonZero = 0;
        for (int p = 0; p < PAGES; p++) {
            boolean z = BlockStore.isZero(model, p * 4096);
            nonZero += z ? 0 : 1;
            assertEquals(z, b.isZeroPage(p * 4096L), () -> opts.toString());
        }
        assertEquals(nonZero, b.nonZeroPages(), () -> opts + ": a page costs memory iff it is non-zero");
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(model)), BlockDigest.of(b).sha256());
    }

    /** Whatever the memory holds, emitting and re-loading it gives the same content, on every option. */
    @Property(tries = 40)
    void emitThenLoadIsIdentity(@ForAll("ops") List<Op> ops, @ForAll("ops") List<Op> later,
                                @ForAll("emitMode") int mode) throws Exception {
        GuestMemory a = GuestMemory.onHeap();
        RamBlockImage ram = a.addBlock("pc.ram", SIZE);
        RamBlockImage rom = a.addBlock("pc.rom", 2 * 4096);
        for (Op op : ops) {
            apply(ram, op);
        }
        rom.fillPage(4096, 0x5a);
        GuestMemory b = GuestMemory.onHeap();
        EmitOptions opts = switch (mode) {
            case 0 -> EmitOptions.plain().withPagesPerPart(3);
            case 1 -> EmitOptions.plain().withPagesInEnd(true);
            case 2 -> EmitOptions.plain().withCompression(1).withPagesPerPart(5);
            default -> null;
        };
        if (opts == null) {
            // XBZRLE: the destination holds a, the source moves on to a + later
            GuestMemory next = GuestMemory.onHeap();
            RamLoader.load(MemoryTestSupport.emit(a, EmitOptions.plain()), next, Limits.DEFAULT);
            for (Op op : later) {
                apply(next.requireBlock("pc.ram"), op);
            }
            RamLoader.load(MemoryTestSupport.emit(a, EmitOptions.plain()), b, Limits.DEFAULT);
            RamLoader.load(MemoryTestSupport.emit(next, EmitOptions.plain().withXbzrle(a).withPagesPerPart(4)), b, Limits.DEFAULT);
            assertEquals(MemoryTestSupport.sha256s(next), MemoryTestSupport.sha256s(b));
            return;
        }
        RamLoader.load(MemoryTestSupport.emit(a, opts), b, Limits.DEFAULT);
        assertEquals(MemoryTestSupport.sha256s(a), MemoryTestSupport.sha256s(b));
        assertEquals(List.of(new BlockInfo("pc.ram", SIZE), new BlockInfo("pc.rom", 8192)), b.blockInfos());
    }

    @Provide
    Arbitrary<Integer> emitMode() {
        return Arbitraries.integers().between(0, 3);
    }

    /** A GPA read equals the bytes each address resolves to, byte by byte, across ranges and holes. */
    @Property(tries = 200)
    void physicalReadsFollowTheMap(@ForAll("gpaReads") int[] r) throws Exception {
        long ramSize = 4L << 20;
        GuestMemory mem = GuestMemory.onHeap();
        RamBlockImage ram = mem.addBlock("pc.ram", ramSize);
        RamBlockImage bios = mem.addBlock("pc.bios", 256 * 1024);
        RamBlockImage rom = mem.addBlock("pc.rom", 128 * 1024);
        byte[] noise = new byte[8192];
        new java.util.Random(r[2]).nextBytes(noise);
        for (long off = 0x9e000; off < 0x102000; off += 8192) {
            ram.write(off, noise, 0, 8192);
        }
        bios.write(0x1e000, noise, 0, 8192);
        rom.write(0, noise, 0, 8192);
        GuestPhysicalMemory phys = mem.physical(PhysicalMap.x86(r[3] == 0 ? Chipset.Q35 : Chipset.I440FX, ramSize)
                .pam(new byte[] {(byte) (r[2] & 0x30), (byte) (r[2] & 0x13), 0, 0, 0, (byte) (r[2] & 0x31), 0}).build());
        long gpa = r[0];
        int len = r[1];
        boolean all = phys.isRam(gpa, len);
        byte[] expected = new byte[len];
        for (int i = 0; i < len; i++) {
            PhysicalMap.Range range = phys.locate(gpa + i);
            if (range != null) {
                byte[] one = new byte[1];
                mem.requireBlock(range.block()).read(range.blockOffset() + (gpa + i - range.gpa()), one, 0, 1);
                expected[i] = one[0];
            }
        }
        if (all) {
            byte[] got = new byte[len];
            phys.read(gpa, got, 0, len);
            assertArrayEquals(expected, got);
        } else {
            try {
                phys.read(gpa, new byte[len], 0, len);
                throw new AssertionError("read of a range with a hole succeeded");
            } catch (NotRamException e) {
                assertEquals(null, phys.locate(e.gpa()));
            }
        }
    }

    @Provide
    Arbitrary<int[]> gpaReads() {
        return Combinators.combine(Arbitraries.integers().between(0x9c000, 0x101000), Arbitraries.integers().between(1, 20000),
                Arbitraries.integers().between(0, 255), Arbitraries.integers().between(0, 1))
                .as((a, l, s, c) -> new int[] {a, l, s, c});
    }
}
