package qmig.vfio.section;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import qmig.stream.grammar.OpaquePayload;
import qmig.stream.grammar.SectionHeader;
import qmig.stream.grammar.SectionType;
import qmig.stream.grammar.StreamRecord;
import qmig.stream.wire.StreamFormatException;
import qmig.stream.wire.WireReader;
import qmig.stream.wire.WireWriter;

/**
 * Decoder and encoder of {@code <path>/vfio} section payloads (the destination's
 * {@code vfio_load_state} grammar, vfio.md §4.3/§4.4/§5.4). Errors are
 * {@link StreamFormatException}s carrying the section (id, idstr, instance), the field and the
 * absolute stream offset. Encoding a decoded payload gives the same bytes.
 */
public final class VfioSectionCodec {

    private final VfioCodecOptions options;

    public VfioSectionCodec(VfioCodecOptions options) {
        this.options = options;
    }

    public VfioCodecOptions options() {
        return options;
    }

    /** True for a section this codec handles: idstr {@code vfio} or ending in {@code /vfio}. */
    public static boolean isVfio(SectionHeader h) {
        return h.idstr() != null && (h.idstr().equals("vfio") || h.idstr().endsWith("/vfio"));
    }

    /** Bytes from a section record's first byte to its payload (the header the stream reader consumed). */
    public static int headerLength(SectionHeader h) {
        return h.isFull() ? 1 + 4 + 1 + h.idstr().length() + 4 + 4 : 1 + 4;
    }

    /** Decodes a section the stream reader kept as an {@link OpaquePayload}. */
    public VfioPayload decode(StreamRecord.Section s) throws StreamFormatException {
        if (!(s.payload() instanceof OpaquePayload op)) {
            throw StreamFormatException.corrupt(s.offset(), "vfio section payload was decoded as "
                    + s.payload().getClass().getSimpleName() + ", expected opaque bytes")
                    .inSection(s.header().unsignedId(), s.header().idstr(), s.header().instanceId());
        }
        long at = s.offset() < 0 ? -1 : s.offset() + headerLength(s.header());
        return decode(s.header(), op.bytes(), at);
    }

    /**
     * Decodes {@code payload}, the bytes between a section header and its footer.
     *
     * @param payloadOffset stream offset of {@code payload[0]}, or -1 (offsets then count from 0)
     */
    public VfioPayload decode(SectionHeader h, byte[] payload, long payloadOffset) throws StreamFormatException {
        WireReader in = WireReader.of(payload, 0, payload.length, Math.max(payloadOffset, 0));
        try {
            VfioPayload p = decodeBody(h.type(), in, Math.max(payloadOffset, 0) + payload.length);
            if (!in.atEnd()) {
                throw StreamFormatException.corrupt(in.position(), "trailing bytes after the vfio payload: "
                        + (payload.length - (in.position() - Math.max(payloadOffset, 0))) + " more");
            }
            return p;
        } catch (StreamFormatException e) {
            throw e.inSection(h.unsignedId(), h.idstr(), h.instanceId());
        } catch (IOException e) {
            throw StreamFormatException.corrupt(in.position(), "reading vfio payload", e)
                    .inSection(h.unsignedId(), h.idstr(), h.instanceId());
        }
    }

    private VfioPayload decodeBody(SectionType type, WireReader in, long end) throws IOException {
        switch (type) {
            case SECTION_START: {
                expect(in, VfioMigFlag.DEV_SETUP_STATE, "setup marker");
                expect(in, VfioMigFlag.END_OF_STATE, "SETUP STATE: end of state");
                return new VfioPayload.Setup();
            }
            case SECTION_PART:
            case SECTION_END:
                return chunks(type, in, end);
            case SECTION_FULL:
                return full(in, end);
            default:
                throw StreamFormatException.corrupt(in.position(), "vfio data in a " + type + " record");
        }
    }

    /*
     *  PART v1: DATA be64 n bytes[n] END         (n may be 0: iteration done)
     *  PART v2: [DATA be64 n bytes[n]] (END | INIT_DATA_SENT)   n > 0
     *  END:     (DATA be64 n bytes[n])* END
     */
    private VfioPayload chunks(SectionType type, WireReader in, long end) throws IOException {
        List<Chunk> out = new ArrayList<>();
        while (true) {
            long at = in.position();
            long tag = in.be64("vfio tag");
            VfioMigFlag f = VfioMigFlag.fromWire(tag);
            if (f == VfioMigFlag.DEV_DATA_STATE) {
                out.add(chunk(in, out.size(), end));
                continue;
            }
            if (f == VfioMigFlag.END_OF_STATE) {
                return new VfioPayload.Chunks(out, f);
            }
            if (f == VfioMigFlag.DEV_INIT_DATA_SENT && type == SectionType.SECTION_PART
                    && options.protocol() == VfioProtocol.V2) {
                return new VfioPayload.Chunks(out, f);
            }
            throw unexpected(at, tag, f, "DEV_DATA_STATE or END_OF_STATE");
        }
    }

    private Chunk chunk(WireReader in, int index, long end) throws IOException {
        long at = in.position();
        long n = in.be64("data chunk length");
        String field = "data[" + index + "]";
        if (Long.compareUnsigned(n, options.maxChunkBytes()) > 0) {
            throw StreamFormatException.limitExceeded(at, "vfio data chunk length", n, options.maxChunkBytes(),
                    "VfioCodecOptions.maxChunkBytes").inField(field);
        }
        if (n == 0 && options.protocol() == VfioProtocol.V2) {
            throw StreamFormatException.corrupt(at, "empty data chunk (protocol v2 chunks are non-empty reads)")
                    .inField(field);
        }
        if (n > end - in.position()) {
            // the payload is in memory: a length past its end is known to be short before allocating
            throw StreamFormatException.truncated(at + 8, "vfio data chunk", n, end - in.position()).inField(field);
        }
        try {
            return new Chunk(in.bytes((int) n, "vfio data chunk"));
        } catch (StreamFormatException e) {
            throw e.inField(field);
        }
    }

    /*
     *  FULL: CONFIG  be32 version  config[N]  be32 irq[4]  [msix table, pba]  END
     *      | END | CONFIG_LOAD_READY            (multifd device-state transfer, v2)
     */
    private VfioPayload full(WireReader in, long payloadEnd) throws IOException {
        long at = in.position();
        long tag = in.be64("vfio tag");
        VfioMigFlag f = VfioMigFlag.fromWire(tag);
        if (options.protocol() == VfioProtocol.V2
                && (f == VfioMigFlag.END_OF_STATE || f == VfioMigFlag.DEV_CONFIG_LOAD_READY)) {
            return new VfioPayload.Marker(f);
        }
        if (f != VfioMigFlag.DEV_CONFIG_STATE) {
            throw unexpected(at, tag, f, "DEV_CONFIG_STATE");
        }
        VfioPciConfig cfg;
        try {
            cfg = config(in);
        } catch (StreamFormatException e) {
            throw e.inField("config");
        }
        long endAt = in.position();
        long left = payloadEnd - endAt;
        if (left < 8 && !endMarkerPrefix(in, (int) left)) {
            throw StreamFormatException.corrupt(endAt, "config payload of the wrong size for "
                    + cfg.config().length + " config bytes and " + VfioPciConfig.msixVectors(cfg.config())
                    + " MSI-X vectors: " + left + " bytes left where END_OF_STATE (8 bytes) belongs");
        }
        long end = in.be64("vfio tag");
        if (end != VfioMigFlag.END_OF_STATE.wire()) {
            throw StreamFormatException.mismatch(endAt, "config payload of the wrong size for "
                    + cfg.config().length + " config bytes and " + VfioPciConfig.msixVectors(cfg.config())
                    + " MSI-X vectors: END_OF_STATE", VfioMigFlag.END_OF_STATE.wire(), end);
        }
        return new VfioPayload.Config(cfg);
    }

    private VfioPciConfig config(WireReader in) throws IOException {
        long vAt = in.position();
        int version = in.be32("PCIDevice version_id");
        if (version < 0 || version > 2) {
            throw StreamFormatException.corrupt(vAt, "PCIDevice version_id " + version + " outside 0..2")
                    .inField("version_id");
        }
        byte[] head = in.bytes(256, "PCI config space");
        boolean express;
        switch (options.configSize()) {
            case PCI:
                express = false;
                break;
            case PCIE:
                express = true;
                break;
            default:
                express = VfioPciConfig.findCapability(head, VfioPciConfig.CAP_ID_EXP) >= 0;
        }
        byte[] cfg = head;
        if (express) {
            cfg = new byte[4096];
            System.arraycopy(head, 0, cfg, 0, 256);
            in.readFully(cfg, 256, 4096 - 256, "PCI Express extended config space");
        }
        int[] irq = new int[4];
        for (int i = 0; i < 4; i++) {
            long at = in.position();
            irq[i] = in.be32("irq_state");
            if (irq[i] != 0 && irq[i] != 1) {
                throw StreamFormatException.corrupt(at, "irq_state[" + i + "] is " + irq[i] + ", not 0 or 1")
                        .inField("irq_state[" + i + "]");
            }
        }
        int n = VfioPciConfig.msixVectors(cfg);
        byte[] table = null;
        byte[] pba = null;
        if (n > 0) {
            table = in.bytes(n * 16, "MSI-X table");
            pba = in.bytes((n + 7) / 8, "MSI-X PBA");
        }
        return new VfioPciConfig(version, cfg, irq, table, pba);
    }

    /** True when the {@code n} bytes left are the start of an END_OF_STATE marker (a cut input). */
    private static boolean endMarkerPrefix(WireReader in, int n) throws IOException {
        long end = VfioMigFlag.END_OF_STATE.wire();
        for (int i = 0; i < n; i++) {
            if (in.peek(i) != (int) ((end >>> (56 - 8 * i)) & 0xff)) {
                return false;
            }
        }
        return true;
    }

    private static void expect(WireReader in, VfioMigFlag want, String what) throws IOException {
        long at = in.position();
        long tag = in.be64(what);
        if (tag != want.wire()) {
            throw unexpected(at, tag, VfioMigFlag.fromWire(tag), want.name());
        }
    }

    private static StreamFormatException unexpected(long at, long tag, VfioMigFlag f, String wanted) {
        String found = f == null ? "Unknown tag 0x" + Long.toHexString(tag) : "unexpected " + f.name()
                + " (0x" + Long.toHexString(tag) + ")";
        return StreamFormatException.corrupt(at, found + ", expected " + wanted);
    }

    // ---- encoding ----------------------------------------------------------------------------

    /** The payload bytes for a section of {@code type} (the inverse of {@link #decode}). */
    public byte[] encode(SectionType type, VfioPayload p) {
        try {
            WireWriter w = WireWriter.inMemory();
            if (p instanceof VfioPayload.Setup) {
                require(type == SectionType.SECTION_START, type, p);
                w.be64(VfioMigFlag.DEV_SETUP_STATE.wire()).be64(VfioMigFlag.END_OF_STATE.wire());
            } else if (p instanceof VfioPayload.Chunks c) {
                require(type == SectionType.SECTION_PART || type == SectionType.SECTION_END, type, p);
                for (Chunk k : c.chunks()) {
                    w.be64(VfioMigFlag.DEV_DATA_STATE.wire()).be64(k.length()).bytes(k.bytes());
                }
                w.be64(c.terminator().wire());
            } else if (p instanceof VfioPayload.Config c) {
                require(type == SectionType.SECTION_FULL, type, p);
                VfioPciConfig cfg = c.config();
                w.be64(VfioMigFlag.DEV_CONFIG_STATE.wire()).be32(cfg.versionId()).bytes(cfg.config());
                for (int v : cfg.irqState()) {
                    w.be32(v);
                }
                if (cfg.msixTable() != null) {
                    w.bytes(cfg.msixTable()).bytes(cfg.msixPba());
                }
                w.be64(VfioMigFlag.END_OF_STATE.wire());
            } else if (p instanceof VfioPayload.Marker m) {
                require(type == SectionType.SECTION_FULL, type, p);
                w.be64(m.flag().wire());
            } else {
                throw new IllegalArgumentException("unknown payload " + p);
            }
            return w.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("in-memory write failed", e);
        }
    }

    private static void require(boolean ok, SectionType type, VfioPayload p) {
        if (!ok) {
            throw new IllegalArgumentException(p.getClass().getSimpleName() + " cannot be written in a " + type);
        }
    }
}
