package qmig.tools.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import qmig.stream.grammar.OpaquePayload;
import qmig.stream.grammar.ReaderOptions;
import qmig.stream.grammar.SectionHeader;
import qmig.stream.grammar.StreamRecord;
import qmig.stream.json.JsonValue;
import qmig.stream.ram.BlockInfo;
import qmig.stream.ram.PageSink;
import qmig.stream.wire.Limits;

/** {@code qmig inspect FILE}: one line per record, the RAMBlocks with page counts, the trailer. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "List the records of a migration stream: offset, kind, section id, idstr/instance, version, length;"
                + " then the RAMBlocks with page counts and whether the VMDESCRIPTION trailer is present.")
final class InspectCommand implements Callable<Integer> {

    @Parameters(paramLabel = "FILE", description = "a migration stream in any saved form: raw; gzip, bzip2, xz,"
            + " lzop, zstd or lz4 compressed; a libvirt save image; a qcow2 image with an internal snapshot; embedded in a file")
    Path file;

    @picocli.CommandLine.Mixin
    LimitOptions limitOptions = new LimitOptions();

    @picocli.CommandLine.Mixin
    SnapshotOption snapshotOption = new SnapshotOption();

    /** Per-block page counts, filled as RAM records stream past (page contents are skipped). */
    static final class PageCounter implements PageSink {
        final Map<String, long[]> counts = new LinkedHashMap<>();
        final Map<String, Long> lengths = new LinkedHashMap<>();

        @Override
        public boolean wantsContent() {
            return false;
        }

        @Override
        public void memSize(List<BlockInfo> blocks) {
            for (BlockInfo b : blocks) {
                lengths.put(b.idstr(), b.usedLength());
                counts.computeIfAbsent(b.idstr(), k -> new long[4]);
            }
        }

        private long[] of(String block) {
            return counts.computeIfAbsent(block, k -> new long[4]);
        }

        @Override
        public void zero(String block, long offset, int fill) {
            of(block)[1]++;
        }

        @Override
        public void page(String block, long offset, byte[] src, int srcOff) {
            of(block)[0]++;
        }

        @Override
        public void xbzrle(String block, long offset, byte[] encoded, int off, int len) {
            of(block)[2]++;
        }

        @Override
        public void compressed(String block, long offset, byte[] zlib, int off, int len) {
            of(block)[3]++;
        }
    }

    @Override
    public Integer call() {
        PrintStream out = System.out;
        PageCounter pages = new PageCounter();
        ReaderOptions options;
        try {
            options = ReaderOptions.defaults().withPages(pages, false).withLimits(limitOptions.apply(Limits.DEFAULT));
        } catch (IllegalArgumentException e) {
            System.err.println("qmig: " + e.getMessage());
            return Qmig.EXIT_USAGE;
        }
        try (StreamInput in = new StreamInput(file, options, snapshotOption.snapshot)) {
            // the wrapper chain first: one line per layer around the stream (none for a raw file)
            if (in.saved.layers().size() > 1) {
                for (String line : in.saved.describe().split("\n")) {
                    out.println(line.startsWith("  ") || line.startsWith("warning: ") ? line : "wrapper: " + line);
                }
            }
            in.reader.readHeader();
            out.printf("%s: QEMU migration stream, version 3%s%n", file, Inputs.chain(in.saved));
            out.printf("%-12s %-7s %5s  %-40s %7s %10s%n", "OFFSET", "KIND", "ID", "IDSTR/INSTANCE", "VERSION", "LENGTH");
            StreamRecord.VmDescription trailer = null;
            long last = 0;
            StreamRecord prev = null;
            for (StreamRecord r; (r = in.reader.next()) != null; ) {
                if (prev != null) {
                    printLine(out, prev, r.offset() - prev.offset());
                }
                prev = r;
                if (r instanceof StreamRecord.VmDescription d) {
                    trailer = d;
                }
            }
            last = in.reader.wire().position();
            if (prev != null) {
                printLine(out, prev, last - prev.offset());
            }
            out.println();
            out.println("machine type: " + (in.reader.machineType() == null ? "(no configuration section)" : in.reader.machineType())
                    + ", section footers: " + (Boolean.TRUE.equals(in.reader.footers()) ? "yes" : "no"));
            out.println("RAMBlocks:");
            out.printf("  %-40s %12s %10s %10s %8s %8s%n", "IDSTR", "USED LENGTH", "PAGES", "ZERO", "XBZRLE", "COMPR");
            for (Map.Entry<String, long[]> e : pages.counts.entrySet()) {
                long[] c = e.getValue();
                Long len = pages.lengths.get(e.getKey());
                out.printf("  %-40s %12s %10d %10d %8d %8d%n", e.getKey(), len == null ? "?" : "0x" + Long.toHexString(len),
                        c[0], c[1], c[2], c[3]);
            }
            if (trailer != null) {
                JsonValue.JObject o = trailer.json() instanceof JsonValue.JObject jo ? jo : null;
                long devices = 0;
                if (o != null) {
                    for (JsonValue.Member m : o.members()) {
                        if (m.key().equals("devices") && m.value() instanceof JsonValue.JArray a) {
                            devices = a.items().size();
                        }
                    }
                }
                out.printf("VMDESCRIPTION trailer: present at 0x%x, %d bytes, %d devices described%n",
                        trailer.offset(), last - trailer.offset() - 5, devices);
            } else {
                out.println("VMDESCRIPTION trailer: absent (the stream ends at QEMU_VM_EOF)");
            }
            int held = in.reader.held().size();
            if (held > 0) {
                out.println("undecoded sections (no description): " + held);
            }
            return 0;
        } catch (IOException e) {
            return StreamInput.fail(file, e);
        }
    }

    static void printLine(PrintStream out, StreamRecord r, long length) {
        String off = String.format("0x%08x", r.offset());
        if (r instanceof StreamRecord.Section s) {
            SectionHeader h = s.header();
            String kind = h.kind().toUpperCase(java.util.Locale.ROOT);
            String note = s.payload() instanceof OpaquePayload ? "  (undecoded)" : "";
            out.printf("%-12s %-7s %5d  %-40s %7d %10d%s%n", off, kind, h.unsignedId(),
                    h.idstr() + "/" + Integer.toUnsignedString(h.instanceId()), h.versionId(), length, note);
        } else if (r instanceof StreamRecord.Configuration c) {
            out.printf("%-12s %-7s %5s  %-40s %7s %10d%n", off, "CONFIG", "", c.machineType(), "", length);
        } else if (r instanceof StreamRecord.Command c) {
            String name = c.type() == null ? "cmd " + c.code() : c.type().name();
            out.printf("%-12s %-7s %5s  %-40s %7s %10d%n", off, "COMMAND", "", name, "", length);
        } else if (r instanceof StreamRecord.Eof) {
            out.printf("%-12s %-7s %5s  %-40s %7s %10d%n", off, "EOF", "", "", "", length);
        } else if (r instanceof StreamRecord.VmDescription) {
            out.printf("%-12s %-7s %5s  %-40s %7s %10d%n", off, "VMDESC", "", "", "", length);
        }
    }
}
