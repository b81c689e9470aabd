package qmig.vfio.section;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import qmig.stream.grammar.MigrationStream;
import qmig.stream.grammar.OpaquePayload;
import qmig.stream.grammar.SectionHeader;
import qmig.stream.grammar.SectionType;
import qmig.stream.grammar.StreamRecord;

/**
 * qmig as a VFIO migration source: the section sequence one device contributes to a precopy
 * stream (vfio.md §2), with the device's opaque state taken from a caller's bytes.
 *
 * <pre>
 *  START  SETUP END
 *  PART   DATA n bytes END                 x preCopyChunks (one chunk each)
 *  PART   v1: DATA 0 END                   (iteration done)
 *         v2: INIT_DATA_SENT or END        (switchover-ack)
 *  END    (DATA n bytes)* END              the rest, chunkSize at a time
 *  FULL   CONFIG vmstate END
 * </pre>
 * Real QEMU cannot write these sections without VFIO migration hardware; the bytes follow the
 * grammar tables of vfio.md.
 */
public final class VfioSourceEmitter {

    /**
     * @param idstr         e.g. {@code 0000:00:05.0/vfio}
     * @param sectionId     the id the device's sections use (unique in the stream)
     * @param deviceData    the device state to transfer
     * @param chunkSize     bytes per DATA chunk (v2: at most 1 MiB)
     * @param preCopyChunks how many chunks go into PART sections before the END section
     * @param initDataSent  v2: end the last PART with DEV_INIT_DATA_SENT instead of END
     */
    public record Plan(VfioProtocol protocol, String idstr, int sectionId, byte[] deviceData, int chunkSize,
            int preCopyChunks, boolean initDataSent, VfioPciConfig config) {
        public Plan {
            if (chunkSize <= 0) {
                throw new IllegalArgumentException("chunk size must be positive");
            }
            if (initDataSent && protocol != VfioProtocol.V2) {
                throw new IllegalArgumentException("INIT_DATA_SENT is protocol v2 (8.1+)");
            }
            deviceData = deviceData.clone();
        }
    }

    /** One section to write: its record type and decoded payload. */
    public record Emitted(SectionType type, VfioPayload payload) {
    }

    private VfioSourceEmitter() {
    }

    /** {@code length} bytes from a seeded generator: the same seed gives the same device state. */
    public static byte[] seededData(long seed, int length) {
        byte[] b = new byte[length];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < length; i++) {
            b[i] = (byte) r.nextInt(256);
        }
        return b;
    }

    /** The payloads in stream order. */
    public static List<Emitted> payloads(Plan p) {
        List<Chunk> chunks = new ArrayList<>();
        for (int off = 0; off < p.deviceData().length; off += p.chunkSize()) {
            int n = Math.min(p.chunkSize(), p.deviceData().length - off);
            byte[] c = new byte[n];
            System.arraycopy(p.deviceData(), off, c, 0, n);
            chunks.add(new Chunk(c));
        }
        List<Emitted> out = new ArrayList<>();
        out.add(new Emitted(SectionType.SECTION_START, new VfioPayload.Setup()));
        int pre = Math.min(p.preCopyChunks(), chunks.size());
        for (int i = 0; i < pre; i++) {
            out.add(new Emitted(SectionType.SECTION_PART, new VfioPayload.Chunks(List.of(chunks.get(i)),
                    VfioMigFlag.END_OF_STATE)));
        }
        if (p.protocol() == VfioProtocol.V1) {
            out.add(new Emitted(SectionType.SECTION_PART, new VfioPayload.Chunks(List.of(new Chunk(new byte[0])),
                    VfioMigFlag.END_OF_STATE)));
        } else {
            out.add(new Emitted(SectionType.SECTION_PART, new VfioPayload.Chunks(List.of(),
                    p.initDataSent() ? VfioMigFlag.DEV_INIT_DATA_SENT : VfioMigFlag.END_OF_STATE)));
        }
        out.add(new Emitted(SectionType.SECTION_END, new VfioPayload.Chunks(chunks.subList(pre, chunks.size()),
                VfioMigFlag.END_OF_STATE)));
        out.add(new Emitted(SectionType.SECTION_FULL, new VfioPayload.Config(p.config())));
        return out;
    }

    /** The payloads as section records with encoded opaque payloads. */
    public static List<StreamRecord.Section> sections(Plan p, boolean footers) {
        VfioSectionCodec codec = new VfioSectionCodec(p.protocol() == VfioProtocol.V1 ? VfioCodecOptions.v1()
                : VfioCodecOptions.v2().withMaxChunkBytes(Math.max(p.chunkSize(), VfioCodecOptions.V2_DATA_BUFFER)));
        List<StreamRecord.Section> out = new ArrayList<>();
        for (Emitted e : payloads(p)) {
            SectionHeader h = new SectionHeader(e.type(), p.sectionId(), p.idstr(), 0, 1);
            OpaquePayload op = new OpaquePayload(codec.encode(e.type(), e.payload()), "vfio section emitted by qmig");
            switch (e.type()) {
                case SECTION_START -> out.add(new StreamRecord.SectionStart(-1, h, op, footers));
                case SECTION_PART -> out.add(new StreamRecord.SectionPart(-1, h, op, footers));
                case SECTION_END -> out.add(new StreamRecord.SectionEnd(-1, h, op, footers));
                default -> out.add(new StreamRecord.SectionFull(-1, h, op, footers));
            }
        }
        return out;
    }

    /**
     * Splices one device's sections into a stream where QEMU would put them: START after the
     * last START, the PARTs right after it, END after the last END, FULL after the last FULL.
     */
    public static MigrationStream insert(MigrationStream s, List<StreamRecord.Section> vfio) {
        List<StreamRecord> recs = new ArrayList<>(s.records());
        List<StreamRecord> starts = new ArrayList<>();
        List<StreamRecord> ends = new ArrayList<>();
        List<StreamRecord> fulls = new ArrayList<>();
        for (StreamRecord.Section v : vfio) {
            if (v instanceof StreamRecord.SectionFull) {
                fulls.add((StreamRecord) v);
            } else if (v instanceof StreamRecord.SectionEnd) {
                ends.add((StreamRecord) v);
            } else {
                starts.add((StreamRecord) v);
            }
        }
        recs.addAll(lastIndexOf(recs, StreamRecord.SectionFull.class) + 1, fulls);
        recs.addAll(lastIndexOf(recs, StreamRecord.SectionEnd.class) + 1, ends);
        recs.addAll(lastIndexOf(recs, StreamRecord.SectionStart.class) + 1, starts);
        return new MigrationStream(s.header(), recs, s.footers());
    }

    private static int lastIndexOf(List<StreamRecord> recs, Class<?> type) {
        for (int i = recs.size() - 1; i >= 0; i--) {
            if (type.isInstance(recs.get(i))) {
                return i;
            }
        }
        throw new IllegalArgumentException("stream has no " + type.getSimpleName() + " record");
    }
}
