package qmig.stream.grammar;

import java.io.IOException;
import java.util.List;
import qmig.stream.ram.PageSink;
import qmig.stream.ram.RamSectionCodec;
import qmig.stream.vmstate.VmStateCodec;
import qmig.stream.wire.Limits;
import qmig.stream.wire.WireWriter;

/**
 * Writes records as QEMU 7.2's source does: the mirror of {@link StreamReader}. Encoding the
 * records a reader produced gives back the bytes it read, trailer included.
 */
public final class StreamWriter {

    private final WireWriter out;
    private final VmStateCodec vmstate = new VmStateCodec(Limits.DEFAULT);
    private final RamSectionCodec ram = new RamSectionCodec(Limits.DEFAULT, PageSink.NONE, true);

    public StreamWriter(WireWriter out) {
        this.out = out;
    }

    public void writeHeader(StreamHeader h) throws IOException {
        out.be32(StreamHeader.MAGIC).be32(h.version());
    }

    public void write(StreamRecord r) throws IOException {
        if (r instanceof StreamRecord.Configuration c) {
            out.u8(SectionType.CONFIGURATION.code());
            vmstate.save(out, c.payload().description(), c.payload().version(), c.payload().value());
        } else if (r instanceof StreamRecord.Section s) {
            writeSection(s);
        } else if (r instanceof StreamRecord.Command c) {
            writeCommand(c);
        } else if (r instanceof StreamRecord.Eof) {
            out.u8(SectionType.EOF.code());
        } else if (r instanceof StreamRecord.VmDescription d) {
            byte[] json = d.bytes();
            out.u8(SectionType.VMDESCRIPTION.code()).be32(json.length).bytes(json);
        } else {
            throw new IllegalArgumentException("unknown record " + r);
        }
    }

    public void writeAll(List<StreamRecord> records) throws IOException {
        for (StreamRecord r : records) {
            write(r);
        }
    }

    private void writeSection(StreamRecord.Section s) throws IOException {
        SectionHeader h = s.header();
        out.u8(h.type().code()).be32(h.sectionId());
        if (h.isFull()) {
            out.cstr8(h.idstr()).be32(h.instanceId()).be32(h.versionId());
        }
        SectionPayload p = s.payload();
        if (p instanceof VmStatePayload v) {
            vmstate.save(out, v.description(), v.version(), v.value());
        } else if (p instanceof RamPayload rp) {
            ram.write(out, rp.records());
        } else if (p instanceof OpaquePayload o) {
            out.bytes(o.bytes());
        }
        if (s.footer()) {
            out.u8(SectionType.SECTION_FOOTER.code()).be32(h.sectionId());
        }
    }

    private void writeCommand(StreamRecord.Command c) throws IOException {
        out.u8(SectionType.COMMAND.code()).be16(c.code()).be16(c.data().length).bytes(c.data());
        if (c.type() == CommandType.PACKAGED) {
            WireWriter sub = WireWriter.inMemory();
            new StreamWriter(sub).writeAll(c.packaged());
            byte[] pkg = sub.toByteArray();
            long declared = ((c.data()[0] & 0xffL) << 24) | ((c.data()[1] & 0xffL) << 16)
                    | ((c.data()[2] & 0xffL) << 8) | (c.data()[3] & 0xffL);
            if (declared != pkg.length) {
                throw new IllegalStateException("PACKAGED declares " + declared + " bytes but its records encode to " + pkg.length);
            }
            out.bytes(pkg);
        }
    }

    public void flush() throws IOException {
        out.flush();
    }
}
