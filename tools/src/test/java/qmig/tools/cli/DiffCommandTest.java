package qmig.tools.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import qmig.stream.grammar.MigrationStream;
import qmig.stream.grammar.ReaderOptions;
import qmig.stream.grammar.StreamRecord;
import qmig.stream.grammar.VmStatePayload;
import qmig.stream.vmstate.VmStateValue;
import qmig.testdata.Capture;
import qmig.testdata.Captures;

/** Issue 8: {@code qmig diff} on real captures, in text and JSON, and its exit codes. */
class DiffCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static QmigCliTest.Run diff(Path a, Path b, String... more) {
        List<String> args = new ArrayList<>(List.of("diff", a.toString(), b.toString()));
        args.addAll(List.of(more));
        return QmigCliTest.run(args.toArray(new String[0]));
    }

    static Path raw(Path dir, Capture c) throws Exception {
        return QmigCliTest.raw(dir, c.scenario() + ".mig", c.bytes());
    }

    static Path xz(Path dir, Capture c) throws Exception {
        try (InputStream in = Capture.class.getResourceAsStream(c.resource())) {
            return QmigCliTest.raw(dir, c.scenario() + ".mig.xz", in.readAllBytes());
        }
    }

    @Test
    void aCaptureAgainstItselfAndItsXzFormIsEqual(@TempDir Path dir) throws Exception {
        Path r = raw(dir, Captures.Q35_VIOMMU);
        QmigCliTest.Run same = diff(r, r);
        assertEquals(0, same.exit(), same.err() + same.out());
        assertTrue(same.out().endsWith("equal\n"), same.out());
        assertTrue(same.out().contains("viommu: equal"), same.out());
        QmigCliTest.Run forms = diff(r, xz(dir, Captures.Q35_VIOMMU));
        assertEquals(0, forms.exit(), forms.err() + forms.out());
        assertTrue(forms.out().contains("sections: 31 in A, 31 in B, same list"), forms.out());
    }

    @Test
    void q35PlainAgainstQ35ViommuHasTheIommuSectionExtra(@TempDir Path dir) throws Exception {
        QmigCliTest.Run r = diff(raw(dir, Captures.Q35_PLAIN), xz(dir, Captures.Q35_VIOMMU));
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.out().contains("configuration: machine pc-q35-7.2\n"), r.out());
        assertTrue(r.out().contains("sections: 30 in A, 31 in B\n  extra in B (1): iommu-intel/0 (section 38, version 1)\n"),
                r.out());
        assertFalse(r.out().contains("missing in B"), r.out());
        assertTrue(r.out().contains("viommu: iommu-intel only in B"), r.out());
        assertTrue(r.out().endsWith("different\n"), r.out());
    }

    @Test
    void q35PlainAgainstPcPlainNamesBothMachinesAndTheChipsetSections(@TempDir Path dir) throws Exception {
        JsonNode j = json(diff(raw(dir, Captures.Q35_PLAIN), raw(dir, Captures.PC_PLAIN), "--json"), 1);
        assertEquals("[\"pc-q35-7.2\",\"pc-i440fx-7.2\"]", j.at("/configuration/machine").toString());
        assertEquals(List.of("0000:00:00.0/mch", "0000:00:1f.0/ICH9LPC", "0000:00:1f.2/ich9_ahci",
                "0000:00:1f.3/ich9_smb"), idstrs(j.at("/sections/missing_in_b")));
        assertEquals(List.of("0000:00:00.0/I440FX", "0000:00:01.0/PIIX3", "fdc", "0000:00:01.1/ide",
                "0000:00:01.3/piix4_pm"), idstrs(j.at("/sections/extra_in_b")));
        assertTrue(j.at("/iommu").isNull());
    }

    @Test
    void oneChangedFieldInJson(@TempDir Path dir) throws Exception {
        byte[] plain = Captures.Q35_PLAIN.bytes();
        MigrationStream s = MigrationStream.read(plain, ReaderOptions.defaults());
        List<StreamRecord> out = new ArrayList<>();
        for (StreamRecord r : s.records()) {
            if (r instanceof StreamRecord.SectionFull f && f.header().idstr().equals("timer")
                    && f.payload() instanceof VmStatePayload v) {
                r = new StreamRecord.SectionFull(f.offset(), f.header(), new VmStatePayload(v.description(), v.version(),
                        v.value().with("cpu_clock_offset", new VmStateValue.Int(-5, 8, true)), v.origin()), f.footer());
            }
            out.add(r);
        }
        byte[] changed = new MigrationStream(s.header(), out, s.footers()).toBytes();
        Path a = QmigCliTest.raw(dir, "a.mig", plain);
        Path b = QmigCliTest.raw(dir, "b.mig", changed);
        JsonNode j = json(diff(a, b, "--json"), 1);
        assertFalse(j.at("/equal").asBoolean());
        assertEquals(1, j.at("/fields").size(), j.toString());
        JsonNode f = j.at("/fields/0");
        assertEquals("timer/0", f.at("/section").asText());
        assertEquals("cpu_clock_offset", f.at("/path").asText());
        assertEquals(-5, f.at("/b").asLong());
        long at = f.at("/offset/0").asLong();
        assertEquals(at, f.at("/offset/1").asLong());
        assertEquals(f.at("/a").asLong(), ByteBuffer.wrap(plain).getLong((int) at));
        assertEquals(-5, ByteBuffer.wrap(changed).getLong((int) at));
        assertEquals(0, j.at("/ram").size());
        assertFalse(j.at("/sections/differs").asBoolean());

        QmigCliTest.Run text = diff(a, b);
        assertTrue(text.out().contains(String.format("  timer/0 cpu_clock_offset: %d (0x%x) vs -5 (0xfffffffffffffffb)"
                + " (at 0x%x in A, 0x%x in B)%n", f.at("/a").asLong(), f.at("/a").asLong(), at, at)), text.out());
    }

    @Test
    void linuxViommuLegacyAgainstScalableListsContextsAndMappings(@TempDir Path dir) throws Exception {
        JsonNode j = json(diff(xz(dir, Captures.Q35_LINUX_VIOMMU), xz(dir, Captures.Q35_LINUX_VIOMMU_SM), "--json",
                "--max-items", "3"), 1);
        JsonNode iommu = j.at("/iommu");
        assertEquals("[true,true]", iommu.at("/present").toString());
        List<String> regs = new ArrayList<>();
        iommu.at("/registers").forEach(r -> regs.add(r.at("/name").asText()));
        assertTrue(regs.contains("ECAP"), regs::toString); // scalable mode support (SMTS) only in B
        assertTrue(regs.contains("RTADDR"), regs::toString);
        JsonNode walkA = sidecarDevices(Captures.Q35_LINUX_VIOMMU);
        JsonNode walkB = sidecarDevices(Captures.Q35_LINUX_VIOMMU_SM);
        assertEquals(walkA.size(), iommu.at("/devices").size(), "every device's context root moved");
        for (int i = 0; i < walkA.size(); i++) {
            JsonNode d = iommu.at("/devices/" + i);
            assertEquals(walkA.get(i).at("/bdf").asText(), d.at("/bdf").asText());
            long na = walkA.get(i).at("/present_mappings").asLong();
            long nb = walkB.get(i).at("/present_mappings").asLong();
            assertEquals("[" + na + "," + nb + "]", d.at("/mappings").toString(), "counts as vtd-walk.py finds them");
            assertEquals(nb - na, d.at("/added_count").asLong() - d.at("/removed_count").asLong());
            assertTrue(d.at("/context/0").asText().contains("levels 3"), d.toString());
            assertTrue(d.at("/context/1").asText().contains("pasid 0"), d.toString());
            assertNotEquals(d.at("/context/0").asText(), d.at("/context/1").asText());
            assertTrue(d.at("/added").size() <= 3 && d.at("/changed").size() <= 3, "--max-items caps the lists");
        }
    }

    @Test
    void exitCodes(@TempDir Path dir) throws Exception {
        byte[] plain = Captures.PC_PLAIN.bytes();
        Path good = QmigCliTest.raw(dir, "good.mig", plain);
        Path cut = QmigCliTest.raw(dir, "cut.mig", java.util.Arrays.copyOf(plain, plain.length / 2));
        QmigCliTest.Run bad = diff(good, cut);
        assertEquals(2, bad.exit(), bad.err());
        assertTrue(bad.err().startsWith("qmig: " + cut + ": "), bad.err());
        assertEquals(3, diff(good, dir.resolve("missing.mig")).exit());
        assertEquals(64, diff(good, good, "--max-items", "-1").exit());
    }

    private static JsonNode json(QmigCliTest.Run r, int exit) throws Exception {
        assertEquals(exit, r.exit(), r.err());
        assertEquals(1, r.out().lines().count(), "one document");
        return JSON.readTree(r.out());
    }

    private static List<String> idstrs(JsonNode refs) {
        List<String> out = new ArrayList<>();
        refs.forEach(r -> out.add(r.at("/idstr").asText()));
        return out;
    }

    private static JsonNode sidecarDevices(Capture c) throws Exception {
        return JSON.readTree(c.sidecar()).at("/vtd_walk/devices");
    }

}
