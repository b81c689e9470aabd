package qmig.vfio.blocker;

/**
 * What the blocker rules look at. Build from {@link #defaults()} and the withers.
 *
 * @param device               {@code vbasedev->name}, e.g. {@code 0000:01:00.0}
 * @param enableMigration      7.2/8.0 {@code x-enable-migration} (ON = on, else off);
 *                             8.1+ {@code enable-migration} (default AUTO)
 * @param migrationInterface   the device offers QEMU's protocol: v1 region (7.2) / v2 kernel uAPI (8.0+)
 * @param containerDirtyTracking type1 container reports dirty-page tracking (7.2 requirement)
 * @param initError            text of a migration init failure ("N (text)"), or null
 * @param devices              migratable VFIO devices in the VM
 * @param allP2p               every VFIO device supports P2P states
 * @param viommu               a vIOMMU sits in front of a VFIO device (device AS is not system memory)
 * @param dmaTranslation       the vIOMMU translates DMA ({@code dma-translation=on})
 * @param maxIovaReported      the vIOMMU reports its address width (seed series attribute)
 * @param deviceDirtyTracking  the device supports DMA logging
 * @param deviceTrackingProp   {@code x-device-dirty-page-tracking} (9.1+) is on
 * @param iommuDirtyTracking   iommufd backend with hardware dirty tracking (9.1+)
 * @param legacyBitmapTooSmall legacy container whose dirty bitmap limit is below guest RAM
 * @param postcopy             the postcopy-ram capability is on
 * @param backgroundSnapshot   the background-snapshot capability is on
 */
public record VfioConfiguration(String device, OnOffAuto enableMigration, boolean migrationInterface,
        boolean containerDirtyTracking, String initError, int devices, boolean allP2p, boolean viommu,
        boolean dmaTranslation, boolean maxIovaReported, boolean deviceDirtyTracking, boolean deviceTrackingProp,
        boolean iommuDirtyTracking, boolean legacyBitmapTooSmall, boolean postcopy, boolean backgroundSnapshot) {

    /** A migratable device on its own, no vIOMMU, every capability present, migration enabled by default. */
    public static VfioConfiguration defaults() {
        return new VfioConfiguration("0000:01:00.0", OnOffAuto.AUTO, true, true, null, 1, true, false, true, false,
                true, true, false, false, false, false);
    }

    public VfioConfiguration withEnableMigration(OnOffAuto v) {
        return new VfioConfiguration(device, v, migrationInterface, containerDirtyTracking, initError, devices, allP2p,
                viommu, dmaTranslation, maxIovaReported, deviceDirtyTracking, deviceTrackingProp, iommuDirtyTracking,
                legacyBitmapTooSmall, postcopy, backgroundSnapshot);
    }

    public VfioConfiguration withMigrationInterface(boolean v) {
        return new VfioConfiguration(device, enableMigration, v, containerDirtyTracking, initError, devices, allP2p,
                viommu, dmaTranslation, maxIovaReported, deviceDirtyTracking, deviceTrackingProp, iommuDirtyTracking,
                legacyBitmapTooSmall, postcopy, backgroundSnapshot);
    }

    public VfioConfiguration withContainerDirtyTracking(boolean v) {
        return new VfioConfiguration(device, enableMigration, migrationInterface, v, initError, devices, allP2p,
                viommu, dmaTranslation, maxIovaReported, deviceDirtyTracking, deviceTrackingProp, iommuDirtyTracking,
                legacyBitmapTooSmall, postcopy, backgroundSnapshot);
    }

    public VfioConfiguration withInitError(String v) {
        return new VfioConfiguration(device, enableMigration, migrationInterface, containerDirtyTracking, v, devices,
                allP2p, viommu, dmaTranslation, maxIovaReported, deviceDirtyTracking, deviceTrackingProp,
                iommuDirtyTracking, legacyBitmapTooSmall, postcopy, backgroundSnapshot);
    }

    public VfioConfiguration withDevices(int n, boolean p2p) {
        return new VfioConfiguration(device, enableMigration, migrationInterface, containerDirtyTracking, initError, n,
                p2p, viommu, dmaTranslation, maxIovaReported, deviceDirtyTracking, deviceTrackingProp,
                iommuDirtyTracking, legacyBitmapTooSmall, postcopy, backgroundSnapshot);
    }

    public VfioConfiguration withViommu(boolean present, boolean translation, boolean maxIova) {
        return new VfioConfiguration(device, enableMigration, migrationInterface, containerDirtyTracking, initError,
                devices, allP2p, present, translation, maxIova, deviceDirtyTracking, deviceTrackingProp,
                iommuDirtyTracking, legacyBitmapTooSmall, postcopy, backgroundSnapshot);
    }

    public VfioConfiguration withTracking(boolean device, boolean prop, boolean iommu) {
        return new VfioConfiguration(this.device, enableMigration, migrationInterface, containerDirtyTracking,
                initError, devices, allP2p, viommu, dmaTranslation, maxIovaReported, device, prop, iommu,
                legacyBitmapTooSmall, postcopy, backgroundSnapshot);
    }

    public VfioConfiguration withLegacyBitmapTooSmall(boolean v) {
        return new VfioConfiguration(device, enableMigration, migrationInterface, containerDirtyTracking, initError,
                devices, allP2p, viommu, dmaTranslation, maxIovaReported, deviceDirtyTracking, deviceTrackingProp,
                iommuDirtyTracking, v, postcopy, backgroundSnapshot);
    }

    public VfioConfiguration withCapabilities(boolean postcopy, boolean backgroundSnapshot) {
        return new VfioConfiguration(device, enableMigration, migrationInterface, containerDirtyTracking, initError,
                devices, allP2p, viommu, dmaTranslation, maxIovaReported, deviceDirtyTracking, deviceTrackingProp,
                iommuDirtyTracking, legacyBitmapTooSmall, postcopy, backgroundSnapshot);
    }
}
