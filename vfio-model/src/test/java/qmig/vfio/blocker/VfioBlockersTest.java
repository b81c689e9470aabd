package qmig.vfio.blocker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qmig.vfio.blocker.QemuVersion.MASTER;
import static qmig.vfio.blocker.QemuVersion.SEED_V3;
import static qmig.vfio.blocker.QemuVersion.SEED_V4;
import static qmig.vfio.blocker.QemuVersion.V10_2;
import static qmig.vfio.blocker.QemuVersion.V7_2;
import static qmig.vfio.blocker.QemuVersion.V8_0;
import static qmig.vfio.blocker.QemuVersion.V8_1;
import static qmig.vfio.blocker.QemuVersion.V8_2;
import static qmig.vfio.blocker.QemuVersion.V9_1;

import java.util.List;
import org.junit.jupiter.api.Test;

/** One test per row of vfio.md §9, plus the seed-series proposals. */
class VfioBlockersTest {

    static final VfioConfiguration OK = VfioConfiguration.defaults();
    static final VfioConfiguration OK_X = OK.withEnableMigration(OnOffAuto.ON);

    static List<String> blockers(QemuVersion v, VfioConfiguration c) {
        return VfioBlockers.evaluate(v, c).blockers();
    }

    @Test
    void row01_72_disabledOrUnsupported() {
        String t = "VFIO device doesn't support migration";
        assertEquals(List.of(t), blockers(V7_2, OK)); // x-enable-migration defaults off
        assertEquals(List.of(t), blockers(V7_2, OK_X.withContainerDirtyTracking(false)));
        assertEquals(List.of(t), blockers(V7_2, OK_X.withMigrationInterface(false)));
        assertEquals(List.of(t), blockers(V7_2, OK_X.withInitError("-22 (Invalid argument)")));
        assertTrue(VfioBlockers.evaluate(V7_2, OK_X).allowed());
    }

    @Test
    void row02_72_viommuIsNoBlocker() {
        assertTrue(VfioBlockers.evaluate(V7_2, OK_X.withViommu(true, true, false)).allowed());
    }

    @Test
    void row03_80_disabledOrInitFailure() {
        assertEquals(List.of("VFIO device doesn't support migration"), blockers(V8_0, OK));
        assertEquals(List.of("VFIO device doesn't support migration"), blockers(V8_0, OK_X.withMigrationInterface(false)));
        assertTrue(VfioBlockers.evaluate(V8_0, OK_X).allowed());
    }

    @Test
    void row04_80_multipleDevices() {
        assertEquals(List.of("Migration is currently not supported with multiple VFIO devices"),
                blockers(V8_0, OK_X.withDevices(2, true)));
    }

    @Test
    void row05_80_anyViommuEvenWithoutTranslation() {
        assertEquals(List.of("Migration is currently not supported with vIOMMU enabled"),
                blockers(V8_0, OK_X.withViommu(true, false, false)));
    }

    @Test
    void row06_81_enableMigrationAndInit() {
        assertEquals(List.of("0000:01:00.0: Migration is disabled for VFIO device"),
                blockers(V8_1, OK.withEnableMigration(OnOffAuto.OFF)));
        assertEquals(List.of("0000:01:00.0: VFIO migration is not supported in kernel"),
                blockers(V8_1, OK.withMigrationInterface(false)));
        assertEquals(List.of("0000:01:00.0: Migration couldn't be initialized for VFIO device, err: -22 (Invalid argument)"),
                blockers(V8_1, OK.withInitError("-22 (Invalid argument)")));
        // with enable-migration=on the realize fails instead
        Verdict on = VfioBlockers.evaluate(V8_1, OK_X.withMigrationInterface(false));
        assertTrue(on.realizeFails());
        assertTrue(VfioBlockers.evaluate(V8_1, OK).allowed());
    }

    @Test
    void row07_81_noDeviceDirtyTracking() {
        VfioConfiguration c = OK.withTracking(false, true, false);
        assertEquals(List.of("0000:01:00.0: VFIO device doesn't support device dirty tracking"), blockers(V8_1, c));
        Verdict on = VfioBlockers.evaluate(V8_1, c.withEnableMigration(OnOffAuto.ON));
        assertTrue(on.allowed());
        assertEquals(List.of("0000:01:00.0: VFIO device doesn't support device dirty tracking"), on.warnings());
    }

    @Test
    void row08_81to102_viommu() {
        for (QemuVersion v : List.of(V8_1, V8_2, V9_1, V10_2)) {
            assertEquals(List.of("0000:01:00.0: Migration is currently not supported with vIOMMU enabled"),
                    blockers(v, OK.withViommu(true, false, true)), v.label());
        }
    }

    @Test
    void row09_82_multipleDevicesNeedP2p() {
        assertTrue(VfioBlockers.evaluate(V8_2, OK.withDevices(2, true)).allowed());
        assertEquals(List.of("Multiple VFIO devices migration is supported only if all of them support P2P migration"),
                blockers(V8_2, OK.withDevices(2, false)));
        assertEquals(List.of("Migration is currently not supported with multiple VFIO devices"),
                blockers(V8_1, OK.withDevices(2, true)));
    }

    @Test
    void row10_82_postcopyAndBackgroundSnapshot() {
        assertEquals(List.of("0000:01:00.0: VFIO migration is not supported with postcopy migration"),
                blockers(V8_2, OK.withCapabilities(true, false)));
        assertEquals(List.of("0000:01:00.0: VFIO migration is not supported with background snapshot"),
                blockers(V10_2, OK.withCapabilities(false, true)));
        assertTrue(VfioBlockers.evaluate(V8_1, OK.withCapabilities(true, false)).allowed());
    }

    @Test
    void row11_91_deviceAndIommuTracking() {
        assertEquals(List.of("0000:01:00.0: VFIO device doesn't support device and IOMMU dirty tracking"),
                blockers(V9_1, OK.withTracking(false, true, false)));
        // the property turns device tracking off
        assertEquals(List.of("0000:01:00.0: VFIO device doesn't support device and IOMMU dirty tracking"),
                blockers(V9_1, OK.withTracking(true, false, false)));
        // iommufd hardware tracking counts
        assertTrue(VfioBlockers.evaluate(V9_1, OK.withTracking(false, true, true)).allowed());
    }

    @Test
    void row12_master_viommuOnlyWithDeviceTracking() {
        VfioConfiguration viommu = OK.withViommu(true, true, false);
        assertEquals(List.of("0000:01:00.0: Migration is currently not supported with vIOMMU enabled"),
                blockers(MASTER, viommu));
        assertTrue(VfioBlockers.evaluate(MASTER, viommu.withTracking(true, true, true).withTracking(false, true, true))
                .allowed());
        assertTrue(VfioBlockers.evaluate(MASTER, viommu.withTracking(true, false, true)).allowed());
        assertFalse(VfioBlockers.evaluate(V10_2, viommu.withTracking(false, true, true)).allowed());
    }

    @Test
    void row13_master_largeMemoryLegacyBackend() {
        VfioConfiguration c = OK_X.withTracking(false, true, false).withLegacyBitmapTooSmall(true);
        Verdict v = VfioBlockers.evaluate(MASTER, c);
        assertEquals(List.of("0000:01:00.0: Migration is currently not supported with large memory VM due to dirty"
                + " tracking limitation in backend"), v.blockers());
        assertTrue(v.realizeFails());
        assertTrue(VfioBlockers.evaluate(MASTER, c.withLegacyBitmapTooSmall(false)).allowed());
    }

    @Test
    void seedProposals() {
        VfioConfiguration viommu = OK.withViommu(true, true, false);
        assertEquals(List.of("Migration is currently not supported with the configured vIOMMU"), blockers(SEED_V3, viommu));
        assertEquals(List.of("Migration with vIOMMU is currently not supported without vIOMMU address space boundaries"),
                blockers(SEED_V4, viommu));
        // relaxations: dma-translation=off, or a vIOMMU that reports its max IOVA
        assertTrue(VfioBlockers.evaluate(SEED_V4, OK.withViommu(true, false, false)).allowed());
        assertTrue(VfioBlockers.evaluate(SEED_V4, OK.withViommu(true, true, true)).allowed());
    }

    @Test
    void versionsParse() {
        for (QemuVersion v : QemuVersion.values()) {
            assertEquals(v, QemuVersion.parse(v.label()));
        }
    }
}
