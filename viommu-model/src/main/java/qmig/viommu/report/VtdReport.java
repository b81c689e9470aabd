package qmig.viommu.report;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import qmig.viommu.mem.LoadedCapture;
import qmig.viommu.vtd.Bdf;
import qmig.viommu.vtd.ContextLookup;
import qmig.viommu.vtd.DeviceContext;
import qmig.viommu.vtd.IntelIommu;
import qmig.viommu.vtd.IotlbEvent;
import qmig.viommu.vtd.ReplayOptions;
import qmig.viommu.vtd.ReplayingListener;
import qmig.viommu.vtd.VtdConfig;
import qmig.viommu.vtd.VtdException;
import qmig.viommu.vtd.ir.Irte;
import qmig.viommu.vtd.state.IntelIommuState;
import qmig.viommu.vtd.state.Registers;

/**
 * What {@code qmig iommu STREAM} prints: the migrated registers and mode, the destination
 * configuration and its mismatches, and per device found in the root table its context and the
 * mappings the post-load replay delivers (by page size, IOVA range, optionally all of them).
 *
 * @param state         the decoded section
 * @param config        the destination configuration used
 * @param rootScalable  scalable-mode tables
 * @param warnings      configuration mismatches
 * @param devices       per device with a present context, in bus/devfn order
 * @param irtes         present interrupt-remapping entries
 */
public record VtdReport(IntelIommuState state, VtdConfig config, boolean rootScalable, List<String> warnings,
                        List<DeviceReport> devices, List<Irte> irtes) {

    public VtdReport {
        warnings = List.copyOf(warnings);
        devices = List.copyOf(devices);
        irtes = List.copyOf(irtes);
    }

    /** Reads a stream's bytes, infers the configuration from its CAP/ECAP, and replays. */
    public static VtdReport of(byte[] stream, boolean keepMappings) throws IOException, VtdException {
        IntelIommu.registerDescriptions();
        LoadedCapture c = LoadedCapture.read(stream);
        IntelIommuState s = IntelIommuState.find(c.stream());
        if (s == null) {
            throw new IOException("the stream has no iommu-intel section");
        }
        return of(new IntelIommu(s, VtdConfig.inferFrom(s.csr()), c.memory()), keepMappings);
    }

    /**
     * Replays every device with a present context: address spaces are created for them, then
     * {@code postLoad} switches them and a VFIO-like listener replays each IOMMU section.
     */
    public static VtdReport of(IntelIommu iommu, boolean keepMappings) throws VtdException {
        Map<Bdf, ContextLookup> found = iommu.scanContexts();
        Map<Bdf, List<IotlbEvent>> maps = new HashMap<>();
        Map<Bdf, long[]> unmaps = new HashMap<>();
        for (Bdf b : found.keySet()) {
            iommu.addressSpace(b);
            maps.put(b, new ArrayList<>());
            unmaps.put(b, new long[1]);
        }
        ReplayingListener l = new ReplayingListener((bdf, n, e) -> {
            if (e.type() == IotlbEvent.Type.MAP) {
                maps.get(bdf).add(e);
            } else {
                unmaps.get(bdf)[0]++;
            }
        });
        iommu.postLoad(l);
        List<DeviceReport> out = new ArrayList<>();
        for (Map.Entry<Bdf, ContextLookup> en : found.entrySet()) {
            Bdf b = en.getKey();
            if (en.getValue() instanceof ContextLookup.Fault f) {
                out.add(new DeviceReport(b, null, f.reason(), f.detail(), 0, Map.of(), 0, -1, -1, 0, List.of()));
                continue;
            }
            DeviceContext ctx = ((ContextLookup.Found) en.getValue()).context();
            List<IotlbEvent> ev = maps.get(b);
            ev.sort((x, y) -> Long.compareUnsigned(x.iova(), y.iova()));
            Map<Long, Long> bySize = new TreeMap<>();
            long bytes = 0;
            long min = -1;
            long max = -1;
            for (IotlbEvent e : ev) {
                bySize.merge(e.size(), 1L, Long::sum);
                bytes += e.size();
                if (min == -1 || Long.compareUnsigned(e.iova(), min) < 0) {
                    min = e.iova();
                }
                if (max == -1 || Long.compareUnsigned(e.lastIova(), max) > 0) {
                    max = e.lastIova();
                }
            }
            out.add(new DeviceReport(b, ctx, null, null, ev.size(), bySize, bytes, min, max, unmaps.get(b)[0],
                    keepMappings ? ev : List.of()));
        }
        return new VtdReport(iommu.state(), iommu.config(), iommu.rootScalable(), iommu.warnings(), out,
                iommu.interrupts().presentEntries());
    }

    /** Total MAP events over all devices. */
    public long totalMappings() {
        return devices.stream().mapToLong(DeviceReport::mappings).sum();
    }

    /** The report as text, one line per register group and device. */
    public String toText(boolean mappings) {
        StringBuilder sb = new StringBuilder();
        Registers r = state.csr();
        sb.append(String.format("iommu-intel: root 0x%x (%s mode), dmar %s, qi %s, ir %s%s%n", state.root(),
                rootScalable ? "scalable" : "legacy", onOff(state.dmarEnabled()), onOff(state.qiEnabled()),
                onOff(state.intrEnabled()), state.intrEime() ? " (x2APIC)" : ""));
        sb.append(String.format("  GSTS 0x%08x %s  RTADDR 0x%x (TTM %d)  CAP 0x%x  ECAP 0x%x%n", r.gsts(),
                r.gstsFlags(), r.rtaddr(), r.rtaddrTtm(), r.cap(), r.ecap()));
        sb.append(String.format("  IQ 0x%x size %d head %d tail %d (IQA 0x%x)  IRT 0x%x size %d (IRTA 0x%x)%n",
                state.iq(), state.iqSize(), state.iqHead(), state.iqTail(), r.iqa(), state.intrRoot(),
                state.intrSize(), r.irta()));
        if (r.frcdFault()) {
            sb.append(String.format("  fault recorded: reason 0x%x sid %04x address 0x%x%n", r.frcdReason(),
                    r.frcdSid(), r.frcdAddress()));
        }
        sb.append(String.format("  destination: aw-bits %d, caching-mode %s, scalable %s, dma-translation %s,"
                        + " intremap %s, eim %s%n", config.awBits(), onOff(config.cachingMode()),
                onOff(config.scalableMode()), onOff(config.dmaTranslation()), onOff(config.intremap()),
                onOff(config.eim())));
        for (String w : warnings) {
            sb.append("  warning: ").append(w).append('\n');
        }
        if (!state.dmarEnabled()) {
            sb.append("DMA translation off: no replay, devices use identity (no-DMAR) address spaces\n");
        }
        for (DeviceReport d : devices) {
            if (d.context() == null) {
                sb.append(String.format("%s fault %s: %s%n", d.bdf(), d.fault(), d.faultDetail()));
                continue;
            }
            DeviceContext c = d.context();
            sb.append(String.format("%s domain %d %s levels %d root 0x%x%s mappings %d", d.bdf(), c.domainId(),
                    c.typeName(), c.levels(), c.tableRoot(), c.scalable() ? " pasid " + c.pasid() : "",
                    d.mappings()));
            d.bySize().forEach((k, v) -> sb.append(String.format(" %s:%d", sizeName(k), v)));
            if (d.mappings() > 0) {
                sb.append(String.format(" iova 0x%x-0x%x", d.iovaMin(), d.iovaMax()));
            }
            sb.append('\n');
            if (mappings) {
                for (IotlbEvent e : d.events()) {
                    sb.append(String.format("  iova 0x%x -> gpa 0x%x size 0x%x %s%n", e.iova(), e.translatedAddr(),
                            e.size(), e.perm()));
                }
            }
        }
        sb.append(String.format("interrupt remapping: %s, %d present IRTEs%n", onOff(state.intrEnabled()),
                irtes.size()));
        return sb.toString();
    }

    /** The report as JSON, keys named as in vtd-walk.py where they mean the same. */
    public String toJson(boolean mappings) {
        StringBuilder sb = new StringBuilder("{");
        Registers r = state.csr();
        kv(sb, "root", hex(state.root())).append(',');
        kv(sb, "rtaddr_reg", hex(r.rtaddr())).append(',');
        kv(sb, "scalable_mode", Boolean.toString(rootScalable)).append(',');
        kv(sb, "gsts", hex(r.gsts())).append(',');
        kv(sb, "dmar_enabled", Boolean.toString(state.dmarEnabled())).append(',');
        kv(sb, "qi_enabled", Boolean.toString(state.qiEnabled())).append(',');
        kv(sb, "intr_enabled", Boolean.toString(state.intrEnabled())).append(',');
        kv(sb, "intr_eime", Boolean.toString(state.intrEime())).append(',');
        kv(sb, "intr_root", hex(state.intrRoot())).append(',');
        kv(sb, "intr_size", Long.toString(state.intrSize())).append(',');
        kv(sb, "iq", hex(state.iq())).append(',');
        sb.append("\"registers\":{");
        boolean first = true;
        for (Map.Entry<String, Long> e : r.all().entrySet()) {
            sb.append(first ? "" : ",");
            first = false;
            kv(sb, e.getKey(), hex(e.getValue()));
        }
        sb.append("},\"warnings\":[");
        for (int i = 0; i < warnings.size(); i++) {
            sb.append(i == 0 ? "" : ",").append(str(warnings.get(i)));
        }
        sb.append("],\"devices\":[");
        for (int i = 0; i < devices.size(); i++) {
            DeviceReport d = devices.get(i);
            sb.append(i == 0 ? "{" : ",{");
            kv(sb, "bdf", str(d.bdf().toString()));
            if (d.context() == null) {
                sb.append(',');
                kv(sb, "fault", str(d.fault().name()));
            } else {
                DeviceContext c = d.context();
                sb.append(',');
                kv(sb, "did", Integer.toString(c.domainId())).append(',');
                kv(sb, c.scalable() ? "pgtt" : "tt", Integer.toString(c.type())).append(',');
                if (c.scalable()) {
                    kv(sb, "pasid", Integer.toString(c.pasid())).append(',');
                }
                kv(sb, "levels", Integer.toString(c.levels())).append(',');
                kv(sb, "slptptr", hex(c.tableRoot())).append(',');
                kv(sb, "present_mappings", Long.toString(d.mappings())).append(",\"by_size\":{");
                boolean f2 = true;
                for (Map.Entry<Long, Long> e : d.bySize().entrySet()) {
                    sb.append(f2 ? "" : ",");
                    f2 = false;
                    kv(sb, Long.toString(e.getKey()), Long.toString(e.getValue()));
                }
                sb.append("},");
                kv(sb, "mapped_bytes", Long.toString(d.mappedBytes()));
                if (d.mappings() > 0) {
                    sb.append(',');
                    kv(sb, "iova_min", hex(d.iovaMin())).append(',');
                    kv(sb, "iova_max", hex(d.iovaMax()));
                }
                if (mappings) {
                    sb.append(",\"mappings\":[");
                    for (int k = 0; k < d.events().size(); k++) {
                        IotlbEvent e = d.events().get(k);
                        sb.append(k == 0 ? "[" : ",[").append(hex(e.iova())).append(',').append(hex(e.translatedAddr()))
                                .append(',').append(e.size()).append(',').append(str(e.perm().name())).append(']');
                    }
                    sb.append(']');
                }
            }
            sb.append('}');
        }
        sb.append("],");
        kv(sb, "total_present_mappings", Long.toString(totalMappings())).append(',');
        kv(sb, "present_irtes", Integer.toString(irtes.size()));
        return sb.append('}').toString();
    }

    private static StringBuilder kv(StringBuilder sb, String k, String v) {
        return sb.append(str(k)).append(':').append(v);
    }

    private static String hex(long v) {
        return "\"0x" + Long.toHexString(v) + "\"";
    }

    private static String str(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static String onOff(boolean b) {
        return b ? "on" : "off";
    }

    static String sizeName(long size) {
        if (size >= 1L << 30 && size % (1L << 30) == 0) {
            return (size >> 30) + "G";
        }
        if (size >= 1L << 20 && size % (1L << 20) == 0) {
            return (size >> 20) + "M";
        }
        return (size >> 10) + "K";
    }
}
