package qmig.viommu.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import qmig.stream.grammar.DescriptionOrigin;
import qmig.stream.grammar.VmStatePayload;
import qmig.stream.json.Json;
import qmig.stream.json.JsonValue;
import qmig.stream.vmstate.VmStateCodec;
import qmig.stream.wire.Limits;
import qmig.testdata.Capture;
import qmig.testdata.Captures;
import qmig.viommu.mem.LoadedCapture;
import qmig.viommu.vtd.IntelIommu;
import qmig.viommu.vtd.VtdConfig;
import qmig.viommu.vtd.state.IntelIommuState;

/**
 * Every vIOMMU capture against its sidecar: the decoded section against the independent
 * vtd-walk.py oracle (registers, mode, per-device domain, levels, table root, mapping counts by
 * size, IOVA range), and the destination configuration parsed from the sidecar's QEMU arguments
 * against the migrated CAP/ECAP.
 */
class SidecarAgreementTest {

    static Stream<Capture> viommuCaptures() {
        return Stream.of(Captures.Q35_VIOMMU, Captures.Q35_VIOMMU_IR_ONLY, Captures.Q35_VIOMMU_DEVICES,
                Captures.Q35_LINUX_VIOMMU, Captures.Q35_LINUX_VIOMMU_SM);
    }

    private static JsonValue.JObject sidecar(Capture c) throws Exception {
        return (JsonValue.JObject) Json.parse(c.sidecar().getBytes(StandardCharsets.UTF_8));
    }

    private static long hex(JsonValue.JObject o, String k) {
        return Long.parseUnsignedLong(o.getString(k).substring(2), 16);
    }

    private static List<String> strings(JsonValue.JObject o, String k) {
        List<String> out = new ArrayList<>();
        for (JsonValue v : o.getArray(k)) {
            out.add(((JsonValue.JString) v).value());
        }
        return out;
    }

    @ParameterizedTest
    @MethodSource("viommuCaptures")
    void agreesWithVtdWalk(Capture c) throws Exception {
        IntelIommu.registerDescriptions();
        JsonValue.JObject side = sidecar(c);
        JsonValue.JObject walk = side.getObject("vtd_walk");
        LoadedCapture lc = LoadedCapture.read(c.bytes());
        VmStatePayload p = IntelIommuState.payload(lc.stream());
        assertNotNull(p, "iommu-intel section");
        assertEquals(DescriptionOrigin.BUILT_IN, p.origin(), "decoded by the built-in VMSD");
        assertEquals(IntelIommuState.PAYLOAD_BYTES,
                new VmStateCodec(Limits.DEFAULT).saveToBytes(p.description(), p.version(), p.value()).length);
        IntelIommuState s = IntelIommuState.of(p.value());

        assertEquals(hex(walk, "root"), s.root(), "root");
        assertEquals(hex(walk, "rtaddr_reg"), s.csr().rtaddr(), "RTADDR");
        assertEquals(hex(walk, "gsts"), s.csr().gsts(), "GSTS");
        assertEquals(hex(walk, "cap"), s.csr().cap(), "CAP");
        assertEquals(hex(walk, "ecap"), s.csr().ecap(), "ECAP");
        assertEquals(walk.getLong("mgaw", -1), s.csr().capMgawBits(), "MGAW");
        assertEquals(hex(walk, "intr_root"), s.intrRoot());
        assertEquals(walk.getLong("intr_size", -1), s.intrSize());
        assertEquals(hex(walk, "iq"), s.iq());
        assertEquals(walk.get("dmar_enabled"), new JsonValue.JBool(s.dmarEnabled()));
        assertEquals(walk.get("qi_enabled"), new JsonValue.JBool(s.qiEnabled()));
        assertEquals(walk.get("intr_enabled"), new JsonValue.JBool(s.intrEnabled()));
        assertEquals(walk.get("intr_eime"), new JsonValue.JBool(s.intrEime()));
        assertEquals(walk.get("translation_enabled"), new JsonValue.JBool(s.csr().translationEnabledStatus()));

        // the destination as the sidecar started it: its computed CAP/ECAP are the migrated ones
        VtdConfig dest = VtdConfig.fromQemuArgs(strings(side, "dest_args"));
        assertNotNull(dest);
        assertEquals(s.csr().cap(), dest.cap(), "CAP computed from the destination's properties");
        assertEquals(s.csr().ecap(), dest.ecap(), "ECAP computed from the destination's properties");
        assertEquals(List.of(), dest.mismatches(s));
        assertEquals(dest, VtdConfig.inferFrom(s.csr()));

        IntelIommu iommu = new IntelIommu(s, dest, lc.memory());
        assertEquals(walk.get("scalable_mode"), new JsonValue.JBool(iommu.rootScalable()), "mode");
        VtdReport r = VtdReport.of(iommu, false);
        List<JsonValue> expected = walk.getArray("devices");
        assertEquals(expected.size(), r.devices().size(), "devices with a present context");
        Map<Long, Long> domains = new HashMap<>();
        for (int i = 0; i < expected.size(); i++) {
            JsonValue.JObject e = (JsonValue.JObject) expected.get(i);
            DeviceReport d = r.devices().get(i);
            String where = c + " " + d.bdf();
            assertEquals(e.getString("bdf"), d.bdf().toString(), where);
            assertNotNull(d.context(), where + " context");
            assertEquals(e.getLong("did", -1), d.context().domainId(), where + " domain");
            assertEquals(e.getLong("levels", -1), d.context().levels(), where + " levels");
            assertEquals(hex(e, "slptptr"), d.context().tableRoot(), where + " table root");
            if (iommu.rootScalable()) {
                assertEquals(e.getLong("pasid", -1), d.context().pasid(), where + " RID_PASID");
                assertEquals(e.getLong("pgtt", -1), d.context().type(), where + " PGTT");
            } else {
                assertEquals(e.getLong("tt", -1), d.context().type(), where + " TT");
            }
            assertEquals(e.getLong("present_mappings", -1), d.mappings(), where + " mappings");
            assertEquals(e.getLong("mapped_bytes", -1), d.mappedBytes(), where + " mapped bytes");
            JsonValue.JObject bySize = e.getObject("by_size");
            assertEquals(bySize.members().size(), d.bySize().size(), where + " page sizes");
            for (JsonValue.Member m : bySize.members()) {
                assertEquals(((JsonValue.JNumber) m.value()).value(), d.bySize().get(Long.parseLong(m.key())),
                        where + " count of " + m.key());
            }
            if (d.mappings() > 0) {
                assertEquals(hex(e, "iova_min"), d.iovaMin(), where + " iova min");
                assertEquals(hex(e, "iova_max"), d.iovaMax(), where + " iova max");
            }
            domains.put(d.context().tableRoot(), d.mappings());
        }
        assertEquals(walk.getLong("total_present_mappings", -1), r.totalMappings(), "total");
        assertEquals(walk.getLong("distinct_domains", -1), domains.size(), "distinct domains");
        assertEquals(walk.getLong("distinct_domain_mappings", -1),
                domains.values().stream().mapToLong(Long::longValue).sum(), "distinct domain mappings");
        String text = r.toText(false);
        assertFalse(text.isEmpty());
        assertTrue(r.toJson(true).startsWith("{\"root\":"));
    }
}
