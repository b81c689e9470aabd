package qmig.vfio.section;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import qmig.stream.grammar.SectionType;

/**
 * Writes the seeds of {@code qmig.vfio.fuzz.VfioSectionFuzzTest} (first byte: protocol bit 0,
 * record kind bits 1-2, config size bits 3+): {@code mvn -o -pl vfio-model -am test
 * -Dtest=VfioSeedsTest -Dqmig.fuzz.writeSeeds=$PWD/vfio-model/src/test/resources -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class VfioSeedsTest {

    @Test
    @EnabledIfSystemProperty(named = "qmig.fuzz.writeSeeds", matches = ".+")
    void writeSeeds() throws Exception {
        Path dir = Path.of(System.getProperty("qmig.fuzz.writeSeeds"), "qmig/vfio/fuzz/VfioSectionFuzzTestInputs/payload");
        Files.createDirectories(dir);
        VfioSectionCodec v1 = new VfioSectionCodec(VfioCodecOptions.v1());
        VfioSectionCodec v2 = new VfioSectionCodec(VfioCodecOptions.v2());
        List<Chunk> two = List.of(new Chunk(new byte[] {1, 2, 3, 4}), new Chunk(new byte[] {5, 6, 7}));
        seed(dir, "v1-start", 0, v1.encode(SectionType.SECTION_START, new VfioPayload.Setup()));
        seed(dir, "v1-part", 2, v1.encode(SectionType.SECTION_PART, new VfioPayload.Chunks(two, VfioMigFlag.END_OF_STATE)));
        seed(dir, "v1-end", 4, v1.encode(SectionType.SECTION_END, new VfioPayload.Chunks(two, VfioMigFlag.END_OF_STATE)));
        seed(dir, "v1-full-pcie", 6, v1.encode(SectionType.SECTION_FULL, new VfioPayload.Config(Fixtures.pcieState())));
        seed(dir, "v2-part-init", 3, v2.encode(SectionType.SECTION_PART,
                new VfioPayload.Chunks(two, VfioMigFlag.DEV_INIT_DATA_SENT)));
        seed(dir, "v2-full-pcie", 7, v2.encode(SectionType.SECTION_FULL, new VfioPayload.Config(Fixtures.pcieState())));
        seed(dir, "v2-full-ready", 7, v2.encode(SectionType.SECTION_FULL, new VfioPayload.Marker(VfioMigFlag.DEV_CONFIG_LOAD_READY)));
    }

    private static void seed(Path dir, String name, int selector, byte[] payload) throws Exception {
        byte[] b = new byte[payload.length + 1];
        b[0] = (byte) selector;
        System.arraycopy(payload, 0, b, 1, payload.length);
        Files.write(dir.resolve("seed-" + name), b);
    }
}
