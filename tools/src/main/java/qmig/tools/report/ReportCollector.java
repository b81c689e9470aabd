package qmig.tools.report;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import qmig.stream.grammar.OpaquePayload;
import qmig.stream.grammar.RamPayload;
import qmig.stream.grammar.SectionHeader;
import qmig.stream.grammar.SectionPayload;
import qmig.stream.grammar.StreamHeader;
import qmig.stream.grammar.StreamRecord;
import qmig.stream.grammar.VmStatePayload;
import qmig.stream.json.JsonValue;
import qmig.stream.memory.BlockDigest;
import qmig.stream.memory.GuestMemory;
import qmig.stream.memory.PhysicalMap;
import qmig.stream.memory.RamBlockImage;
import qmig.stream.ram.RamRecord;
import qmig.tools.report.StreamReport.BlockView;
import qmig.tools.report.StreamReport.Fact;
import qmig.tools.report.StreamReport.Item;
import qmig.tools.report.StreamReport.Placement;
import qmig.tools.report.StreamReport.RangeView;
import qmig.viommu.mem.GuestPhysicalDma;
import qmig.viommu.report.VtdReport;
import qmig.viommu.vtd.IntelIommu;
import qmig.viommu.vtd.VtdConfig;
import qmig.viommu.vtd.VtdException;
import qmig.viommu.vtd.state.IntelIommuState;

/**
 * Gathers a {@link StreamReport} while a stream is read once: feed it the header and every
 * record as the reader returns them, then {@link #finish} with the loaded guest memory. Page
 * contents are not kept here (they went to the {@code RamLoader}); a record keeps one line.
 */
public final class ReportCollector {

    /** Items listed at most; past it, runs of one section's records are merged, then the rest cut. */
    public static final int MAX_ITEMS = 5000;
    static final int BLOCK_BINS = 480;
    static final int RANGE_BINS = 240;

    private final List<Item> items = new ArrayList<>();
    private StreamHeader header;
    private StreamRecord pending;
    private VmStatePayload iommu;
    private StreamRecord.VmDescription trailer;
    private long trailerBytes;
    private long end;
    private int sections;
    private int undecoded;
    private int commands;
    private long ramParts;

    public void header(StreamHeader h) {
        this.header = h;
        items.add(new Item(0, 0, 8, "header", -1, "QEVM v" + h.version(), -1, h.version(), "magic 0x5145564d, version "
                + h.version(), 1, true));
    }

    /** The next record in stream order; its size is known when the following one arrives. */
    public void accept(StreamRecord r) {
        if (pending != null) {
            add(pending, r.offset() - pending.offset());
        }
        pending = r;
        if (r instanceof StreamRecord.Section s && s.header().idstr().equals(IntelIommuState.NAME)
                && s.payload() instanceof VmStatePayload v) {
            iommu = v;
        }
        if (r instanceof StreamRecord.VmDescription d) {
            trailer = d;
        }
    }

    /**
     * The end of the stream: {@code endOffset} is the reader's position after the last record,
     * {@code resolved} the held sections the trailer decoded afterwards (by record offset).
     */
    public void end(long endOffset, Map<Long, SectionPayload> resolved) {
        if (pending != null) {
            add(pending, endOffset - pending.offset());
            if (pending instanceof StreamRecord.VmDescription) {
                trailerBytes = endOffset - pending.offset() - 5;
            }
            pending = null;
        }
        this.end = endOffset;
        for (int i = 0; i < items.size(); i++) {
            Item it = items.get(i);
            SectionPayload p = resolved.get(it.offset());
            if (it.isSection() && !it.decoded() && p != null && !(p instanceof OpaquePayload)) {
                undecoded--;
                items.set(i, new Item(it.index(), it.offset(), it.size(), it.kind(), it.sectionId(), it.idstr(),
                        it.instance(), it.version(), payloadDetail(p), 1, true));
                if (it.idstr().equals(IntelIommuState.NAME) && p instanceof VmStatePayload v) {
                    iommu = v;
                }
            }
        }
    }

    public int undecoded() {
        return undecoded;
    }

    private void add(StreamRecord r, long size) {
        int i = items.size();
        if (r instanceof StreamRecord.Section s) {
            SectionHeader h = s.header();
            String kind = h.kind();
            boolean decoded = !(s.payload() instanceof OpaquePayload);
            sections++;
            if (!decoded) {
                undecoded++;
            }
            if (s.payload() instanceof RamPayload) {
                ramParts++;
            }
            items.add(new Item(i, r.offset(), size, kind, h.unsignedId(), h.idstr(), Integer.toUnsignedLong(h.instanceId()),
                    h.versionId(), payloadDetail(s.payload()), 1, decoded));
        } else if (r instanceof StreamRecord.Configuration c) {
            items.add(new Item(i, r.offset(), size, "configuration", -1, c.machineType(), -1, -1,
                    "machine type " + c.machineType(), 1, true));
        } else if (r instanceof StreamRecord.Command c) {
            commands++;
            String name = c.type() == null ? "cmd " + c.code() : c.type().name();
            String data = c.data().length <= 16 ? HexFormat.of().formatHex(c.data())
                    : HexFormat.of().formatHex(c.data(), 0, 16) + "...";
            items.add(new Item(i, r.offset(), size, "command", -1, name, -1, -1, c.data().length + " data bytes"
                    + (c.data().length > 0 ? " " + data : "") + (c.packaged().isEmpty() ? ""
                    : ", " + c.packaged().size() + " packaged records"), 1, true));
        } else if (r instanceof StreamRecord.Eof) {
            items.add(new Item(i, r.offset(), size, "eof", -1, "EOF", -1, -1, "end of the section list", 1, true));
        } else if (r instanceof StreamRecord.VmDescription d) {
            items.add(new Item(i, r.offset(), size, "trailer", -1, "VMDESCRIPTION", -1, -1,
                    (size - 5) + " bytes of JSON, " + describedDevices(d) + " devices described", 1, true));
        }
    }

    private static String payloadDetail(SectionPayload p) {
        if (p instanceof RamPayload rp) {
            long page = 0;
            long zero = 0;
            long xbzrle = 0;
            long compressed = 0;
            int blocks = -1;
            for (RamRecord rr : rp.records()) {
                if (rr instanceof RamRecord.Page) {
                    page++;
                } else if (rr instanceof RamRecord.Zero) {
                    zero++;
                } else if (rr instanceof RamRecord.Xbzrle) {
                    xbzrle++;
                } else if (rr instanceof RamRecord.CompressedPage) {
                    compressed++;
                } else if (rr instanceof RamRecord.MemSize m) {
                    blocks = m.blocks().size();
                }
            }
            StringBuilder sb = new StringBuilder();
            sb.append(rp.records().size()).append(" ram records: ").append(page).append(" pages, ").append(zero)
                    .append(" zero");
            if (xbzrle > 0) {
                sb.append(", ").append(xbzrle).append(" xbzrle");
            }
            if (compressed > 0) {
                sb.append(", ").append(compressed).append(" compressed");
            }
            if (blocks >= 0) {
                sb.append(", MEM_SIZE with ").append(blocks).append(" RAMBlocks");
            }
            return sb.toString();
        }
        if (p instanceof VmStatePayload v) {
            return "vmsd " + v.description().name() + ", " + v.value().fields().size() + " fields, "
                    + v.origin().name().toLowerCase().replace('_', '-') + " description";
        }
        if (p instanceof OpaquePayload o) {
            return "undecoded: no description knows this section";
        }
        return p.getClass().getSimpleName();
    }

    private static int describedDevices(StreamRecord.VmDescription d) {
        if (d.json() instanceof JsonValue.JObject o) {
            for (JsonValue.Member m : o.members()) {
                if (m.key().equals("devices") && m.value() instanceof JsonValue.JArray a) {
                    return a.items().size();
                }
            }
        }
        return 0;
    }

    /**
     * The report: the records gathered, the blocks of {@code memory} binned by zero/content
     * pages, the pc/q35 map of {@code machineType}, and the vIOMMU replay over that memory.
     *
     * @param lead    facts to show first (file, sizes on disk, wrapper)
     * @param digests whether to compute each block's SHA-256 (as {@code qmig digest})
     */
    public StreamReport finish(String title, List<Fact> lead, GuestMemory memory, String machineType, Boolean footers,
                               boolean digests) {
        List<Fact> facts = new ArrayList<>(lead);
        facts.add(new Fact("stream-bytes", "Stream length", bytes(end)));
        facts.add(new Fact("version", "Stream version", header == null ? "?" : Integer.toString(header.version())));
        facts.add(new Fact("machine", "Machine type", machineType == null ? "(no configuration section)" : machineType));
        facts.add(new Fact("footers", "Section footers", Boolean.TRUE.equals(footers) ? "yes" : "no"));
        facts.add(new Fact("records", "Records after the header", Integer.toString(items.size() - 1)));
        facts.add(new Fact("sections", "Sections", sections + " (" + ramParts + " ram, " + (sections - ramParts)
                + " device; " + undecoded + " undecoded)"));
        if (commands > 0) {
            facts.add(new Fact("commands", "Commands", Integer.toString(commands)));
        }
        facts.add(new Fact("trailer", "VMDESCRIPTION trailer", trailer == null ? "absent"
                : String.format("at 0x%x, %d bytes, %d devices described", trailer.offset(), trailerBytes,
                describedDevices(trailer))));

        List<BlockView> blocks = new ArrayList<>();
        List<RangeView> ranges = new ArrayList<>();
        String mapNote = null;
        PhysicalMap map = null;
        long guest = 0;
        long content = 0;
        if (memory.blocks().isEmpty()) {
            mapNote = "the stream announced no RAMBlocks (no ram section)";
        } else if (machineType == null) {
            mapNote = "no machine type: the guest-physical layout is unknown";
        } else {
            try {
                map = PhysicalMap.forMachine(machineType, memory);
            } catch (IllegalArgumentException e) {
                mapNote = e.getMessage();
            }
        }
        Map<String, String> sha = new java.util.HashMap<>();
        if (digests) {
            for (BlockDigest d : BlockDigest.of(memory, EnumSet.of(BlockDigest.Algorithm.SHA256))) {
                sha.put(d.idstr(), d.hex().get(BlockDigest.Algorithm.SHA256));
            }
        }
        for (RamBlockImage b : memory.blocks()) {
            List<Placement> at = new ArrayList<>();
            if (map != null) {
                for (PhysicalMap.Range r : map.ranges()) {
                    if (r.block().equals(b.idstr())) {
                        at.add(new Placement(r.blockOffset(), r.gpa(), r.size(), r.name()));
                    }
                }
            }
            long pages = b.pageCount();
            long binPages = Math.max(1, (pages + BLOCK_BINS - 1) / BLOCK_BINS);
            int[] bins = bins(b, 0, b.usedLength(), binPages);
            guest += b.usedLength();
            content += b.nonZeroPages();
            blocks.add(new BlockView(b.idstr(), b.usedLength(), pages, b.nonZeroPages(), binPages, bins, at,
                    sha.get(b.idstr())));
        }
        if (map != null) {
            for (PhysicalMap.Range r : map.ranges()) {
                RamBlockImage b = memory.requireBlock(r.block());
                long pages = (r.size() + RamBlockImage.PAGE - 1) / RamBlockImage.PAGE;
                long binPages = Math.max(1, (pages + RANGE_BINS - 1) / RANGE_BINS);
                int[] bins = bins(b, r.blockOffset(), r.size(), binPages);
                long c = 0;
                for (int v : bins) {
                    c += v;
                }
                ranges.add(new RangeView(r.gpa(), r.size(), r.block(), r.blockOffset(), r.name(), c, binPages, bins));
            }
        }
        facts.add(new Fact("ram", "Guest RAM", blocks.size() + " RAMBlocks, " + bytes(guest) + "; "
                + content + " pages with content, " + (guest / RamBlockImage.PAGE - content) + " zero pages"));

        VtdReport vtd = null;
        String vtdNote = null;
        if (iommu == null) {
            vtdNote = "No vIOMMU: the stream has no iommu-intel section (the source had no intel-iommu device),"
                    + " so devices see guest-physical addresses directly.";
        } else if (map == null) {
            vtdNote = "The stream has an iommu-intel section, but without a guest-physical map its tables cannot be"
                    + " walked: " + mapNote;
        } else {
            try {
                IntelIommuState s = IntelIommuState.of(iommu.value());
                IntelIommu model = new IntelIommu(s, VtdConfig.inferFrom(s.csr()),
                        new GuestPhysicalDma(memory.physical(map)));
                vtd = VtdReport.of(model, true);
            } catch (VtdException | RuntimeException e) {
                vtdNote = "The vIOMMU replay failed: " + e.getMessage();
            }
        }
        facts.add(new Fact("viommu", "vIOMMU", vtd != null ? String.format("intel-iommu, %s mode, DMA translation %s,"
                + " %d devices, %d mappings", vtd.rootScalable() ? "scalable" : "legacy",
                vtd.state().dmarEnabled() ? "on" : "off", vtd.devices().size(), vtd.totalMappings())
                : iommu == null ? "none" : "present, not replayed"));

        List<Item> shown = cap(items);
        return new StreamReport(title, facts, shown, end, items.size() - shown.stream().mapToLong(Item::count).sum(),
                blocks, ranges, mapNote, vtd, vtdNote);
    }

    /** Content pages per bin of {@code binPages} pages over {@code [from, from + len)} of a block. */
    static int[] bins(RamBlockImage b, long from, long len, long binPages) {
        long pages = (len + RamBlockImage.PAGE - 1) / RamBlockImage.PAGE;
        int n = (int) Math.max(0, (pages + binPages - 1) / binPages);
        int[] out = new int[n];
        if (b.nonZeroPages() == 0) {
            return out;
        }
        for (long p = 0; p < pages; p++) {
            if (!b.isZeroPage(from + p * RamBlockImage.PAGE)) {
                out[(int) (p / binPages)]++;
            }
        }
        return out;
    }

    /** At most {@link #MAX_ITEMS}: consecutive records of one section and kind merge first. */
    static List<Item> cap(List<Item> all) {
        if (all.size() <= MAX_ITEMS) {
            return all;
        }
        List<Item> merged = new ArrayList<>();
        for (Item it : all) {
            Item last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
            if (last != null && it.isSection() && last.kind().equals(it.kind()) && last.sectionId() == it.sectionId()
                    && last.idstr().equals(it.idstr()) && last.offset() + last.size() == it.offset()) {
                int count = last.count() + it.count();
                merged.set(merged.size() - 1, new Item(last.index(), last.offset(), last.size() + it.size(), last.kind(),
                        last.sectionId(), last.idstr(), last.instance(), last.version(), count + " consecutive "
                        + last.kind().toUpperCase() + " records", count, last.decoded() && it.decoded()));
            } else {
                merged.add(it);
            }
        }
        return merged.size() <= MAX_ITEMS ? merged : List.copyOf(merged.subList(0, MAX_ITEMS));
    }

    static String bytes(long n) {
        if (n >= 1L << 30) {
            return String.format(java.util.Locale.ROOT, "%,d bytes (%.2f GiB)", n, n / (double) (1L << 30));
        }
        if (n >= 1L << 20) {
            return String.format(java.util.Locale.ROOT, "%,d bytes (%.2f MiB)", n, n / (double) (1L << 20));
        }
        if (n >= 1L << 10) {
            return String.format(java.util.Locale.ROOT, "%,d bytes (%.1f KiB)", n, n / 1024.0);
        }
        return String.format(java.util.Locale.ROOT, "%,d bytes", n);
    }
}
