package qmig.stream.vmdesc;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import qmig.stream.vmstate.DescriptionSource;
import qmig.stream.vmstate.VmStateDescription;

/** CONTRACT STUB: descriptions from QEMU's -dump-vmstate JSON. */
public final class DumpVmstateSchema implements DescriptionSource {
    public static DumpVmstateSchema parse(InputStream in) throws IOException {
        throw new UnsupportedOperationException("stub");
    }

    /** The bundled schema of Debian's QEMU 7.2 for a machine type (pc-q35-7.2, pc-i440fx-7.2, q35, pc…), or null. */
    public static DumpVmstateSchema bundled(String machineType) throws IOException {
        throw new UnsupportedOperationException("stub");
    }

    @Override
    public List<VmStateDescription> candidates(String idstr, int instanceId, int versionId) {
        throw new UnsupportedOperationException("stub");
    }
}
