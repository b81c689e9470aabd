package qmig.stream.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import qmig.stream.json.Json;
import qmig.stream.json.JsonValue;
import qmig.stream.vmdesc.DumpVmstateSchema;
import qmig.stream.vmdesc.VmDescriptionIndex;
import qmig.stream.vmstate.VmStateCodec;
import qmig.stream.vmstate.VmStateDescription;
import qmig.stream.wire.Limits;
import qmig.stream.wire.WireReader;

/**
 * The VMDESCRIPTION JSON: {@link Json} parses it, {@link VmDescriptionIndex} turns it into
 * descriptions; and QEMU's {@code -dump-vmstate} JSON through {@link DumpVmstateSchema}.
 * Errors of the index that concern the JSON tree rather than a byte carry offset -1
 * ({@code Where.NOWHERE}), as documented there. Seeds are the trailers of the captures.
 */
@org.junit.jupiter.api.Tag("fuzz")
class JsonFuzzTest {

    private static final VmStateCodec CODEC = new VmStateCodec(Limits.DEFAULT);

    @FuzzTest
    void vmDescription(byte[] data) {
        FuzzSupport.decodesOrFailsTyped(data.length, true, () -> {
            JsonValue v = Json.parse(data, 0, data.length, 0, Limits.DEFAULT.maxNestingDepth());
            VmDescriptionIndex index = VmDescriptionIndex.of(v);
            byte[] zeros = new byte[64];
            for (var dev : index.devices()) {
                VmStateDescription d = index.description(dev.getKey(), dev.getValue());
                if (d != null) {
                    // a description from the trailer runs in the engine: deep or cyclic ones must fail typed
                    FuzzSupport.decodesOrFailsTyped(zeros, () -> CODEC.load(WireReader.of(zeros), d, d.versionId()));
                }
            }
        });
    }

    @FuzzTest
    void dumpVmstate(byte[] data) {
        FuzzSupport.decodesOrFailsTyped(data.length, true, () -> {
            DumpVmstateSchema s = DumpVmstateSchema.parse(new ByteArrayInputStream(data));
            s.candidates("apic", 0, 3);
            s.candidates("0000:00:02.0/e1000e", 0, 2);
        });
    }
}
