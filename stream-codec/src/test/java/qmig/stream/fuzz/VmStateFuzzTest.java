package qmig.stream.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import qmig.stream.grammar.MigrationStream;
import qmig.stream.grammar.ReaderOptions;
import qmig.stream.vmdesc.DumpVmstateSchema;
import qmig.stream.vmdesc.VmDescriptionIndex;
import qmig.stream.vmstate.VmStateCodec;
import qmig.stream.vmstate.VmStateDescription;
import qmig.stream.wire.Limits;
import qmig.stream.wire.WireReader;
import qmig.testdata.Captures;

/**
 * The vmstate engine with real descriptions: every device of the q35-viommu-devices trailer
 * (virtio, e1000e, apic, cpu, ...) and the bundled {@code -dump-vmstate} layouts of the same
 * devices. The first input byte picks the description, the rest is the section payload.
 * Seeds are the capture's own payloads ({@link SeedCorpus}).
 */
@org.junit.jupiter.api.Tag("fuzz")
class VmStateFuzzTest {

    /** Trailer descriptions then schema guesses, in a fixed order that the seeds' first byte indexes. */
    static final List<VmStateDescription> DESCRIPTIONS = descriptions();

    private static final VmStateCodec CODEC = new VmStateCodec(Limits.DEFAULT);
    private static final VmStateCodec TINY = new VmStateCodec(FuzzSupport.TINY);

    static List<VmStateDescription> descriptions() {
        try {
            MigrationStream s = MigrationStream.read(Captures.Q35_VIOMMU_DEVICES.bytes(), ReaderOptions.defaults());
            VmDescriptionIndex index = VmDescriptionIndex.of(s.trailer().json());
            DumpVmstateSchema schema = DumpVmstateSchema.bundled("pc-q35-7.2");
            List<VmStateDescription> out = new ArrayList<>();
            List<VmStateDescription> guesses = new ArrayList<>();
            for (Map.Entry<String, Integer> dev : index.devices()) {
                VmStateDescription d = index.description(dev.getKey(), dev.getValue());
                if (d == null) {
                    continue;
                }
                out.add(d);
                List<VmStateDescription> g = schema.candidates(dev.getKey(), dev.getValue(), d.versionId());
                if (!g.isEmpty()) {
                    guesses.add(g.get(g.size() - 1));
                }
            }
            out.addAll(guesses);
            return List.copyOf(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest
    void load(byte[] data) {
        if (data.length == 0) {
            return;
        }
        VmStateDescription d = DESCRIPTIONS.get((data[0] & 0xff) % DESCRIPTIONS.size());
        FuzzSupport.decodesOrFailsTyped(data, () -> CODEC.load(WireReader.of(data, 1, data.length - 1, 1), d, d.versionId()));
        FuzzSupport.CountingInputStream in = FuzzSupport.endless(data, 0xff, 64L << 20);
        in.skip(1);
        FuzzSupport.decodesOrFailsTyped(data.length + (64L << 20), false,
                () -> TINY.load(WireReader.of(in, 4096), d, d.versionId()));
        // fixed-size fields and nested arrays make a description's own size; 1 MiB is far above
        // every device here and far below a trusted 2^31 length
        FuzzSupport.assertBoundedRead(in, data.length, 1L << 20);
    }
}
