package qmig.tools.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import qmig.stream.json.Json;
import qmig.stream.json.JsonValue;
import qmig.testdata.Capture;
import qmig.testdata.Captures;

/**
 * {@code qmig iommu --json} against the independent oracle recorded in each vIOMMU capture's
 * sidecar ({@code vtd-walk.py}, written from the VT-d specification): mode, root, registers and,
 * per device, domain, levels, table root, mapping counts by size, bytes and IOVA range.
 */
class IommuCliSidecarTest {

    static Stream<Capture> viommuCaptures() {
        return Stream.of(Captures.Q35_VIOMMU, Captures.Q35_VIOMMU_IR_ONLY, Captures.Q35_VIOMMU_DEVICES,
                Captures.Q35_LINUX_VIOMMU, Captures.Q35_LINUX_VIOMMU_SM);
    }

    static JsonValue.JObject parse(String s) throws Exception {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return (JsonValue.JObject) Json.parse(b, 0, b.length, 0, 64);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("viommuCaptures")
    void iommuJsonAgreesWithVtdWalk(Capture c, @TempDir Path dir) throws Exception {
        Path f = dir.resolve(c.scenario() + ".mig");
        Files.write(f, c.bytes());
        QmigCliTest.Run r = QmigCliTest.run("iommu", "--json", f.toString());
        assertEquals(0, r.exit(), r.err());
        JsonValue.JObject got = parse(r.out());
        JsonValue.JObject oracle = (JsonValue.JObject) parse(c.sidecar()).get("vtd_walk");
        for (String key : new String[] {"root", "rtaddr_reg", "scalable_mode", "gsts", "dmar_enabled", "qi_enabled",
                "intr_enabled", "intr_eime", "intr_root", "intr_size", "iq"}) {
            assertEquals(Json.toQemuString(oracle.get(key)), Json.toQemuString(got.get(key)), c + " " + key);
        }
        JsonValue.JArray want = (JsonValue.JArray) oracle.get("devices");
        JsonValue.JArray have = (JsonValue.JArray) got.get("devices");
        assertEquals(want.items().size(), have.items().size(), c + " devices");
        for (int i = 0; i < want.items().size(); i++) {
            JsonValue.JObject w = (JsonValue.JObject) want.items().get(i);
            JsonValue.JObject h = (JsonValue.JObject) have.items().get(i);
            for (JsonValue.Member m : w.members()) {
                assertTrue(h.has(m.key()), c + " device " + i + " lacks " + m.key());
                assertEquals(Json.toQemuString(m.value()), Json.toQemuString(h.get(m.key())),
                        c + " " + w.getString("bdf") + " " + m.key());
            }
        }
        if (oracle.has("total_present_mappings")) {
            assertEquals(Json.toQemuString(oracle.get("total_present_mappings")),
                    Json.toQemuString(got.get("total_present_mappings")), c + " total");
        }
    }
}
