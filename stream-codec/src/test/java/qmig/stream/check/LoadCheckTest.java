package qmig.stream.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import qmig.stream.grammar.MigrationStream;
import qmig.stream.json.JsonValue.JObject;
import qmig.stream.grammar.ReaderOptions;
import qmig.stream.vmdesc.DumpVmstateSchema;
import qmig.testdata.Capture;
import qmig.testdata.Captures;

/** {@link LoadCheck} on the real captures against bundled and stream-derived destinations. */
class LoadCheckTest {

    static MigrationStream read(Capture c) throws IOException {
        return MigrationStream.read(c.bytes(), ReaderOptions.defaults().withPages(qmig.stream.ram.PageSink.NONE, false));
    }

    static DumpVmstateSchema q35() throws IOException {
        return DumpVmstateSchema.bundled("pc-q35-7.2");
    }

    @Test
    void everySmallCaptureLoadsIntoItsOwnConfiguration() throws IOException {
        for (Capture c : Captures.all()) {
            MigrationStream s = read(c);
            DumpVmstateSchema schema = DumpVmstateSchema.bundled(c.machine());
            LoadReport r = LoadCheck.check(s, Destination.fromStream(s, schema, c.scenario()), schema);
            assertTrue(r.loads(), c + ": " + r.findings() + " " + r.qemuErrors());
            assertTrue(r.findings().stream().noneMatch(f -> f.severity() == Severity.ERROR), c + ": " + r.findings());
        }
    }

    @Test
    void plainCapturesLoadIntoTheBundledDefaultVm() throws IOException {
        for (Capture c : List.of(Captures.Q35_PLAIN, Captures.PC_PLAIN)) {
            DumpVmstateSchema schema = DumpVmstateSchema.bundled(c.machine());
            LoadReport r = LoadCheck.check(read(c), Destination.bundled(c.machine(), schema), schema);
            assertTrue(r.loads(), c + ": " + r.findings() + " " + r.qemuErrors());
            assertTrue(r.exact());
        }
    }

    @Test
    void viommuIntoPlainQ35IsAnUnknownSection() throws IOException {
        LoadReport r = LoadCheck.check(read(Captures.Q35_VIOMMU), Destination.bundled("q35", q35()), q35());
        assertFalse(r.loads());
        assertEquals(List.of("Unknown savevm section or instance 'iommu-intel' 0. Make sure that your current VM setup"
                + " matches your saved VM setup, including any hotplugged devices",
                "load of migration failed: Invalid argument"), r.qemuErrors());
        LoadReport ok = LoadCheck.check(read(Captures.Q35_VIOMMU),
                Destination.bundled("q35", q35()).withDevice("intel-iommu", q35()), q35());
        assertTrue(ok.loads(), ok.findings() + " " + ok.qemuErrors());
    }

    @Test
    void devicesNeedTheirRomsAndSections() throws IOException {
        MigrationStream s = read(Captures.Q35_VIOMMU_DEVICES);
        Destination iommuOnly = Destination.bundled("q35", q35()).withDevice("intel-iommu", q35());
        LoadReport r = LoadCheck.check(s, iommuOnly, q35());
        assertEquals(List.of("Unknown ramblock \"0000:00:01.0/virtio-net-pci.rom\", cannot accept migration",
                "error while loading state for instance 0x0 of device 'ram'",
                "load of migration failed: Invalid argument"), r.qemuErrors());
        Destination all = iommuOnly.withDevice("virtio-net-pci", q35()).withDevice("e1000e", q35())
                .withDevice("virtio-blk-pci", q35());
        LoadReport ok = LoadCheck.check(s, all, q35());
        assertTrue(ok.loads(), ok.findings() + " " + ok.qemuErrors());
    }

    @Test
    void aFieldTheSourceDoesNotSendIsALayoutDifference() throws IOException {
        JObject t = SchemaCompareTest.q35Tree();
        JObject dst = SchemaCompareTest.editDescription(t, "intel-iommu",
                d -> SchemaCompareTest.withField(d, "new_reg", 4, 0));
        DumpVmstateSchema schema = SchemaCompareTest.schema(dst);
        LoadReport r = LoadCheck.check(read(Captures.Q35_VIOMMU),
                Destination.bundled("q35", schema).withDevice("intel-iommu", schema), schema);
        assertFalse(r.loads());
        assertFalse(r.exact(), "the message depends on the misread bytes");
        assertEquals(List.of("Missing section footer for iommu-intel", "load of migration failed: Invalid argument"),
                r.qemuErrors());
        assertTrue(r.findings().contains(Finding.error("section 'iommu-intel'/0", "the destination expects field"
                + " 'new_reg', the stream has no further fields; the destination misreads the section (QEMU's message"
                + " then depends on the bytes)")), r.findings().toString());
    }

    @Test
    void aSubsectionTheDestinationLacksIsEnoent() throws IOException {
        JObject t = SchemaCompareTest.q35Tree();
        JObject dst = SchemaCompareTest.editDescription(t, "fw_cfg", d -> SchemaCompareTest.editItem(d, "Subsections",
                "name", "fw_cfg/dma", x -> null));
        dst = SchemaCompareTest.editDescription(dst, "fw_cfg_io", d -> SchemaCompareTest.editItem(d, "Subsections",
                "name", "fw_cfg/dma", x -> null));
        dst = SchemaCompareTest.editDescription(dst, "fw_cfg_mem", d -> SchemaCompareTest.editItem(d, "Subsections",
                "name", "fw_cfg/dma", x -> null));
        DumpVmstateSchema schema = SchemaCompareTest.schema(dst);
        LoadReport r = LoadCheck.check(read(Captures.Q35_PLAIN), Destination.bundled("q35", schema), schema);
        assertEquals(List.of("error while loading state for instance 0x0 of device 'fw_cfg'",
                "load of migration failed: No such file or directory"), r.qemuErrors());
        assertTrue(r.exact());
    }

    /** Real QEMU 7.2 started with {@code -M pc-q35-7.1} prints exactly these two lines for the q35-plain capture. */
    @Test
    void anOlderMachineTypeOfTheSameBinaryRejectsA72Stream() throws IOException {
        LoadReport r = LoadCheck.check(read(Captures.Q35_PLAIN), Destination.bundled("pc-q35-7.1", q35()), q35());
        assertEquals(List.of("Machine type received is 'pc-q35-7.2' and local is 'pc-q35-7.1'",
                "load of migration failed: Invalid argument"), r.qemuErrors());
        assertEquals("pc-q35-7.1", r.machine());
    }
}
