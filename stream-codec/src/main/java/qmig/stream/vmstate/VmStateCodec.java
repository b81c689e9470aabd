package qmig.stream.vmstate;

import java.io.IOException;
import qmig.stream.wire.Limits;
import qmig.stream.wire.WireReader;
import qmig.stream.wire.WireWriter;

/** CONTRACT STUB: the one interpreter for load and save. */
public final class VmStateCodec {
    public VmStateCodec(Limits limits) {
    }

    public VmStateValue.Struct load(WireReader r, VmStateDescription d, int version) throws IOException {
        throw new UnsupportedOperationException("stub");
    }

    public void save(WireWriter w, VmStateDescription d, int version, VmStateValue.Struct value) throws IOException {
        throw new UnsupportedOperationException("stub");
    }
}
