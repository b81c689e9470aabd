package qmig.stream.vmdesc;

import java.util.List;
import qmig.stream.json.JsonValue;
import qmig.stream.vmstate.DescriptionSource;
import qmig.stream.vmstate.VmStateDescription;
import qmig.stream.wire.StreamFormatException;

/** CONTRACT STUB: descriptions from a stream's VMDESCRIPTION trailer. */
public final class VmDescriptionIndex implements DescriptionSource {
    public static VmDescriptionIndex of(JsonValue trailer) throws StreamFormatException {
        throw new UnsupportedOperationException("stub");
    }

    @Override
    public List<VmStateDescription> candidates(String idstr, int instanceId, int versionId) {
        throw new UnsupportedOperationException("stub");
    }

    /** The payload size the trailer gives for an old-style section ({@code "size"}), or -1. */
    public long opaqueSize(String idstr, int instanceId) {
        throw new UnsupportedOperationException("stub");
    }
}
