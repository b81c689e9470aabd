package qmig.viommu.vtd;

import java.util.ArrayList;
import java.util.List;
import qmig.viommu.vtd.state.IntelIommuState;
import qmig.viommu.vtd.state.Registers;

/**
 * The destination's {@code intel-iommu} properties (QEMU 7.2; spec/intel-iommu.md §5.1). They are
 * not in the stream: QEMU takes them from its command line and derives CAP/ECAP and every mask
 * used by the walks from them, never from the migrated {@code csr}.
 *
 * @param awBits          {@code aw-bits}: 39 or 48
 * @param cachingMode     {@code caching-mode}
 * @param scalableMode    {@code x-scalable-mode}
 * @param pasid           {@code x-pasid-mode}
 * @param dmaTranslation  {@code dma-translation} (off = interrupt remapping only)
 * @param intremap        interrupt remapping supported ({@code intremap} resolved)
 * @param eim             {@code eim} resolved (auto is off under TCG)
 * @param passThrough     {@code pt}
 * @param deviceIotlb     {@code device-iotlb}
 * @param snoopControl    {@code snoop-control}
 * @param dmaDrain        {@code dma-drain}
 */
public record VtdConfig(int awBits, boolean cachingMode, boolean scalableMode, boolean pasid,
                        boolean dmaTranslation, boolean intremap, boolean eim, boolean passThrough,
                        boolean deviceIotlb, boolean snoopControl, boolean dmaDrain) {

    public VtdConfig {
        if (awBits != 39 && awBits != 48) {
            throw new IllegalArgumentException("Supported values for aw-bits are: 39, 48 (got " + awBits + ")");
        }
        if (pasid && !scalableMode) {
            throw new IllegalArgumentException("x-pasid-mode requires x-scalable-mode=on");
        }
        if (eim && !intremap) {
            throw new IllegalArgumentException("eim=on requires interrupt remapping");
        }
    }

    /** QEMU 7.2's defaults under TCG: aw-bits 39, intremap on, eim off, pt on, dma-drain on. */
    public static VtdConfig defaults() {
        return new VtdConfig(39, false, false, false, true, true, false, true, false, false, true);
    }

    /**
     * The properties of an {@code intel-iommu} {@code -device} option, e.g.
     * {@code intel-iommu,intremap=on,caching-mode=on,aw-bits=48}; unknown properties are ignored.
     */
    public static VtdConfig fromDeviceOption(String option) {
        VtdConfig c = defaults();
        String[] parts = option.split(",");
        if (!parts[0].equals("intel-iommu")) {
            throw new IllegalArgumentException("not an intel-iommu device option: " + option);
        }
        int aw = c.awBits;
        boolean cm = c.cachingMode, sm = c.scalableMode, pasid = c.pasid, dt = c.dmaTranslation,
                ir = c.intremap, eim = c.eim, pt = c.passThrough, diotlb = c.deviceIotlb, sc = c.snoopControl,
                drain = c.dmaDrain;
        for (int i = 1; i < parts.length; i++) {
            int eq = parts[i].indexOf('=');
            String k = eq < 0 ? parts[i] : parts[i].substring(0, eq);
            String v = eq < 0 ? "on" : parts[i].substring(eq + 1);
            switch (k) {
                case "aw-bits" -> aw = Integer.parseInt(v);
                case "caching-mode" -> cm = onOff(k, v);
                case "x-scalable-mode" -> sm = onOff(k, v);
                case "x-pasid-mode" -> pasid = onOff(k, v);
                case "dma-translation" -> dt = onOff(k, v);
                case "intremap" -> ir = !v.equals("off");
                case "eim" -> eim = v.equals("on");
                case "pt" -> pt = onOff(k, v);
                case "device-iotlb" -> diotlb = onOff(k, v);
                case "snoop-control" -> sc = onOff(k, v);
                case "dma-drain" -> drain = onOff(k, v);
                default -> {
                    // other properties do not change the model
                }
            }
        }
        return new VtdConfig(aw, cm, sm, pasid, dt, ir, eim, pt, diotlb, sc, drain);
    }

    /** The first {@code intel-iommu} {@code -device} of a QEMU argument list, or null. */
    public static VtdConfig fromQemuArgs(List<String> args) {
        for (int i = 0; i + 1 < args.size(); i++) {
            if (args.get(i).equals("-device") && args.get(i + 1).startsWith("intel-iommu")) {
                return fromDeviceOption(args.get(i + 1));
            }
        }
        return null;
    }

    /**
     * The configuration a destination most likely has: the one whose CAP/ECAP equal the migrated
     * ones (aw-bits from MGAW, dma-translation from SAGAW, the flags from their bits). A
     * register file of zeros gives {@link #defaults()}.
     */
    public static VtdConfig inferFrom(Registers r) {
        if (r.cap() == 0 && r.ecap() == 0) {
            return defaults();
        }
        int aw = r.capMgawBits() == 48 ? 48 : 39;
        return new VtdConfig(aw, r.capCm(), r.ecapSmts(), r.ecapPasid() && r.ecapSmts(), r.capSagaw() != 0,
                r.ecapIr(), r.ecapEim() && r.ecapIr(), r.ecapPt(), r.ecapDt(), r.ecapSc(), r.capDwd());
    }

    private static boolean onOff(String k, String v) {
        if (v.equals("on") || v.equals("true")) {
            return true;
        }
        if (v.equals("off") || v.equals("false")) {
            return false;
        }
        throw new IllegalArgumentException("property " + k + ": expected on/off, got '" + v + "'");
    }

    public VtdConfig withAwBits(int aw) {
        return new VtdConfig(aw, cachingMode, scalableMode, pasid, dmaTranslation, intremap, eim, passThrough,
                deviceIotlb, snoopControl, dmaDrain);
    }

    public VtdConfig withScalableMode(boolean on) {
        return new VtdConfig(awBits, cachingMode, on, pasid && on, dmaTranslation, intremap, eim, passThrough,
                deviceIotlb, snoopControl, dmaDrain);
    }

    public VtdConfig withDmaTranslation(boolean on) {
        return new VtdConfig(awBits, cachingMode, scalableMode, pasid, on, intremap, eim, passThrough,
                deviceIotlb, snoopControl, dmaDrain);
    }

    public VtdConfig withCachingMode(boolean on) {
        return new VtdConfig(awBits, on, scalableMode, pasid, dmaTranslation, intremap, eim, passThrough,
                deviceIotlb, snoopControl, dmaDrain);
    }

    public VtdConfig withPassThrough(boolean on) {
        return new VtdConfig(awBits, cachingMode, scalableMode, pasid, dmaTranslation, intremap, eim, on,
                deviceIotlb, snoopControl, dmaDrain);
    }

    public VtdConfig withDeviceIotlb(boolean on) {
        return new VtdConfig(awBits, cachingMode, scalableMode, pasid, dmaTranslation, intremap, eim, passThrough,
                on, snoopControl, dmaDrain);
    }

    /** {@code VTD_HAW_MASK(aw)}: 2^aw − 1. */
    public long hawMask() {
        return (1L << awBits) - 1;
    }

    /** CAP as {@code vtd_init} computes it (spec/intel-iommu.md §4.5). */
    public long cap() {
        long cap = (0x220L << 20) | 0L << 40 | 6L | (18L << 48) | (1L << 39) | (3L << 34)
                | ((long) ((awBits - 1) & 0x3f) << 16);
        if (dmaDrain) {
            cap |= 3L << 54;
        }
        if (dmaTranslation) {
            cap |= 0x2L << 8;
            if (awBits >= 48) {
                cap |= 0x4L << 8;
            }
        }
        if (cachingMode) {
            cap |= 1L << 7;
        }
        return cap;
    }

    /** ECAP as {@code vtd_init} computes it (spec/intel-iommu.md §4.6). */
    public long ecap() {
        long e = (1L << 1) | (0xf0L << 4);
        if (intremap) {
            e |= (1L << 3) | (15L << 20);
            if (eim) {
                e |= 1L << 4;
            }
        }
        if (deviceIotlb) {
            e |= 1L << 2;
        }
        if (passThrough) {
            e |= 1L << 6;
        }
        if (scalableMode) {
            e |= (1L << 43) | (1L << 31) | (1L << 46);
        }
        if (snoopControl) {
            e |= 1L << 7;
        }
        if (pasid) {
            e |= 1L << 40;
        }
        return e;
    }

    /** Whether a second-level table of {@code level} levels has its SAGAW bit (vtd_is_level_supported). */
    public boolean levelSupported(int level) {
        return level >= 2 && level <= 6 && (cap() & (0x1fL << 8) & (1L << (level - 2 + 8))) != 0;
    }

    /**
     * Differences between this destination and what the source's guest saw in {@code csr}, as a
     * user would want them reported. An empty list means the two agree.
     */
    public List<String> mismatches(IntelIommuState s) {
        List<String> w = new ArrayList<>();
        Registers r = s.csr();
        long cap = r.cap();
        long ecap = r.ecap();
        if (cap == 0 && ecap == 0) {
            w.add("csr CAP/ECAP are zero: the stream's register file was never initialised");
            return w;
        }
        if (r.capMgawBits() != awBits) {
            w.add("aw-bits: source CAP.MGAW says " + r.capMgawBits() + ", destination has " + awBits);
        }
        if (r.capCm() != cachingMode) {
            w.add("caching-mode: source " + onOff(r.capCm()) + ", destination " + onOff(cachingMode));
        }
        int sagaw = (int) ((cap() >>> 8) & 0x1f);
        if (r.capSagaw() != sagaw) {
            w.add("SAGAW: source 0x" + Integer.toHexString(r.capSagaw()) + ", destination 0x"
                    + Integer.toHexString(sagaw) + " (dma-translation=" + onOff(dmaTranslation) + ")");
        }
        if (r.ecapSmts() != scalableMode) {
            w.add("x-scalable-mode: source " + onOff(r.ecapSmts()) + ", destination " + onOff(scalableMode));
        }
        if (r.ecapIr() != intremap) {
            w.add("intremap: source " + onOff(r.ecapIr()) + ", destination " + onOff(intremap));
        }
        if (r.ecapEim() != eim) {
            w.add("eim: source " + onOff(r.ecapEim()) + ", destination " + onOff(eim));
        }
        if (r.ecapPt() != passThrough) {
            w.add("pt: source " + onOff(r.ecapPt()) + ", destination " + onOff(passThrough));
        }
        if (r.ecapDt() != deviceIotlb) {
            w.add("device-iotlb: source " + onOff(r.ecapDt()) + ", destination " + onOff(deviceIotlb));
        }
        if (r.ecapSc() != snoopControl) {
            w.add("snoop-control: source " + onOff(r.ecapSc()) + ", destination " + onOff(snoopControl));
        }
        if (r.ecapPasid() != pasid) {
            w.add("x-pasid-mode: source " + onOff(r.ecapPasid()) + ", destination " + onOff(pasid));
        }
        if ((r.rtaddr() & (1L << 10)) != 0 && !scalableMode) {
            w.add("RTADDR selects a scalable-mode root table but the destination lacks x-scalable-mode:"
                    + " the tables will be read in legacy format");
        }
        if (s.dmarEnabled() && !dmaTranslation) {
            w.add("the stream has DMA remapping enabled but the destination has dma-translation=off");
        }
        if (s.intrEnabled() && !intremap) {
            w.add("the stream has interrupt remapping enabled but the destination has intremap=off");
        }
        if (cap != cap() && w.isEmpty()) {
            w.add("CAP: source 0x" + Long.toHexString(cap) + ", destination 0x" + Long.toHexString(cap()));
        }
        if (ecap != ecap() && w.isEmpty()) {
            w.add("ECAP: source 0x" + Long.toHexString(ecap) + ", destination 0x" + Long.toHexString(ecap()));
        }
        return w;
    }

    private static String onOff(boolean b) {
        return b ? "on" : "off";
    }
}
