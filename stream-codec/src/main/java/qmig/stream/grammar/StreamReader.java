package qmig.stream.grammar;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import qmig.stream.json.Json;
import qmig.stream.json.JsonValue;
import qmig.stream.ram.RamChannelState;
import qmig.stream.ram.RamRecord;
import qmig.stream.ram.RamSectionCodec;
import qmig.stream.vmdesc.DumpVmstateSchema;
import qmig.stream.vmdesc.VmDescriptionIndex;
import qmig.stream.vmstate.BuiltinDescriptions;
import qmig.stream.vmstate.DescriptionSource;
import qmig.stream.vmstate.VmStateCodec;
import qmig.stream.vmstate.VmStateDescription;
import qmig.stream.vmstate.VmStateValue;
import qmig.stream.wire.Limits;
import qmig.stream.wire.StreamFormatException;
import qmig.stream.wire.WireReader;

/**
 * Reads a migration stream record by record, the way QEMU 7.2's {@code qemu_loadvm_state}
 * walks it (spec/stream.md §2, §10), without needing the whole stream in memory.
 *
 * <pre>
 *   stream  := header [configuration] record* eof [trailer]
 *   header  := be32 0x5145564D  be32 3
 *   record  := (01|04) be32 id cstr8 idstr be32 instance be32 version payload [7e be32 id]
 *            | (02|03) be32 id payload [7e be32 id]
 *            | 08 be16 cmd be16 len bytes(len)
 *   eof     := 00          trailer := 06 be32 len json
 * </pre>
 *
 * <p>Section payloads have no length on the wire. {@code ram} is framed by its own records.
 * A device section is decoded with the first exact description found (built-in, or the
 * stream's trailer when the caller located it first); otherwise it is framed by its footer and
 * decoded with the first schema candidate that consumes it exactly; failing that it is held as
 * an {@link OpaquePayload} and decoded from the trailer once that arrives
 * ({@link #resolveHeld()}). Footers are detected after the first section, as QEMU's own
 * reader decides from its machine type.
 */
public final class StreamReader {

    private enum Phase { HEADER, CONFIGURATION, BODY, AFTER_EOF, DONE }

    private final WireReader in;
    private final ReaderOptions opt;
    private final Limits limits;
    private final VmStateCodec vmstate;
    private final RamSectionCodec ram;
    private final RamChannelState ramState = new RamChannelState();
    private final Map<Integer, SectionHeader> started = new HashMap<>();
    private final List<Held> held = new ArrayList<>();
    private final boolean packaged;

    private Phase phase;
    private Boolean footers;
    private VmDescriptionIndex trailerIndex;
    private boolean trailerPrelocated;
    private DescriptionSource bundled;
    private boolean bundledLoaded;
    private String machineType;
    /** How many PACKAGED commands enclose this reader (0 for the stream itself). */
    private final int packageDepth;

    /** A device section kept as bytes until the trailer describes it. */
    public record Held(long recordOffset, SectionHeader header, long payloadOffset, byte[] bytes) {
    }

    public StreamReader(WireReader in, ReaderOptions options) {
        this(in, options, false);
    }

    private StreamReader(WireReader in, ReaderOptions options, boolean packaged) {
        this(in, options, packaged, 0);
    }

    private StreamReader(WireReader in, ReaderOptions options, boolean packaged, int packageDepth) {
        this.packageDepth = packageDepth;
        this.in = in;
        this.opt = options;
        this.limits = options.limits();
        this.vmstate = new VmStateCodec(limits);
        this.ram = new RamSectionCodec(limits, options.pageSink(), options.retainPages());
        this.packaged = packaged;
        this.phase = packaged ? Phase.BODY : Phase.HEADER;
    }

    /**
     * A reader over a stream file: its trailer, if it has one, is located from the end and
     * parsed first (so device sections decode with the source's own descriptions), then the file
     * is read forward through memory mappings from its start.
     */
    public static StreamReader forFile(java.nio.channels.FileChannel ch, ReaderOptions options) throws IOException {
        return forFile(ch, 0, options);
    }

    /**
     * The same for a stream that starts at {@code fileOffset} of the file (after a wrapper
     * header) and runs to its end; offsets in records and errors are counted from the stream's start.
     */
    public static StreamReader forFile(java.nio.channels.FileChannel ch, long fileOffset, ReaderOptions options)
            throws IOException {
        long t = TrailerLocator.locate(ch, fileOffset, options.limits().maxVmDescriptionBytes());
        JsonValue tree = null;
        if (t >= 0) {
            byte[] json = new byte[(int) (ch.size() - fileOffset - t - 5)];
            java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(json);
            while (bb.hasRemaining() && ch.read(bb, fileOffset + t + 5 + bb.position()) >= 0) {
                // read the whole tail
            }
            tree = Json.parse(json, 0, json.length, t + 5, options.limits().maxNestingDepth());
        }
        StreamReader r = new StreamReader(WireReader.mapped(ch, fileOffset), options);
        if (tree != null) {
            r.useTrailer(tree, t + 5);
        }
        return r;
    }

    /** Uses the source's own descriptions while reading forward (a trailer located in advance). */
    public void useTrailer(JsonValue trailer) throws StreamFormatException {
        useTrailer(trailer, -1);
    }

    /** As {@link #useTrailer(JsonValue)}; errors about the tree are placed at {@code jsonOffset}, the JSON's first byte. */
    public void useTrailer(JsonValue trailer, long jsonOffset) throws StreamFormatException {
        this.trailerIndex = index(trailer, jsonOffset);
        this.trailerPrelocated = true;
    }

    /** The trailer's index; an error about the tree (it has no byte offset) is placed at the JSON's start. */
    private static VmDescriptionIndex index(JsonValue trailer, long jsonOffset) throws StreamFormatException {
        try {
            return VmDescriptionIndex.of(trailer);
        } catch (StreamFormatException e) {
            throw e.offset() < 0 && jsonOffset >= 0 ? e.at(qmig.stream.wire.Where.at(jsonOffset)) : e;
        }
    }

    public WireReader wire() {
        return in;
    }

    /** Whether sections carry footers: null until the first section has been read. */
    public Boolean footers() {
        return footers;
    }

    /** The machine type from the configuration section, or null. */
    public String machineType() {
        return machineType;
    }

    /** Sections still held as bytes (no description has decoded them yet). */
    public List<Held> held() {
        return List.copyOf(held);
    }

    // ---- header ----------------------------------------------------------------------------

    /** Reads and checks the 8-byte header (stream.md §3). */
    public StreamHeader readHeader() throws IOException {
        if (phase != Phase.HEADER) {
            throw new IllegalStateException("header already read");
        }
        long at = in.position();
        int magic = in.be32("file magic");
        if (magic != StreamHeader.MAGIC) {
            throw StreamFormatException.corrupt(at, "Not a migration stream: expected magic 0x5145564d (\"QEVM\"), found 0x"
                    + Integer.toHexString(magic));
        }
        int version = in.be32("file version");
        if (version == StreamHeader.VERSION_COMPAT) {
            throw StreamFormatException.unsupportedVersion(at + 4,
                    "SaveVM v2 format is obsolete (stream version 2, refused by QEMU since 0.12); only version 3 is read");
        }
        if (version != StreamHeader.VERSION) {
            throw StreamFormatException.unsupportedVersion(at + 4,
                    "Unsupported migration stream version: expected 0x3, found 0x" + Integer.toHexString(version));
        }
        phase = Phase.CONFIGURATION;
        return StreamHeader.V3;
    }

    // ---- records ---------------------------------------------------------------------------

    /**
     * The next record, or null when the stream ended where it may: after EOF with or without a
     * trailer (a packaged sub-stream: at the end of its bytes).
     */
    public StreamRecord next() throws IOException {
        switch (phase) {
            case HEADER -> throw new IllegalStateException("readHeader() first");
            case DONE -> {
                return null;
            }
            case AFTER_EOF -> {
                return readTrailer();
            }
            default -> { }
        }
        long at = in.position();
        if (in.atEnd()) {
            if (packaged) {
                phase = Phase.DONE;
                return null;
            }
            throw StreamFormatException.truncated(at, "record type (the stream ended before QEMU_VM_EOF)", 1, 0);
        }
        int type = in.u8("record type");
        SectionType t = SectionType.fromCode(type);
        boolean first = phase == Phase.CONFIGURATION;
        phase = Phase.BODY;
        if (t == null) {
            throw StreamFormatException.corrupt(at, "Unknown savevm section type " + type + " (0x" + Integer.toHexString(type) + ")");
        }
        return switch (t) {
            case CONFIGURATION -> {
                if (!first || packaged) {
                    throw StreamFormatException.corrupt(at, "configuration section (0x07) is only allowed right after the header");
                }
                yield readConfiguration(at);
            }
            case SECTION_START, SECTION_FULL -> readFullSection(at, t);
            case SECTION_PART, SECTION_END -> readShortSection(at, t);
            case COMMAND -> readCommand(at);
            case EOF -> {
                phase = packaged ? Phase.DONE : Phase.AFTER_EOF;
                yield new StreamRecord.Eof(at);
            }
            case SUBSECTION, VMDESCRIPTION, SECTION_FOOTER -> throw StreamFormatException.corrupt(at,
                    "Unknown savevm section type " + type + ": 0x" + Integer.toHexString(type)
                            + " is not allowed in the section list");
        };
    }

    private StreamRecord readConfiguration(long at) throws IOException {
        VmStateDescription d = BuiltinDescriptions.CONFIGURATION;
        VmStateValue.Struct v;
        try {
            v = vmstate.load(in, d, d.versionId());
        } catch (StreamFormatException e) {
            throw e.inSection(-1, "configuration", 0);
        }
        StreamRecord.Configuration c = new StreamRecord.Configuration(at,
                new VmStatePayload(d, d.versionId(), v, DescriptionOrigin.BUILT_IN));
        machineType = c.machineType();
        return c;
    }

    private StreamRecord readFullSection(long at, SectionType t) throws IOException {
        int id = in.be32("section id");
        long nameAt = in.position();
        String idstr = in.cstr8("section idstr");
        if (idstr.isEmpty()) {
            throw StreamFormatException.corrupt(nameAt, "section " + Integer.toUnsignedString(id) + ": empty idstr");
        }
        int instance = in.be32("instance id");
        int version = in.be32("version id");
        SectionHeader h = new SectionHeader(t, id, idstr, instance, version);
        if (t == SectionType.SECTION_START) {
            started.put(id, h);
        }
        SectionPayload p = readPayload(at, h);
        boolean f = readFooter(h);
        return t == SectionType.SECTION_START ? new StreamRecord.SectionStart(at, h, p, f)
                : new StreamRecord.SectionFull(at, h, p, f);
    }

    private StreamRecord readShortSection(long at, SectionType t) throws IOException {
        int id = in.be32("section id");
        SectionHeader s = started.get(id);
        if (s == null) {
            throw StreamFormatException.unknownSection(qmig.stream.wire.Where.at(at),
                    "Unknown savevm section " + Integer.toUnsignedString(id) + " (a "
                            + (t == SectionType.SECTION_PART ? "PART" : "END") + " record with no START before it)");
        }
        SectionHeader h = new SectionHeader(t, id, s.idstr(), s.instanceId(), s.versionId());
        SectionPayload p = readPayload(at, h);
        boolean f = readFooter(h);
        return t == SectionType.SECTION_PART ? new StreamRecord.SectionPart(at, h, p, f)
                : new StreamRecord.SectionEnd(at, h, p, f);
    }

    // ---- payloads --------------------------------------------------------------------------

    private SectionPayload readPayload(long recordAt, SectionHeader h) throws IOException {
        try {
            if (h.idstr().equals("ram") && h.instanceId() == 0) {
                if (h.versionId() != 4) {
                    throw StreamFormatException.unsupportedVersion(recordAt,
                            "ram section version " + h.versionId() + " (QEMU 7.2 reads only version 4)");
                }
                List<RamRecord> records = ram.read(in, ramState);
                return new RamPayload(records);
            }
            return readDevicePayload(recordAt, h);
        } catch (StreamFormatException e) {
            throw e.inSection(h.unsignedId(), h.idstr(), h.instanceId() & 0xffffffffL);
        }
    }

    private SectionPayload readDevicePayload(long recordAt, SectionHeader h) throws IOException {
        // 1. exact descriptions: decode straight from the stream, the footer check follows
        if (h.isFull()) {
            List<VmStateDescription> builtin = BuiltinDescriptions.source()
                    .candidates(h.idstr(), h.instanceId(), h.versionId());
            if (!builtin.isEmpty()) {
                VmStateDescription d = builtin.get(0);
                return new VmStatePayload(d, h.versionId(), vmstate.load(in, d, h.versionId()), DescriptionOrigin.BUILT_IN);
            }
            if (trailerPrelocated) {
                long size = trailerIndex.opaqueSize(h.idstr(), h.instanceId());
                if (size >= 0) {
                    Limits.check(in.position(), "old-style section payload", size, limits.maxBufferBytes(), "Limits.maxBufferBytes");
                    return new OpaquePayload(in.bytes((int) size, "section payload"), "old-style section (trailer gives its size only)");
                }
                List<VmStateDescription> fromTrailer = trailerIndex.candidates(h.idstr(), h.instanceId(), h.versionId());
                if (!fromTrailer.isEmpty()) {
                    VmStateDescription d = fromTrailer.get(0);
                    return new VmStatePayload(d, h.versionId(), vmstate.load(in, d, h.versionId()), DescriptionOrigin.TRAILER);
                }
            }
        }
        // 2. schemas: frame by the footer, keep the first candidate that consumes it exactly
        List<VmStateDescription> candidates = new ArrayList<>();
        if (h.isFull()) {
            for (DescriptionSource s : opt.schemas()) {
                candidates.addAll(s.candidates(h.idstr(), h.instanceId(), h.versionId()));
            }
            DescriptionSource b = bundledSchema();
            if (b != null) {
                candidates.addAll(b.candidates(h.idstr(), h.instanceId(), h.versionId()));
            }
        }
        if (Boolean.FALSE.equals(footers)) {
            if (candidates.isEmpty()) {
                throw StreamFormatException.unknownSection(qmig.stream.wire.Where.at(recordAt),
                        "cannot frame the section: " + notCovered(h) + " (and the stream has no section footers)");
            }
            VmStateDescription d = candidates.get(0);
            return new VmStatePayload(d, h.versionId(), vmstate.load(in, d, h.versionId()), DescriptionOrigin.SCHEMA);
        }
        long payloadAt = in.position();
        byte[] bytes = new Framer(h.sectionId()).frame();
        for (VmStateDescription d : candidates) {
            VmStatePayload p = tryDecode(d, h.versionId(), bytes, payloadAt, DescriptionOrigin.SCHEMA);
            if (p != null) {
                return p;
            }
        }
        held.add(new Held(recordAt, h, payloadAt, bytes));
        return new OpaquePayload(bytes, candidates.isEmpty()
                ? notCovered(h)
                : "no schema layout of '" + SectionHeader.vmsdNameOf(h.idstr()) + "' version " + h.versionId()
                  + " fits its " + bytes.length + " bytes");
    }

    /**
     * Why no description covers {@code h}: what each schema consulted covers (QEMU's
     * {@code -dump-vmstate} of the source is the remedy), or that there was none.
     */
    private String notCovered(SectionHeader h) throws IOException {
        List<String> parts = new ArrayList<>();
        List<VmStateDescription> builtin = BuiltinDescriptions.named(h.vmsdName());
        if (!builtin.isEmpty()) {
            parts.add("the built-in description covers '" + h.vmsdName() + "' versions " + builtin.get(0).minimumVersionId()
                    + " to " + builtin.get(0).versionId());
        }
        for (DescriptionSource s : opt.schemas()) {
            String c = s.coverage(h.idstr());
            if (c != null) {
                parts.add(c);
            }
        }
        DescriptionSource b = bundledSchema();
        if (b != null) {
            parts.add(b.coverage(h.idstr()));
        }
        String what = "section '" + h.idstr() + "' instance " + Integer.toUnsignedString(h.instanceId()) + " version "
                + h.versionId();
        if (parts.isEmpty()) {
            return "no description for " + what + " (no trailer entry, no schema)";
        }
        return what + " is not covered: " + String.join("; ", parts)
                + "; give the source QEMU's -dump-vmstate file with --schema";
    }

    private VmStatePayload tryDecode(VmStateDescription d, int version, byte[] bytes, long at, DescriptionOrigin origin) {
        try {
            WireReader r = WireReader.of(bytes, 0, bytes.length, at);
            VmStateValue.Struct v = vmstate.load(r, d, version);
            return r.atEnd() ? new VmStatePayload(d, version, v, origin) : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private DescriptionSource bundledSchema() throws IOException {
        if (!bundledLoaded) {
            bundledLoaded = true;
            if (opt.bundledSchema() && machineType != null) {
                bundled = DumpVmstateSchema.bundled(machineType);
            }
        }
        return bundled;
    }

    /**
     * Frames a section by scanning for its footer {@code 7e be32 id} followed by something
     * that can start the next record (or the end of input). The bytes before it are the payload.
     */
    private final class Framer {
        private final int id;
        private final long start;
        private byte[] acc = new byte[256];
        private int n;

        Framer(int id) {
            this.id = id;
            this.start = in.position();
        }

        byte[] frame() throws IOException {
            while (true) {
                int b = in.peek(0);
                if (b < 0) {
                    throw StreamFormatException.truncated(start, "section payload (no section footer 7e "
                            + String.format("%08x", id) + " before the end of input)", n + 5L, n);
                }
                if (b == 0x7e && footerAt() && plausibleNext()) {
                    return Arrays.copyOf(acc, n);
                }
                Limits.check(start, "section payload held until its footer", n + 1L, limits.maxHeldSectionBytes(),
                        "Limits.maxHeldSectionBytes");
                if (n == acc.length) {
                    acc = Arrays.copyOf(acc, acc.length * 2);
                }
                acc[n++] = (byte) in.u8("section payload");
            }
        }

        private boolean footerAt() throws IOException {
            for (int i = 0; i < 4; i++) {
                if (in.peek(1 + i) != ((id >>> (24 - 8 * i)) & 0xff)) {
                    return false;
                }
            }
            return true;
        }

        /** Can the byte after the footer start a record? End of input counts (a cut stream). */
        private boolean plausibleNext() throws IOException {
            int t = in.peek(5);
            if (t < 0) {
                return true;
            }
            switch (t) {
                case 0x00: {
                    int after = in.peek(6);
                    return after < 0 || (after == 0x06 && (in.peek(11) == '{' || in.peek(11) < 0));
                }
                case 0x01:
                case 0x04: {
                    int len = in.peek(10);
                    if (len < 0) {
                        return true;
                    }
                    if (len == 0) {
                        return false;
                    }
                    for (int i = 0; i < len; i++) {
                        int c = in.peek(11 + i);
                        if (c < 0) {
                            return true;
                        }
                        if (c < 0x20 || c > 0x7e) {
                            return false;
                        }
                    }
                    return true;
                }
                case 0x02:
                case 0x03: {
                    int nid = 0;
                    for (int i = 0; i < 4; i++) {
                        int c = in.peek(6 + i);
                        if (c < 0) {
                            return true;
                        }
                        nid = (nid << 8) | c;
                    }
                    return started.containsKey(nid);
                }
                case 0x08: {
                    int hi = in.peek(6);
                    int lo = in.peek(7);
                    return hi < 0 || lo < 0 || CommandType.fromCode((hi << 8) | lo) != null;
                }
                default:
                    return false;
            }
        }
    }

    // ---- footer ----------------------------------------------------------------------------

    private boolean readFooter(SectionHeader h) throws IOException {
        long at = in.position();
        if (footers == null) {
            int b = in.peek(0);
            footers = b == SectionType.SECTION_FOOTER.code();
        }
        if (!footers) {
            return false;
        }
        int marker = in.u8("section footer");
        if (marker != SectionType.SECTION_FOOTER.code()) {
            throw StreamFormatException.mismatch(at, "Missing section footer for " + h.idstr(), 0x7e, marker)
                    .inSection(h.unsignedId(), h.idstr(), h.instanceId() & 0xffffffffL);
        }
        int id = in.be32("section footer id");
        if (id != h.sectionId()) {
            throw StreamFormatException.mismatch(at + 1, "Mismatched section id in footer for " + h.idstr(),
                    h.unsignedId(), id & 0xffffffffL).inSection(h.unsignedId(), h.idstr(), h.instanceId() & 0xffffffffL);
        }
        return true;
    }

    // ---- commands --------------------------------------------------------------------------

    private StreamRecord readCommand(long at) throws IOException {
        int code = in.be16("command");
        int len = in.be16("command length");
        CommandType t = CommandType.fromCode(code);
        if (t == null) {
            throw StreamFormatException.corrupt(at, "MIG_CMD 0x" + Integer.toHexString(code) + " unknown (len 0x"
                    + Integer.toHexString(len) + "); QEMU 7.2 knows commands 1 to 10");
        }
        if (t.fixedLength() >= 0 && len != t.fixedLength()) {
            throw StreamFormatException.corrupt(at + 3, t + " received with bad length - expecting "
                    + t.fixedLength() + ", got " + len);
        }
        long dataAt = in.position();
        byte[] data = in.bytes(len, t + " payload");
        switch (t) {
            case POSTCOPY_ADVISE -> {
                if (len != 0 && len != 16) {
                    throw StreamFormatException.corrupt(at + 3, "POSTCOPY_ADVISE received with bad length - expecting 0 or 16, got " + len);
                }
            }
            case POSTCOPY_RAM_DISCARD -> {
                int n = len >= 2 ? data[1] & 0xff : -1;
                if (len < 20 || data[0] != 0 || 3 + n > len || data[2 + n] != 0 || (len - 3 - n) % 16 != 0) {
                    throw StreamFormatException.corrupt(dataAt, "POSTCOPY_RAM_DISCARD payload malformed (len " + len
                            + "): expected version 0, a block name, a 0 byte and 16-byte ranges");
                }
            }
            case RECV_BITMAP -> {
                if (len < 1 || (data[0] & 0xff) + 1 != len) {
                    throw StreamFormatException.corrupt(dataAt, "RECV_BITMAP received with bad length " + len);
                }
            }
            default -> { }
        }
        List<StreamRecord> nested = List.of();
        if (t == CommandType.PACKAGED) {
            long pkgLen = ((data[0] & 0xffL) << 24) | ((data[1] & 0xffL) << 16) | ((data[2] & 0xffL) << 8) | (data[3] & 0xffL);
            Limits.check(dataAt, "PACKAGED sub-stream length", pkgLen, limits.maxPackageBytes(), "Limits.maxPackageBytes");
            // a package inside a package recurses: bounded like vmstate nesting
            Limits.check(at, "PACKAGED nesting depth", packageDepth + 1L, limits.maxNestingDepth(), "Limits.maxNestingDepth");
            long pkgAt = in.position();
            byte[] pkg = in.bytes((int) pkgLen, "PACKAGED sub-stream");
            StreamReader sub = new StreamReader(WireReader.of(pkg, 0, pkg.length, pkgAt), opt, true, packageDepth + 1);
            sub.footers = footers;
            sub.started.putAll(started);
            sub.machineType = machineType;
            List<StreamRecord> out = new ArrayList<>();
            for (StreamRecord r; (r = sub.next()) != null; ) {
                out.add(r);
            }
            nested = out;
        }
        return new StreamRecord.Command(at, code, data, nested);
    }

    // ---- trailer ---------------------------------------------------------------------------

    private StreamRecord readTrailer() throws IOException {
        long at = in.position();
        if (in.atEnd()) {
            phase = Phase.DONE;
            return null;
        }
        int b = in.u8("VMDESCRIPTION marker");
        if (b != SectionType.VMDESCRIPTION.code()) {
            throw StreamFormatException.mismatch(at, "Expected vmdescription section after QEMU_VM_EOF", 0x06, b);
        }
        long len = in.be32u("VMDESCRIPTION length");
        Limits.check(at + 1, "VMDESCRIPTION length", len, limits.maxVmDescriptionBytes(), "Limits.maxVmDescriptionBytes");
        long jsonAt = in.position();
        byte[] json = in.bytes((int) len, "VMDESCRIPTION JSON");
        JsonValue tree = Json.parse(json, 0, json.length, jsonAt, limits.maxNestingDepth());
        if (!trailerPrelocated) {
            trailerIndex = index(tree, jsonAt);
        }
        phase = Phase.DONE;
        return new StreamRecord.VmDescription(at, tree, json);
    }

    /**
     * Decodes the held sections with the trailer's descriptions. Returns, per held section, its
     * record offset and the new payload; a held section the trailer describes but that does not
     * decode to exactly its bytes is an error.
     */
    public Map<Long, SectionPayload> resolveHeld() throws StreamFormatException {
        Map<Long, SectionPayload> out = new HashMap<>();
        if (trailerIndex == null) {
            return out;
        }
        for (Held h : held) {
            SectionHeader hd = h.header();
            List<VmStateDescription> c = trailerIndex.candidates(hd.idstr(), hd.instanceId(), hd.versionId());
            if (c.isEmpty()) {
                continue;
            }
            VmStatePayload p = tryDecode(c.get(0), hd.versionId(), h.bytes(), h.payloadOffset(), DescriptionOrigin.TRAILER);
            if (p == null) {
                throw StreamFormatException.corrupt(h.payloadOffset(), "the VMDESCRIPTION trailer's layout of '"
                        + hd.idstr() + "' does not decode the " + h.bytes().length + " bytes framed by its footer")
                        .inSection(hd.unsignedId(), hd.idstr(), hd.instanceId() & 0xffffffffL);
            }
            out.put(h.recordOffset(), p);
        }
        held.removeIf(h -> out.containsKey(h.recordOffset()));
        return out;
    }
}
