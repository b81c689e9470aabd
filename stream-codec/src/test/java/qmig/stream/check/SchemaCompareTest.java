package qmig.stream.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import qmig.stream.json.Json;
import qmig.stream.json.JsonValue;
import qmig.stream.json.JsonValue.JArray;
import qmig.stream.json.JsonValue.JObject;
import qmig.stream.json.JsonValue.Member;
import qmig.stream.vmdesc.DumpVmstateSchema;
import qmig.testdata.QemuDestination;

/** {@link SchemaCompare} on the bundled 7.2 q35 schema, a real pc-q35-7.1 dump and hand-edited copies. */
class SchemaCompareTest {

    static JObject q35Tree() throws IOException {
        try (InputStream in = DumpVmstateSchema.class.getResourceAsStream(
                "/qmig/stream/schema/qemu-7.2/pc-q35-7.2.dump-vmstate.json.gz")) {
            byte[] b = new GZIPInputStream(in).readAllBytes();
            return (JObject) Json.parse(b);
        }
    }

    static DumpVmstateSchema schema(JObject tree) throws IOException {
        return DumpVmstateSchema.parse(new ByteArrayInputStream(Json.writeQemu(tree)));
    }

    /** A copy of {@code o} whose first member {@code key} is replaced by {@code f} of it (null removes it). */
    static JObject edit(JObject o, String key, UnaryOperator<JsonValue> f) {
        List<Member> ms = new ArrayList<>();
        boolean done = false;
        for (Member m : o.members()) {
            if (!done && m.key().equals(key)) {
                done = true;
                JsonValue v = f.apply(m.value());
                if (v != null) {
                    ms.add(new Member(key, v));
                }
            } else {
                ms.add(m);
            }
        }
        assertTrue(done, "no member " + key);
        return new JObject(ms);
    }

    /** Edits the array element of {@code arrayKey} whose {@code nameKey} is {@code name} (null removes it). */
    static JObject editItem(JObject o, String arrayKey, String nameKey, String name, UnaryOperator<JObject> f) {
        return edit(o, arrayKey, v -> {
            List<JsonValue> items = new ArrayList<>();
            for (JsonValue x : ((JArray) v).items()) {
                if (name.equals(((JObject) x).getString(nameKey))) {
                    JObject y = f.apply((JObject) x);
                    if (y != null) {
                        items.add(y);
                    }
                } else {
                    items.add(x);
                }
            }
            return new JArray(items);
        });
    }

    static JObject editDescription(JObject top, String cls, UnaryOperator<JObject> f) {
        return edit(top, cls, c -> edit((JObject) c, "Description", d -> f.apply((JObject) d)));
    }

    static JsonValue num(long v) {
        return JsonValue.JNumber.of(v);
    }

    static List<Finding> nonInfo(List<Finding> fs) {
        return fs.stream().filter(f -> f.severity() != Severity.INFO).toList();
    }

    @Test
    void theBundledSchemaMatchesItself() throws IOException {
        DumpVmstateSchema q35 = DumpVmstateSchema.bundled("pc-q35-7.2");
        assertEquals(List.of(), SchemaCompare.compare(q35, q35));
    }

    @Test
    void aRealPcQ35_71DumpOfTheSameBinaryIsCompatible(@TempDir Path dir) throws Exception {
        QemuDestination.requireQemu();
        Path out = dir.resolve("q35-71.json");
        Process p = new ProcessBuilder("qemu-system-x86_64", "-nodefaults", "-display", "none", "-M", "pc-q35-7.1",
                "-dump-vmstate", out.toString()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), new String(p.getInputStream().readAllBytes()));
        DumpVmstateSchema q71 = DumpVmstateSchema.parse(Files.newInputStream(out));
        DumpVmstateSchema q72 = DumpVmstateSchema.bundled("pc-q35-7.2");
        List<Finding> expected = List.of(Finding.warning("vmschkmachine",
                "machine types differ: 'pc-q35-7.1' and 'pc-q35-7.2'"));
        assertEquals(expected, SchemaCompare.compare(q71, q72));
        assertTrue(SchemaCompare.compatible(SchemaCompare.compare(q72, q71)));
    }

    @Test
    void aSectionRemovedAtTheDestination() throws IOException {
        JObject t = q35Tree();
        List<Finding> f = SchemaCompare.compare(schema(t), schema(edit(t, "intel-iommu", v -> null)));
        assertEquals(List.of(Finding.error("intel-iommu", "section missing at the destination")), f);
    }

    @Test
    void aVersionBumpedBeyondTheDestination() throws IOException {
        JObject t = q35Tree();
        JObject src = editDescription(t, "fw_cfg", d -> edit(d, "version_id", v -> num(3)));
        assertEquals(List.of(Finding.error("fw_cfg/fw_cfg", "version error: 3 > destination version_id 2")),
                SchemaCompare.compare(schema(src), schema(t)));
    }

    @Test
    void aMinimumRaisedAboveTheSourceVersion() throws IOException {
        JObject t = q35Tree();
        JObject dst = editDescription(t, "mc146818rtc", d -> edit(edit(d, "version_id", v -> num(4)),
                "minimum_version_id", v -> num(4)));
        assertEquals(List.of(Finding.error("mc146818rtc/mc146818rtc",
                "minimum version error: 3 < destination minimum_version_id 4")),
                SchemaCompare.compare(schema(t), schema(dst)));
    }

    @Test
    void aFieldSizeChanged() throws IOException {
        JObject t = q35Tree();
        JObject dst = editDescription(t, "intel-iommu", d -> editItem(d, "Fields", "field", "intr_size",
                f -> edit(f, "size", v -> num(8))));
        assertEquals(List.of(Finding.error("intel-iommu/iommu-intel:intr_size",
                "size mismatch: 4 at the source, 8 at the destination")),
                SchemaCompare.compare(schema(t), schema(dst)));
    }

    @Test
    void aSubsectionRemovedAtTheDestination() throws IOException {
        JObject t = q35Tree();
        JObject dst = editDescription(t, "fw_cfg", d -> editItem(d, "Subsections", "name", "fw_cfg/dma", s -> null));
        assertEquals(List.of(Finding.error("fw_cfg/fw_cfg/fw_cfg/dma", "subsection not found at the destination"
                + " (the load fails with ENOENT whenever the source sends it)")),
                SchemaCompare.compare(schema(t), schema(dst)));
    }

    @Test
    void renamesThatKeepTheWireEncodingAreCompatible() throws IOException {
        JObject t = q35Tree();
        // in the checker's table (mch: d <-> parent_obj) and not in it (fw_cfg: cur_entry)
        JObject dst = editDescription(t, "mch", d -> editItem(d, "Fields", "field", "parent_obj",
                f -> edit(f, "field", v -> new JsonValue.JString("d"))));
        dst = editDescription(dst, "fw_cfg", d -> editItem(d, "Fields", "field", "cur_entry",
                f -> edit(f, "field", v -> new JsonValue.JString("current_entry"))));
        List<Finding> f = SchemaCompare.compare(schema(t), schema(dst));
        assertEquals(List.of(), nonInfo(f));
        assertEquals(List.of(
                Finding.info("mch/mch:parent_obj", "renamed to 'd': same position, size and gating, the wire encoding"
                        + " is unchanged"),
                Finding.info("fw_cfg/fw_cfg:cur_entry", "renamed to 'current_entry': same position, size and gating,"
                        + " the wire encoding is unchanged")),
                f.stream().sorted((a, b) -> a.path().compareTo(b.path()) * -1).toList());
    }

    static JObject withField(JObject d, String name, long size, long version) {
        return edit(d, "Fields", v -> {
            List<JsonValue> items = new ArrayList<>(((JArray) v).items());
            items.add(JObject.of("field", name, "version_id", version, "field_exists", false, "size", size));
            return new JArray(items);
        });
    }

    @Test
    void aFieldAddedWithAVersionBumpIsCompatibleOneWay() throws IOException {
        JObject t = q35Tree();
        // destination: iommu-intel v2 with a field from v2 on; the v1 source does not send it
        JObject v2 = editDescription(t, "intel-iommu", d -> withField(edit(d, "version_id", v -> num(2)),
                "new_reg", 4, 2));
        assertEquals(List.of(), SchemaCompare.compare(schema(t), schema(v2)));
        // backwards, the v2 source is too new for the v1 destination
        assertEquals(List.of(Finding.error("intel-iommu/iommu-intel", "version error: 2 > destination version_id 1")),
                SchemaCompare.compare(schema(v2), schema(t)));
        // the same field without a version bump breaks the load both ways
        JObject ungated = editDescription(t, "intel-iommu", d -> withField(d, "new_reg", 4, 0));
        assertEquals(List.of(Finding.error("intel-iommu/iommu-intel:new_reg", "field added at the destination without"
                + " a version bump (the source does not send it)")), SchemaCompare.compare(schema(t), schema(ungated)));
        assertEquals(List.of(Finding.error("intel-iommu/iommu-intel:new_reg", "field removed at the destination"
                + " (the source sends it, the destination has no further fields)")),
                SchemaCompare.compare(schema(ungated), schema(t)));
    }
}
