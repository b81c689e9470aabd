package qmig.tools.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import qmig.stream.grammar.ReaderOptions;
import qmig.stream.grammar.StreamReader;
import qmig.stream.grammar.StreamRecord;
import qmig.stream.memory.Backing;
import qmig.stream.memory.BlockDigest;
import qmig.stream.memory.GuestMemory;
import qmig.stream.memory.GuestPhysicalMemory;
import qmig.stream.memory.MemoryOptions;
import qmig.stream.memory.NotRamException;
import qmig.stream.memory.PhysicalMap;
import qmig.stream.memory.RamBlockImage;
import qmig.stream.memory.RamLoader;
import qmig.stream.multifd.MultifdMerger;
import qmig.stream.wire.Limits;
import qmig.stream.wire.WireReader;

/**
 * {@code qmig extract-ram}, {@code qmig read} and {@code qmig digest}: the migrated RAM as a
 * sparse guest memory (zero pages cost nothing), with multifd channel files merged by epoch.
 */
final class MemoryCommands {

    private MemoryCommands() {
    }

    /** Options every memory command shares: input files, backing, limits. */
    static final class Load {
        @Parameters(index = "0", paramLabel = "STREAM", description = "the main stream, in any saved form")
        Path file;

        @Mixin
        SnapshotOption snapshotOption = new SnapshotOption();

        @Option(names = "--channel", paramLabel = "FILE",
                description = "a recorded multifd channel (repeat for each channel, any order)")
        List<Path> channels = new ArrayList<>();

        @Option(names = "--backing", defaultValue = "auto",
                description = "where page contents live: heap, offheap, mapped (sparse files in a temporary"
                        + " directory), or auto (heap while the guest fits a quarter of the heap, else mapped)."
                        + " Default: ${DEFAULT-VALUE}")
        String backing;

        @Mixin
        LimitOptions limitOptions = new LimitOptions();

        String machineType;
        Path spill;

        GuestMemory load(long guestHint) throws IOException {
            Limits limits = limitOptions.apply(Limits.DEFAULT);
            machineType = machineType(file, limits, snapshotOption.snapshot);
            GuestMemory mem = GuestMemory.create(limitOptions.memory(MemoryOptions.of(backing(guestHint))));
            boolean ok = false;
            try (RamLoader loader = new RamLoader(mem)) {
                if (channels.isEmpty()) {
                    try (InputStream in = Inputs.open(file, limits, snapshotOption.snapshot)) {
                        loader.readStream(WireReader.of(in, 1 << 20), limits);
                    }
                } else {
                    List<InputStream> opened = new ArrayList<>();
                    try {
                        InputStream main = Inputs.open(file, limits, snapshotOption.snapshot);
                        opened.add(main);
                        List<WireReader> chans = new ArrayList<>();
                        for (Path c : channels) {
                            InputStream in = Inputs.openData(c, limits);
                            opened.add(in);
                            chans.add(WireReader.of(in, 1 << 20));
                        }
                        MultifdMerger.merge(WireReader.of(main, 1 << 20), chans,
                                ReaderOptions.defaults().withLimits(limits), null, loader);
                    } finally {
                        for (InputStream in : opened) {
                            in.close();
                        }
                    }
                }
                ok = true;
            } finally {
                if (!ok) {
                    mem.close();
                }
            }
            return mem;
        }

        Backing backing(long guestHint) throws IOException {
            switch (backing) {
                case "heap":
                    return Backing.heap();
                case "offheap":
                    return Backing.offHeap();
                case "mapped":
                    spill = Files.createTempDirectory("qmig-ram");
                    return Backing.mappedFiles(spill);
                case "auto":
                    long fits = Runtime.getRuntime().maxMemory() / 4;
                    if (guestHint <= fits) {
                        return Backing.heap();
                    }
                    spill = Files.createTempDirectory("qmig-ram");
                    return Backing.mappedFiles(spill);
                default:
                    throw new IllegalArgumentException("--backing takes heap, offheap, mapped or auto, not '" + backing + "'");
            }
        }

        /** Removes the spill directory of a mapped backing; a failure is reported, not thrown. */
        void cleanup() {
            if (spill == null) {
                return;
            }
            try {
                try (var s = Files.list(spill)) {
                    for (Path p : (Iterable<Path>) s::iterator) {
                        Files.deleteIfExists(p);
                    }
                }
                Files.deleteIfExists(spill);
            } catch (IOException e) {
                System.err.println("qmig: could not remove " + spill + ": " + e);
            }
        }
    }

    static InputStream open(Path file) throws IOException {
        return Inputs.open(file, Limits.DEFAULT, null);
    }

    /** The machine type from the configuration section (the first record), or null. */
    static String machineType(Path file, Limits limits, String snapshot) throws IOException {
        try (InputStream in = Inputs.open(file, limits, snapshot)) {
            StreamReader r = new StreamReader(WireReader.of(in, 1 << 16),
                    ReaderOptions.defaults().withLimits(limits).withPages(qmig.stream.ram.PageSink.NONE, false));
            r.readHeader();
            StreamRecord first = r.next();
            return first instanceof StreamRecord.Configuration c ? c.machineType() : null;
        }
    }

    static long fileSize(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return Long.MAX_VALUE;
        }
    }

    static int fail(Load l, Exception e) {
        if (e instanceof NotRamException n) {
            System.err.printf("qmig: GPA 0x%x is not RAM%n", n.gpa());
            return 1;
        }
        if (e instanceof IllegalArgumentException) {
            System.err.println("qmig: " + e.getMessage());
            return Qmig.EXIT_USAGE;
        }
        return StreamInput.fail(l.file, (IOException) e);
    }

    @Command(name = "extract-ram", mixinStandardHelpOptions = true,
            description = "Write each RAMBlock of the stream to OUTDIR/<idstr>.bin (sparse where the file system allows;"
                    + " '/' in an idstr becomes '_'), and with --gpa one flat guest-physical image.")
    static final class ExtractRam implements Callable<Integer> {
        @Mixin
        Load load = new Load();

        @Parameters(index = "1", paramLabel = "OUTDIR")
        Path out;

        @Option(names = "--gpa", paramLabel = "FILE", description = "also write a flat guest-physical image (holes are zero)")
        Path gpa;

        @Override
        public Integer call() {
            try (GuestMemory mem = load.load(MemoryCommands.fileSize(load.file))) {
                Files.createDirectories(out);
                boolean tty = System.console() != null;
                List<RamBlockImage> blocks = mem.blocks();
                for (int i = 0; i < blocks.size(); i++) {
                    RamBlockImage b = blocks.get(i);
                    Path dst = out.resolve(GuestMemory.fileNameOf(b.idstr()));
                    Path tmp = dst.resolveSibling(dst.getFileName() + ".part");
                    b.writeImage(tmp);
                    Files.move(tmp, dst, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                            java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                    if (tty) {
                        System.err.printf("\r[%3d%%] %-60s", (i + 1) * 100 / blocks.size(), b.idstr());
                    }
                    System.out.printf("%s  0x%x bytes, %d non-zero pages%n", dst, b.usedLength(), b.nonZeroPages());
                }
                if (tty) {
                    System.err.println();
                }
                if (gpa != null) {
                    writeFlat(mem, PhysicalMap.forMachine(load.machineType, mem), gpa);
                    System.out.println(gpa + "  guest-physical image (" + load.machineType + ")");
                }
                return 0;
            } catch (IOException | IllegalArgumentException e) {
                return fail(load, e);
            } finally {
                load.cleanup();
            }
        }

        /** Writes every RAM range at its GPA; zero pages are left as holes. Written to FILE.part, then renamed. */
        static void writeFlat(GuestMemory mem, PhysicalMap map, Path file) throws IOException {
            Path tmp = file.resolveSibling(file.getFileName() + ".part");
            long end = 0;
            byte[] page = new byte[RamBlockImage.PAGE];
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                for (PhysicalMap.Range r : map.ranges()) {
                    RamBlockImage b = mem.requireBlock(r.block());
                    end = Math.max(end, r.gpa() + r.size());
                    for (long off = 0; off < r.size(); off += RamBlockImage.PAGE) {
                        long boff = r.blockOffset() + off;
                        if (b.isZeroPage(boff)) {
                            continue;
                        }
                        b.readPage(boff, page, 0);
                        ByteBuffer bb = ByteBuffer.wrap(page, 0, (int) Math.min(RamBlockImage.PAGE, r.size() - off));
                        long at = r.gpa() + off;
                        while (bb.hasRemaining()) {
                            at += ch.write(bb, at);
                        }
                    }
                }
                if (ch.size() < end) {
                    ch.write(ByteBuffer.wrap(new byte[1]), end - 1);
                }
            }
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
    }

    @Command(name = "read", mixinStandardHelpOptions = true,
            description = "Hexdump guest-physical memory of the stream's guest (pc or q35 address map).")
    static final class Read implements Callable<Integer> {
        @Mixin
        Load load = new Load();

        @Parameters(index = "1", paramLabel = "GPA", description = "hex (0x...) or decimal")
        String gpa;

        @Parameters(index = "2", paramLabel = "LEN", defaultValue = "256", description = "bytes (default ${DEFAULT-VALUE})")
        int len;

        @Override
        public Integer call() {
            long addr;
            try {
                addr = gpa.startsWith("0x") || gpa.startsWith("0X") ? Long.parseUnsignedLong(gpa.substring(2), 16)
                        : Long.parseUnsignedLong(gpa);
                if (len < 0 || len > 1 << 24) {
                    throw new IllegalArgumentException("LEN must be 0 to 16 MiB");
                }
            } catch (RuntimeException e) {
                System.err.println("qmig: bad GPA or LEN: " + e.getMessage());
                return Qmig.EXIT_USAGE;
            }
            try (GuestMemory mem = load.load(MemoryCommands.fileSize(load.file))) {
                GuestPhysicalMemory phys = mem.physical(PhysicalMap.forMachine(load.machineType, mem));
                byte[] b = phys.read(addr, len);
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < b.length; i += 16) {
                    sb.append(String.format("%016x ", addr + i));
                    StringBuilder ascii = new StringBuilder();
                    for (int j = 0; j < 16; j++) {
                        if (i + j < b.length) {
                            int v = b[i + j] & 0xff;
                            sb.append(String.format(j == 8 ? "  %02x" : " %02x", v));
                            ascii.append(v >= 0x20 && v < 0x7f ? (char) v : '.');
                        } else {
                            sb.append(j == 8 ? "    " : "   ");
                        }
                    }
                    sb.append("  |").append(ascii).append("|\n");
                }
                System.out.print(sb);
                return 0;
            } catch (IOException | IllegalArgumentException e) {
                return fail(load, e);
            } finally {
                load.cleanup();
            }
        }
    }

    @Command(name = "digest", mixinStandardHelpOptions = true,
            description = "Per-RAMBlock content digests (SHA-256 by default), computed without keeping zero pages.")
    static final class Digest implements Callable<Integer> {
        @Mixin
        Load load = new Load();

        @Option(names = "--blake3", description = "BLAKE3 instead of SHA-256")
        boolean blake3;

        @Option(names = "--both", description = "SHA-256 and BLAKE3")
        boolean both;

        @Override
        public Integer call() {
            try (GuestMemory mem = load.load(MemoryCommands.fileSize(load.file))) {
                EnumSet<BlockDigest.Algorithm> alg = both ? EnumSet.allOf(BlockDigest.Algorithm.class)
                        : EnumSet.of(blake3 ? BlockDigest.Algorithm.BLAKE3 : BlockDigest.Algorithm.SHA256);
                for (BlockDigest d : BlockDigest.of(mem, alg)) {
                    StringBuilder sb = new StringBuilder();
                    for (BlockDigest.Algorithm a : alg) {
                        sb.append(a.label()).append(':').append(d.hex().get(a)).append("  ");
                    }
                    System.out.printf("%s%s 0x%x%n", sb, d.idstr(), d.usedLength());
                }
                return 0;
            } catch (IOException | IllegalArgumentException e) {
                return fail(load, e);
            } finally {
                load.cleanup();
            }
        }
    }
}
