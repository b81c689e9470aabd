package qmig.tools.diff;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import qmig.viommu.report.DeviceReport;
import qmig.viommu.report.VtdReport;
import qmig.viommu.vtd.Bdf;
import qmig.viommu.vtd.IotlbEvent;

/**
 * What differs between the vIOMMUs of two streams: the registers, and per device the mappings
 * the post-load replay delivers, matched by IOVA (added in B, removed from A, changed target,
 * size or permission).
 *
 * @param presentA whether stream A has an iommu-intel section
 * @param registers registers whose values differ (when both have one)
 * @param devices   devices whose context or mappings differ, in bus/devfn order
 */
public record IommuDiff(boolean presentA, boolean presentB, List<RegisterChange> registers, List<DeviceDiff> devices) {

    public IommuDiff {
        registers = List.copyOf(registers);
        devices = List.copyOf(devices);
    }

    public boolean differs() {
        return presentA != presentB || !registers.isEmpty() || !devices.isEmpty();
    }

    public record RegisterChange(String name, long a, long b) {
    }

    /** One replayed mapping: {@code size} bytes at {@code iova} to {@code gpa}. */
    public record Mapping(long iova, long gpa, long size, String perm) {
        static Mapping of(IotlbEvent e) {
            return new Mapping(e.iova(), e.translatedAddr(), e.size(), e.perm().name());
        }
    }

    public record MappingChange(Mapping a, Mapping b) {
    }

    /**
     * One device.
     *
     * @param contextA  the device's context in A ("domain 1 levels 3 root 0x..."), its fault, or
     *                  null when A's root table has no such device
     * @param added     the first mappings only in B (at most the limit); {@code addedCount} counts all
     */
    public record DeviceDiff(String bdf, String contextA, String contextB, long mappingsA, long mappingsB,
                             long addedCount, long removedCount, long changedCount, List<Mapping> added,
                             List<Mapping> removed, List<MappingChange> changed) {
        public DeviceDiff {
            added = List.copyOf(added);
            removed = List.copyOf(removed);
            changed = List.copyOf(changed);
        }
    }

    /**
     * @param a        A's report with its mappings kept, or null when A has no vIOMMU
     * @param maxItems the most mappings listed per device and kind (all are counted)
     */
    public static IommuDiff of(VtdReport a, VtdReport b, int maxItems) {
        List<RegisterChange> regs = new ArrayList<>();
        if (a != null && b != null) {
            Map<String, Long> ra = a.state().csr().all();
            Map<String, Long> rb = b.state().csr().all();
            for (Map.Entry<String, Long> e : ra.entrySet()) {
                long vb = rb.get(e.getKey());
                if (e.getValue() != vb) {
                    regs.add(new RegisterChange(e.getKey(), e.getValue(), vb));
                }
            }
        }
        Map<Bdf, DeviceReport> da = devices(a);
        Map<Bdf, DeviceReport> db = devices(b);
        TreeMap<Bdf, Boolean> all = new TreeMap<>();
        da.keySet().forEach(k -> all.put(k, true));
        db.keySet().forEach(k -> all.put(k, true));
        List<DeviceDiff> out = new ArrayList<>();
        for (Bdf bdf : all.keySet()) {
            DeviceDiff d = device(bdf, da.get(bdf), db.get(bdf), maxItems);
            if (d != null) {
                out.add(d);
            }
        }
        return new IommuDiff(a != null, b != null, regs, out);
    }

    private static Map<Bdf, DeviceReport> devices(VtdReport r) {
        Map<Bdf, DeviceReport> m = new TreeMap<>();
        if (r != null) {
            for (DeviceReport d : r.devices()) {
                m.put(d.bdf(), d);
            }
        }
        return m;
    }

    private static DeviceDiff device(Bdf bdf, DeviceReport a, DeviceReport b, int maxItems) {
        Map<Long, Mapping> ma = mappings(a);
        Map<Long, Mapping> mb = mappings(b);
        List<Mapping> added = new ArrayList<>();
        List<Mapping> removed = new ArrayList<>();
        List<MappingChange> changed = new ArrayList<>();
        long nAdded = 0;
        long nRemoved = 0;
        long nChanged = 0;
        for (Mapping x : ma.values()) {
            Mapping y = mb.get(x.iova());
            if (y == null) {
                if (nRemoved++ < maxItems) {
                    removed.add(x);
                }
            } else if (!x.equals(y) && nChanged++ < maxItems) {
                changed.add(new MappingChange(x, y));
            }
        }
        for (Mapping y : mb.values()) {
            if (!ma.containsKey(y.iova()) && nAdded++ < maxItems) {
                added.add(y);
            }
        }
        String ca = context(a);
        String cb = context(b);
        if (nAdded == 0 && nRemoved == 0 && nChanged == 0 && Objects.equals(ca, cb)) {
            return null;
        }
        return new DeviceDiff(bdf.toString(), ca, cb, ma.size(), mb.size(), nAdded, nRemoved, nChanged, added, removed,
                changed);
    }

    private static Map<Long, Mapping> mappings(DeviceReport d) {
        Map<Long, Mapping> m = new TreeMap<>(Long::compareUnsigned);
        if (d != null) {
            for (IotlbEvent e : d.events()) {
                m.put(e.iova(), Mapping.of(e));
            }
        }
        return m;
    }

    private static String context(DeviceReport d) {
        if (d == null) {
            return null;
        }
        if (d.context() == null) {
            return "fault " + d.fault();
        }
        var c = d.context();
        return String.format("domain %d %s levels %d root 0x%x%s", c.domainId(), c.typeName(), c.levels(),
                c.tableRoot(), c.scalable() ? " pasid " + c.pasid() : "");
    }
}
