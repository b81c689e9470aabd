package qmig.vfio.blocker;

import java.util.ArrayList;
import java.util.List;

/** The blocker rules of vfio.md §9, evaluated for one QEMU version. */
public final class VfioBlockers {

    public static final String NO_SUPPORT = "VFIO device doesn't support migration";
    public static final String MULTIPLE_80 = "Migration is currently not supported with multiple VFIO devices";
    public static final String MULTIPLE_82 = "Multiple VFIO devices migration is supported only if all of them support"
            + " P2P migration";
    public static final String VIOMMU = "Migration is currently not supported with vIOMMU enabled";
    public static final String SEED_V3_VIOMMU = "Migration is currently not supported with the configured vIOMMU";
    public static final String SEED_V4_VIOMMU = "Migration with vIOMMU is currently not supported without vIOMMU"
            + " address space boundaries";

    private VfioBlockers() {
    }

    public static Verdict evaluate(QemuVersion v, VfioConfiguration c) {
        List<String> blockers = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        String dev = c.device() + ": ";
        boolean realizeFails = false;

        if (v == QemuVersion.V7_2) {
            if (c.enableMigration() != OnOffAuto.ON || !c.containerDirtyTracking() || !c.migrationInterface()
                    || c.initError() != null) {
                blockers.add(NO_SUPPORT);
            }
            // no vIOMMU check in 7.2
            return new Verdict(blockers, warnings, false);
        }
        if (v == QemuVersion.V8_0) {
            if (c.enableMigration() != OnOffAuto.ON || !c.migrationInterface() || c.initError() != null) {
                blockers.add(NO_SUPPORT);
                return new Verdict(blockers, warnings, false);
            }
            if (c.devices() > 1) {
                blockers.add(MULTIPLE_80);
            }
            if (c.viommu()) {
                blockers.add(VIOMMU); // any non-system address space, dma-translation or not
            }
            return new Verdict(blockers, warnings, false);
        }

        // 8.1 and later (and the seed series, based on 8.1-era code)
        List<String> realize = new ArrayList<>();
        if (c.enableMigration() == OnOffAuto.OFF) {
            realize.add(dev + "Migration is disabled for VFIO device");
        } else if (!c.migrationInterface()) {
            realize.add(dev + "VFIO migration is not supported in kernel");
        } else if (c.initError() != null) {
            realize.add(dev + "Migration couldn't be initialized for VFIO device, err: " + c.initError());
        } else {
            boolean deviceTracking = c.deviceDirtyTracking() && (!v.atLeast(QemuVersion.V9_1) || c.deviceTrackingProp());
            boolean iommuTracking = v.atLeast(QemuVersion.V9_1) && c.iommuDirtyTracking();
            if (!deviceTracking && !iommuTracking) {
                String text = v.atLeast(QemuVersion.V9_1) ? dev + "VFIO device doesn't support device and IOMMU dirty tracking"
                        : dev + "VFIO device doesn't support device dirty tracking";
                if (c.enableMigration() == OnOffAuto.ON) {
                    warnings.add(text);
                } else {
                    realize.add(text);
                }
            }
            if (v == QemuVersion.MASTER && !deviceTracking && !iommuTracking && c.enableMigration() == OnOffAuto.ON
                    && c.legacyBitmapTooSmall()) {
                realize.add(dev + "Migration is currently not supported with large memory VM due to dirty tracking"
                        + " limitation in backend");
            }
            if (c.viommu()) {
                if (v == QemuVersion.MASTER) {
                    if (deviceTracking) {
                        realize.add(dev + VIOMMU);
                    }
                } else if (v.seed()) {
                    boolean translating = c.dmaTranslation();
                    if (translating && !c.maxIovaReported()) {
                        blockers.add(v == QemuVersion.SEED_V3 ? SEED_V3_VIOMMU : SEED_V4_VIOMMU);
                    }
                } else {
                    realize.add(dev + VIOMMU);
                }
            }
        }
        if (!realize.isEmpty()) {
            if (c.enableMigration() == OnOffAuto.ON) {
                realizeFails = true;
            }
            blockers.addAll(0, realize);
        }
        if (c.devices() > 1) {
            if (!v.atLeast(QemuVersion.V8_2)) {
                blockers.add(MULTIPLE_80);
            } else if (!c.allP2p()) {
                blockers.add(MULTIPLE_82);
            }
        }
        if (v.atLeast(QemuVersion.V8_2) && blockers.isEmpty() && !realizeFails) {
            // checked when the migration starts (save_prepare)
            if (c.postcopy()) {
                blockers.add(dev + "VFIO migration is not supported with postcopy migration");
            } else if (c.backgroundSnapshot()) {
                blockers.add(dev + "VFIO migration is not supported with background snapshot");
            }
        }
        return new Verdict(blockers, warnings, realizeFails);
    }
}
