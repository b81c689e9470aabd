package qmig.stream.vmstate;

import java.io.IOException;
import qmig.stream.wire.Limits;
import qmig.stream.wire.WireReader;
import qmig.stream.wire.WireWriter;

/**
 * A get/put pair for one element of a field (QEMU's {@code VMStateInfo}). {@code size} is the
 * element size the interpreter passes (vmstate.md §3.3): fixed-width integers ignore it,
 * buffers read that many bytes, {@code bitmap} reads it as a bit count.
 */
public interface FieldCodec {

    /** The name QEMU gives the codec, as it appears as {@code "type"} in VMDESCRIPTION JSON. */
    String typeName();

    VmStateValue read(WireReader r, long size, Limits limits) throws IOException;

    void write(WireWriter w, VmStateValue v, long size) throws IOException;
}
