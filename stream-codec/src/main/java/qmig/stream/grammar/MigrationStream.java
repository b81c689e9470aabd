package qmig.stream.grammar;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import qmig.stream.json.Json;
import qmig.stream.json.JsonValue;
import qmig.stream.wire.WireReader;
import qmig.stream.wire.WireWriter;

/**
 * A whole migration stream as a model: header and records. {@link #read} decodes every part;
 * {@link #write} encodes the model back to the same bytes.
 *
 * @param header      the file header
 * @param records     every record in stream order, EOF and trailer included when present
 * @param footers     whether the sections carried footers
 */
public record MigrationStream(StreamHeader header, List<StreamRecord> records, boolean footers) {

    public MigrationStream {
        records = List.copyOf(records);
    }

    /** True when the stream reached QEMU_VM_EOF. */
    public boolean complete() {
        return records.stream().anyMatch(r -> r instanceof StreamRecord.Eof);
    }

    /** The VMDESCRIPTION trailer, or null when the stream ended at EOF without one. */
    public StreamRecord.VmDescription trailer() {
        return records.isEmpty() || !(records.get(records.size() - 1) instanceof StreamRecord.VmDescription d) ? null : d;
    }

    /** Decodes a stream held in memory, using its trailer (located first) for device sections. */
    public static MigrationStream read(byte[] bytes, ReaderOptions options) throws IOException {
        StreamReader r = new StreamReader(WireReader.of(bytes), options);
        long t = TrailerLocator.locate(bytes, 0, bytes.length, options.limits().maxVmDescriptionBytes());
        if (t >= 0) {
            JsonValue tree = Json.parse(bytes, (int) t + 5, bytes.length - (int) t - 5, t + 5,
                    options.limits().maxNestingDepth());
            r.useTrailer(tree, t + 5);
        }
        return readAll(r);
    }

    /** Decodes a stream file: the trailer is located from the file's end, then the file is read forward. */
    public static MigrationStream read(Path file, ReaderOptions options) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return readAll(StreamReader.forFile(ch, options));
        }
    }

    /**
     * Decodes a stream read forward only (a pipe, a decompressor, a socket): sections no
     * description knows are held until the trailer arrives and then decoded from it.
     */
    public static MigrationStream read(InputStream in, ReaderOptions options) throws IOException {
        return readAll(new StreamReader(WireReader.of(in), options));
    }

    /** Reads header and records to the end and resolves held sections from the trailer. */
    public static MigrationStream readAll(StreamReader r) throws IOException {
        StreamHeader h = r.readHeader();
        List<StreamRecord> out = new ArrayList<>();
        for (StreamRecord rec; (rec = r.next()) != null; ) {
            out.add(rec);
        }
        Map<Long, SectionPayload> resolved = r.resolveHeld();
        if (!resolved.isEmpty()) {
            for (int i = 0; i < out.size(); i++) {
                SectionPayload p = resolved.get(out.get(i).offset());
                if (p != null) {
                    out.set(i, withPayload(out.get(i), p));
                }
            }
        }
        return new MigrationStream(h, out, Boolean.TRUE.equals(r.footers()));
    }

    /**
     * What a stream decoded to before its first format error: the records read so far (a cut
     * stream: everything before the cut) and the error, or null when the stream ended well.
     */
    public record Partial(MigrationStream stream, qmig.stream.wire.StreamFormatException error) {
    }

    /**
     * Like {@link #readAll}, but a format error after the header ends the read instead of
     * discarding it: the records decoded up to there come back with the error. Other I/O
     * errors are thrown.
     */
    public static Partial readPartial(StreamReader r) throws IOException {
        StreamHeader h = r.readHeader();
        List<StreamRecord> out = new ArrayList<>();
        qmig.stream.wire.StreamFormatException error = null;
        try {
            for (StreamRecord rec; (rec = r.next()) != null; ) {
                out.add(rec);
            }
            Map<Long, SectionPayload> resolved = r.resolveHeld();
            for (int i = 0; i < out.size(); i++) {
                SectionPayload p = resolved.get(out.get(i).offset());
                if (p != null) {
                    out.set(i, withPayload(out.get(i), p));
                }
            }
        } catch (qmig.stream.wire.StreamFormatException e) {
            error = e;
        }
        return new Partial(new MigrationStream(h, out, Boolean.TRUE.equals(r.footers())), error);
    }

    /** The same section record with another payload (a held section once decoded, a slimmed RAM section). */
    public static StreamRecord withPayload(StreamRecord r, SectionPayload p) {
        if (r instanceof StreamRecord.SectionFull s) {
            return new StreamRecord.SectionFull(s.offset(), s.header(), p, s.footer());
        } else if (r instanceof StreamRecord.SectionStart s) {
            return new StreamRecord.SectionStart(s.offset(), s.header(), p, s.footer());
        } else if (r instanceof StreamRecord.SectionPart s) {
            return new StreamRecord.SectionPart(s.offset(), s.header(), p, s.footer());
        } else if (r instanceof StreamRecord.SectionEnd s) {
            return new StreamRecord.SectionEnd(s.offset(), s.header(), p, s.footer());
        }
        throw new IllegalArgumentException("not a section: " + r);
    }

    /** Encodes the model. */
    public void write(OutputStream os) throws IOException {
        WireWriter w = new WireWriter(os, 1 << 20);
        StreamWriter sw = new StreamWriter(w);
        sw.writeHeader(header);
        sw.writeAll(records);
        w.flush();
    }

    public byte[] toBytes() throws IOException {
        WireWriter w = WireWriter.inMemory();
        StreamWriter sw = new StreamWriter(w);
        sw.writeHeader(header);
        sw.writeAll(records);
        return w.toByteArray();
    }

    /** Sections that no description decoded (held as bytes), for reporting. */
    public List<StreamRecord.Section> undecodedSections() {
        List<StreamRecord.Section> out = new ArrayList<>();
        for (StreamRecord r : records) {
            if (r instanceof StreamRecord.Section s && s.payload() instanceof OpaquePayload) {
                out.add(s);
            }
        }
        return out;
    }

}
