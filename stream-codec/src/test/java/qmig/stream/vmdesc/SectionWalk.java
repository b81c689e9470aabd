package qmig.stream.vmdesc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import qmig.stream.json.Json;
import qmig.stream.json.JsonValue;
import qmig.stream.vmstate.DescriptionSource;
import qmig.stream.vmstate.VmStateDescription;
import qmig.stream.vmstate.VmStateValue;
import qmig.stream.wire.WireReader;

/**
 * A minimal walk over the FULL sections at the end of a precopy stream (they follow the last
 * RAM END section and precede EOF): finds the first device of the trailer by its header bytes,
 * then reads header, payload (via a {@link DescriptionSource}) and footer, section after section.
 */
final class SectionWalk {

    record Section(int sectionId, String idstr, int instanceId, int version, int payloadStart, int payloadEnd) {
    }

    private SectionWalk() {
    }

    static JsonValue trailer(byte[] stream) throws IOException {
        int at = VmDescriptionIndex.locate(stream);
        if (at < 0) {
            throw new IOException("no VMDESCRIPTION trailer");
        }
        return Json.parse(stream, at, stream.length - at, at, 1000);
    }

    /** Header offsets of every FULL section, located with the trailer's exact descriptions. */
    static List<Section> locate(byte[] stream, VmDescriptionIndex index) throws IOException {
        var first = index.devices().get(0);
        byte[] name = first.getKey().getBytes(StandardCharsets.ISO_8859_1);
        int trailerAt = VmDescriptionIndex.locate(stream);
        for (int p = 0; p + 6 + name.length < trailerAt; p++) {
            if (stream[p] == 0x04 && (stream[p + 5] & 0xff) == name.length
                    && java.util.Arrays.equals(stream, p + 6, p + 6 + name.length, name, 0, name.length)) {
                try {
                    return walk(stream, p, index);
                } catch (IOException | RuntimeException e) {
                    // not the real header; keep looking
                }
            }
        }
        throw new IOException("first device section '" + first.getKey() + "' not found");
    }

    private static List<Section> walk(byte[] b, int p, DescriptionSource src) throws IOException {
        List<Section> out = new ArrayList<>();
        WireReader r = WireReader.of(b, p, b.length - p, p);
        while (true) {
            int type = r.u8("section type");
            if (type == 0x00) {
                return out;
            }
            if (type != 0x04) {
                throw new IOException("unexpected record type " + type + " at " + (r.position() - 1));
            }
            int id = r.be32("section id");
            String idstr = r.cstr8("idstr");
            int inst = r.be32("instance");
            int ver = r.be32("version");
            int start = (int) r.position();
            List<VmStateDescription> cands = src.candidates(idstr, inst, ver);
            if (cands.isEmpty()) {
                throw new IOException("no description for " + idstr);
            }
            new qmig.stream.vmstate.VmStateCodec().load(r, cands.get(0), ver);
            int end = (int) r.position();
            if (r.u8("footer") != 0x7e || r.be32("footer id") != id) {
                throw new IOException("no footer after " + idstr + " at " + end);
            }
            out.add(new Section(id, idstr, inst, ver, start, end));
        }
    }

    /** Decodes {@code [start, end)} with {@code d}; returns the value if it consumed exactly that. */
    static VmStateValue.Struct decodeExactly(byte[] b, Section s, VmStateDescription d) throws IOException {
        WireReader r = WireReader.of(b, s.payloadStart(), s.payloadEnd() - s.payloadStart(), s.payloadStart());
        VmStateValue.Struct v = new qmig.stream.vmstate.VmStateCodec().load(r, d, s.version());
        if (!r.atEnd()) {
            throw new IOException(s.idstr() + ": decoding stopped at " + r.position() + ", payload ends at "
                    + s.payloadEnd());
        }
        return v;
    }
}
