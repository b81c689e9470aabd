package qmig.stream.vmdesc;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import qmig.stream.grammar.SectionHeader;
import qmig.stream.json.JsonValue;
import qmig.stream.json.JsonValue.JObject;
import qmig.stream.vmstate.DescriptionSource;
import qmig.stream.vmstate.Field;
import qmig.stream.vmstate.VmStateDescription;
import qmig.stream.wire.StreamFormatException;
import qmig.stream.wire.Where;

/**
 * Descriptions from a stream's VMDESCRIPTION trailer (vmstate.md §9): one exact description
 * per (idstr, instance_id), the layout the source actually wrote. Conversion rules are in
 * {@link TrailerDescriptions}.
 */
public final class VmDescriptionIndex implements DescriptionSource {

    private record Device(String idstr, int instanceId, VmStateDescription description, long opaqueSize) {
    }

    private final Map<String, Device> devices;
    private final long pageSize;

    private VmDescriptionIndex(Map<String, Device> devices, long pageSize) {
        this.devices = devices;
        this.pageSize = pageSize;
    }

    public static VmDescriptionIndex of(JsonValue trailer) throws StreamFormatException {
        if (!(trailer instanceof JObject top)) {
            throw StreamFormatException.corrupt(Where.NOWHERE, "VMDESCRIPTION is not a JSON object");
        }
        Map<String, Device> devices = new LinkedHashMap<>();
        for (JsonValue dv : top.getArray("devices")) {
            if (!(dv instanceof JObject d) || d.getString("name") == null) {
                throw StreamFormatException.corrupt(Where.NOWHERE, "VMDESCRIPTION device without a name: "
                        + dv);
            }
            String idstr = d.getString("name");
            int instance = (int) d.getLong("instance_id", 0);
            Device dev;
            try {
                if (d.getString("vmsd_name") != null) {
                    dev = new Device(idstr, instance, TrailerDescriptions.body(d), -1);
                } else {
                    dev = new Device(idstr, instance, null, d.getLong("size", -1));
                }
            } catch (IllegalArgumentException e) {
                throw StreamFormatException.corrupt(Where.NOWHERE, "VMDESCRIPTION device '" + idstr + "'/" + instance
                        + ": " + e.getMessage());
            }
            devices.put(key(idstr, instance), dev);
        }
        return new VmDescriptionIndex(devices, top.getLong("page_size", -1));
    }

    private static String key(String idstr, int instance) {
        return idstr + '\u0000' + instance;
    }

    /** The exact description of the section, if the trailer has it at that version. */
    @Override
    public List<VmStateDescription> candidates(String idstr, int instanceId, int versionId) {
        Device d = devices.get(key(idstr, instanceId));
        if (d == null) {
            return List.of();
        }
        if (d.description() == null) {
            if (d.opaqueSize() < 0 || d.opaqueSize() > Integer.MAX_VALUE) {
                return List.of();
            }
            return List.of(VmStateDescription.builder(SectionHeader.vmsdNameOf(idstr)).version(versionId)
                    .field(Field.buffer("data", (int) d.opaqueSize())).build());
        }
        return d.description().versionId() == versionId ? List.of(d.description()) : List.of();
    }

    /** The payload size the trailer gives for an old-style section ({@code "size"}), or -1. */
    public long opaqueSize(String idstr, int instanceId) {
        Device d = devices.get(key(idstr, instanceId));
        return d == null ? -1 : d.opaqueSize();
    }

    /** The description of that device regardless of version, or null. */
    public VmStateDescription description(String idstr, int instanceId) {
        Device d = devices.get(key(idstr, instanceId));
        return d == null ? null : d.description();
    }

    /** {@code page_size}, or -1. */
    public long pageSize() {
        return pageSize;
    }

    /** (idstr, instance) of every device, in trailer order. */
    public List<Map.Entry<String, Integer>> devices() {
        List<Map.Entry<String, Integer>> out = new ArrayList<>();
        for (Device d : devices.values()) {
            out.add(Map.entry(d.idstr(), d.instanceId()));
        }
        return out;
    }

    /**
     * Finds the VMDESCRIPTION record at the end of a whole saved stream: {@code 06 be32 len json}
     * ending exactly at the end, preceded by the EOF byte 0x00.
     *
     * @return the offset of the JSON text, or -1
     */
    public static int locate(byte[] stream) {
        int n = stream.length;
        for (int p = n - 5; p >= 1; p--) {
            if (stream[p] == 0x06 && stream[p - 1] == 0x00) {
                long len = ((stream[p + 1] & 0xffL) << 24) | ((stream[p + 2] & 0xff) << 16)
                        | ((stream[p + 3] & 0xff) << 8) | (stream[p + 4] & 0xff);
                if (p + 5 + len == n) {
                    return p + 5;
                }
            }
        }
        return -1;
    }
}
