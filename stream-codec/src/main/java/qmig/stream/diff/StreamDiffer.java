package qmig.stream.diff;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import qmig.stream.diff.StreamDiff.BlockDiff;
import qmig.stream.diff.StreamDiff.ConfigDiff;
import qmig.stream.diff.StreamDiff.FieldDiff;
import qmig.stream.diff.StreamDiff.HeaderDiff;
import qmig.stream.diff.StreamDiff.Moved;
import qmig.stream.diff.StreamDiff.SectionListDiff;
import qmig.stream.diff.StreamDiff.SectionRef;
import qmig.stream.diff.StreamDiff.VersionChange;
import qmig.stream.grammar.MigrationStream;
import qmig.stream.grammar.OpaquePayload;
import qmig.stream.grammar.RamPayload;
import qmig.stream.grammar.ReaderOptions;
import qmig.stream.grammar.SectionHeader;
import qmig.stream.grammar.SectionPayload;
import qmig.stream.grammar.StreamHeader;
import qmig.stream.grammar.StreamReader;
import qmig.stream.grammar.StreamRecord;
import qmig.stream.grammar.VmStatePayload;
import qmig.stream.memory.GuestMemory;
import qmig.stream.memory.MemoryOptions;
import qmig.stream.memory.RamLoader;
import qmig.stream.vmstate.VmStateValue;
import qmig.stream.wire.WireReader;

/**
 * Compares two streams. Each is read once into a {@link Side} (its records without page bytes,
 * and its pages' digests), then the two sides are compared: memory is O(sections + pages × 16
 * bytes) per side, never the guest RAM of both.
 */
public final class StreamDiffer {

    /** Sections with more common entries than this get a positional reorder check instead of an LCS. */
    private static final int LCS_LIMIT = 4096;

    private StreamDiffer() {
    }

    /** Opens a stream afresh with the given options and hands its reader over. */
    @FunctionalInterface
    public interface StreamSource {
        void read(ReaderOptions options, ReaderUse use) throws IOException;
    }

    /** Reads a stream from its header. */
    @FunctionalInterface
    public interface ReaderUse {
        void accept(StreamReader reader) throws IOException;
    }

    /** A stream in memory. */
    public static StreamSource of(byte[] stream) {
        return (o, use) -> use.accept(new StreamReader(WireReader.of(stream), o));
    }

    /** One stream, read: records (page bytes dropped) and the final RAM as digests. */
    public record Side(MigrationStream stream, PageDigests pages) {
    }

    /**
     * Reads a stream with {@code base}'s limits and descriptions. A stream with XBZRLE pages is
     * read a second time through a {@link GuestMemory} (heap, sparse) whose digests are taken
     * and which is then released.
     */
    public static Side read(StreamSource source, ReaderOptions base, long maxGuestBytes) throws IOException {
        try (PageDigests d = new PageDigests(maxGuestBytes)) {
            return new Side(readSlim(source, base.withPages(d, false)), d);
        } catch (PageDigests.NeedsContent e) {
            try (GuestMemory m = GuestMemory.create(MemoryOptions.heap().withMaxGuestBytes(maxGuestBytes));
                 RamLoader l = new RamLoader(m)) {
                MigrationStream s = readSlim(source, base.withPages(l, false));
                return new Side(s, PageDigests.of(m));
            }
        }
    }

    /**
     * Reads the whole stream as {@link MigrationStream#readAll} does, but keeps no RAM records
     * (the sink has the pages): the records left are O(sections), not O(pages).
     */
    private static MigrationStream readSlim(StreamSource source, ReaderOptions options) throws IOException {
        MigrationStream[] out = new MigrationStream[1];
        source.read(options, r -> {
            StreamHeader h = r.readHeader();
            List<StreamRecord> records = new ArrayList<>();
            for (StreamRecord rec; (rec = r.next()) != null; ) {
                if (rec instanceof StreamRecord.Section sec && sec.payload() instanceof RamPayload) {
                    rec = MigrationStream.withPayload(rec, NO_RAM);
                }
                records.add(rec);
            }
            Map<Long, SectionPayload> resolved = r.resolveHeld();
            for (int i = 0; i < records.size() && !resolved.isEmpty(); i++) {
                SectionPayload p = resolved.get(records.get(i).offset());
                if (p != null) {
                    records.set(i, MigrationStream.withPayload(records.get(i), p));
                }
            }
            out[0] = new MigrationStream(h, records, Boolean.TRUE.equals(r.footers()));
        });
        if (out[0] == null) {
            throw new IllegalStateException("the stream source did not read the stream");
        }
        return out[0];
    }

    private static final RamPayload NO_RAM = new RamPayload(List.of());

    /** Reads A, then B, and compares them. */
    public static StreamDiff diff(StreamSource a, StreamSource b, ReaderOptions base, int maxRanges) throws IOException {
        Side sa = read(a, base, MemoryOptions.DEFAULT_MAX_GUEST_BYTES);
        Side sb = read(b, base, MemoryOptions.DEFAULT_MAX_GUEST_BYTES);
        return diff(sa, sb, maxRanges);
    }

    /**
     * @param maxRanges the most page runs kept per block (all are counted)
     */
    public static StreamDiff diff(Side a, Side b, int maxRanges) {
        MigrationStream sa = a.stream();
        MigrationStream sb = b.stream();
        HeaderDiff header = new HeaderDiff(sa.header().version(), sb.header().version(), sa.footers(), sb.footers(),
                sa.complete(), sb.complete());
        Map<String, Sec> secA = sections(sa);
        Map<String, Sec> secB = sections(sb);
        return new StreamDiff(header, config(sa, sb), sectionList(secA, secB), fields(secA, secB),
                ram(a.pages(), b.pages(), maxRanges));
    }

    // ---- sections -----------------------------------------------------------------------------

    /** A section's records, in stream order. */
    private record Part(long payloadOffset, SectionPayload payload) {
    }

    private record Sec(SectionRef ref, List<Part> parts) {
    }

    private static Map<String, Sec> sections(MigrationStream s) {
        Map<String, Sec> out = new LinkedHashMap<>();
        collect(s.records(), out);
        return out;
    }

    private static void collect(List<StreamRecord> records, Map<String, Sec> out) {
        for (StreamRecord r : records) {
            if (r instanceof StreamRecord.Command c) {
                collect(c.packaged(), out);
            } else if (r instanceof StreamRecord.Section sec) {
                SectionHeader h = sec.header();
                SectionRef ref = new SectionRef(h.idstr(), Integer.toUnsignedLong(h.instanceId()), h.unsignedId(),
                        h.versionId(), r.offset());
                Sec e = out.computeIfAbsent(ref.key(), k -> new Sec(ref, new ArrayList<>()));
                e.parts().add(new Part(r.offset() + headerLength(r, h), sec.payload()));
            }
        }
    }

    /** START/FULL: type, be32 id, cstr8 idstr, be32 instance, be32 version; PART/END: type, be32 id. */
    private static long headerLength(StreamRecord r, SectionHeader h) {
        if (r instanceof StreamRecord.SectionStart || r instanceof StreamRecord.SectionFull) {
            return 1 + 4 + 1 + h.idstr().getBytes(StandardCharsets.ISO_8859_1).length + 4 + 4;
        }
        return 1 + 4;
    }

    private static SectionListDiff sectionList(Map<String, Sec> a, Map<String, Sec> b) {
        List<SectionRef> missing = new ArrayList<>();
        List<SectionRef> extra = new ArrayList<>();
        List<VersionChange> versions = new ArrayList<>();
        List<String> commonA = new ArrayList<>();
        for (Sec s : a.values()) {
            Sec o = b.get(s.ref().key());
            if (o == null) {
                missing.add(s.ref());
            } else {
                commonA.add(s.ref().key());
                if (o.ref().version() != s.ref().version()) {
                    versions.add(new VersionChange(s.ref(), o.ref()));
                }
            }
        }
        List<String> commonB = new ArrayList<>();
        for (Sec s : b.values()) {
            if (!a.containsKey(s.ref().key())) {
                extra.add(s.ref());
            } else {
                commonB.add(s.ref().key());
            }
        }
        List<Moved> moved = new ArrayList<>();
        java.util.Set<String> kept = inOrder(commonA, commonB);
        Map<String, Integer> indexB = new HashMap<>();
        for (int i = 0; i < commonB.size(); i++) {
            indexB.put(commonB.get(i), i);
        }
        for (int i = 0; i < commonA.size(); i++) {
            String k = commonA.get(i);
            if (!kept.contains(k)) {
                moved.add(new Moved(a.get(k).ref(), b.get(k).ref(), i, indexB.get(k)));
            }
        }
        return new SectionListDiff(a.size(), b.size(), missing, extra, moved, versions);
    }

    /** The keys in a longest common subsequence of both orders (the ones that did not move). */
    private static java.util.Set<String> inOrder(List<String> x, List<String> y) {
        java.util.Set<String> out = new java.util.HashSet<>();
        int n = x.size();
        if (n > LCS_LIMIT) {
            for (int i = 0; i < n; i++) {
                if (x.get(i).equals(y.get(i))) {
                    out.add(x.get(i));
                }
            }
            return out;
        }
        int[][] l = new int[n + 1][n + 1];
        for (int i = n - 1; i >= 0; i--) {
            for (int j = n - 1; j >= 0; j--) {
                l[i][j] = x.get(i).equals(y.get(j)) ? l[i + 1][j + 1] + 1 : Math.max(l[i + 1][j], l[i][j + 1]);
            }
        }
        for (int i = 0, j = 0; i < n && j < n; ) {
            if (x.get(i).equals(y.get(j))) {
                out.add(x.get(i));
                i++;
                j++;
            } else if (l[i + 1][j] >= l[i][j + 1]) {
                i++;
            } else {
                j++;
            }
        }
        return out;
    }

    // ---- fields -------------------------------------------------------------------------------

    private static ConfigDiff config(MigrationStream a, MigrationStream b) {
        StreamRecord.Configuration ca = configuration(a);
        StreamRecord.Configuration cb = configuration(b);
        List<FieldDiff> fields = new ArrayList<>();
        if (ca != null && cb != null) {
            List<FieldLeaf> la = leaves(ca);
            List<FieldLeaf> lb = leaves(cb);
            la.removeIf(f -> f.path().equals("len") || f.path().equals("name"));
            lb.removeIf(f -> f.path().equals("len") || f.path().equals("name"));
            fields.addAll(compare("configuration", la, lb, true));
        }
        return new ConfigDiff(ca == null ? null : ca.machineType(), cb == null ? null : cb.machineType(), fields);
    }

    private static StreamRecord.Configuration configuration(MigrationStream s) {
        for (StreamRecord r : s.records()) {
            if (r instanceof StreamRecord.Configuration c) {
                return c;
            }
        }
        return null;
    }

    private static List<FieldLeaf> leaves(StreamRecord.Configuration c) {
        VmStatePayload p = c.payload();
        return new ArrayList<>(FieldLeaf.of(p.description(), p.version(), p.value(), c.offset() + 1));
    }

    private static List<FieldDiff> fields(Map<String, Sec> a, Map<String, Sec> b) {
        List<FieldDiff> out = new ArrayList<>();
        for (Sec s : a.values()) {
            Sec o = b.get(s.ref().key());
            if (o == null) {
                continue;
            }
            List<FieldLeaf> la = leaves(s);
            List<FieldLeaf> lb = leaves(o);
            List<FieldDiff> d = compare(s.ref().key(), la, lb, false);
            if (!d.isEmpty()) {
                out.add(d.get(0));
            }
        }
        return out;
    }

    /** Every non-RAM record of a section as leaves; a section of several records prefixes {@code #i }. */
    private static List<FieldLeaf> leaves(Sec s) {
        List<Part> parts = new ArrayList<>();
        for (Part p : s.parts()) {
            if (!(p.payload() instanceof RamPayload)) {
                parts.add(p);
            }
        }
        List<FieldLeaf> out = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            String prefix = parts.size() == 1 ? "" : "#" + i + " ";
            Part p = parts.get(i);
            if (p.payload() instanceof VmStatePayload v) {
                for (FieldLeaf f : FieldLeaf.of(v.description(), v.version(), v.value(), p.payloadOffset())) {
                    out.add(prefix.isEmpty() ? f : new FieldLeaf(prefix + f.path(), f.value(), f.offset()));
                }
            } else if (p.payload() instanceof OpaquePayload o) {
                // undecoded: one leaf per byte, named by its index in the payload
                byte[] bytes = o.bytes();
                for (int k = 0; k < bytes.length; k++) {
                    out.add(new FieldLeaf(prefix + "bytes[" + k + "]", new VmStateValue.Int(bytes[k] & 0xff, 1, false),
                            p.payloadOffset() + k));
                }
            }
        }
        return out;
    }

    /**
     * Leaves differing by value or present on one side only, in A's order then B's extra ones.
     * With {@code all} false only the first is returned, with the count of the others.
     */
    private static List<FieldDiff> compare(String section, List<FieldLeaf> a, List<FieldLeaf> b, boolean all) {
        Map<String, FieldLeaf> byPath = new LinkedHashMap<>();
        for (FieldLeaf f : b) {
            byPath.put(f.path(), f);
        }
        List<FieldDiff> out = new ArrayList<>();
        FieldDiff first = null;
        long count = 0;
        for (FieldLeaf f : a) {
            FieldLeaf o = byPath.remove(f.path());
            if (o == null || !f.value().equals(o.value())) {
                count++;
                FieldDiff d = new FieldDiff(section, f.path(), f.value(), o == null ? null : o.value(), f.offset(),
                        o == null ? -1 : o.offset(), 0);
                if (all) {
                    out.add(d);
                } else if (first == null) {
                    first = d;
                }
            }
        }
        for (FieldLeaf o : byPath.values()) {
            count++;
            FieldDiff d = new FieldDiff(section, o.path(), null, o.value(), -1, o.offset(), 0);
            if (all) {
                out.add(d);
            } else if (first == null) {
                first = d;
            }
        }
        if (all || first == null) {
            return out;
        }
        return List.of(new FieldDiff(first.section(), first.path(), first.a(), first.b(), first.offsetA(),
                first.offsetB(), count - 1));
    }

    // ---- RAM ----------------------------------------------------------------------------------

    private static List<BlockDiff> ram(PageDigests a, PageDigests b, int maxRanges) {
        List<BlockDiff> out = new ArrayList<>();
        Map<String, Long> ba = a.blocks();
        Map<String, Long> bb = b.blocks();
        for (Map.Entry<String, Long> e : ba.entrySet()) {
            Long lb = bb.get(e.getKey());
            if (lb == null) {
                out.add(new BlockDiff(e.getKey(), e.getValue(), -1, 0, 0, List.of()));
                continue;
            }
            PageDigests.BlockCompare c = PageDigests.compare(a.table(e.getKey()), b.table(e.getKey()), maxRanges);
            if (c.differingPages() > 0 || lb.longValue() != e.getValue().longValue()) {
                out.add(new BlockDiff(e.getKey(), e.getValue(), lb, c.differingPages(), c.runs(), c.ranges()));
            }
        }
        for (Map.Entry<String, Long> e : bb.entrySet()) {
            if (!ba.containsKey(e.getKey())) {
                out.add(new BlockDiff(e.getKey(), -1, e.getValue(), 0, 0, List.of()));
            }
        }
        return out;
    }
}
