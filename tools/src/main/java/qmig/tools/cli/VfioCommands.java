package qmig.tools.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import qmig.stream.json.Json;
import qmig.stream.json.JsonValue;
import qmig.stream.json.JsonValue.JArray;
import qmig.stream.json.JsonValue.JObject;
import qmig.stream.json.JsonValue.JString;
import qmig.stream.json.JsonValue.Member;
import qmig.stream.memory.PhysicalMap;
import qmig.vfio.blocker.OnOffAuto;
import qmig.vfio.blocker.QemuVersion;
import qmig.vfio.blocker.VfioBlockers;
import qmig.vfio.blocker.VfioConfiguration;
import qmig.vfio.blocker.Verdict;
import qmig.vfio.container.DmaMapping;
import qmig.vfio.container.VfioContainer;
import qmig.vfio.notify.DmaMapEvent;
import qmig.vfio.notify.RamOracle;
import qmig.vfio.notify.RamSection;
import qmig.vfio.notify.VfioListener;
import qmig.vfio.state.V1Device;
import qmig.vfio.state.V1Event;
import qmig.viommu.mem.LoadedCapture;
import qmig.viommu.mem.Q35RamLayout;
import qmig.viommu.vtd.Bdf;
import qmig.viommu.vtd.IntelIommu;
import qmig.viommu.vtd.IotlbEvent;
import qmig.viommu.vtd.ReplayingListener;
import qmig.viommu.vtd.VtdException;

/** {@code qmig vfio} and {@code qmig blockers}. */
final class VfioCommands {

    private VfioCommands() {
    }

    @Command(name = "vfio", mixinStandardHelpOptions = true,
            description = "Treat the given devices as VFIO devices on a QEMU 7.2 destination: load the stream, map guest RAM"
                    + " into each device's container at realize, then let the vIOMMU's post-load replay drive the"
                    + " container (DMA map/unmap). Prints each container's DMA map, the device's migration state"
                    + " sequence and the RAM pages the mappings pin.")
    static final class Vfio implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        LimitOptions limitOptions = new LimitOptions();

        @Parameters(paramLabel = "FILE")
        Path file;

        @picocli.CommandLine.Mixin
        SnapshotOption snapshotOption = new SnapshotOption();

        @Option(names = "--device", required = true, paramLabel = "BDF", description = "bus:dev.fn, repeatable")
        List<String> devices;

        @Option(names = "--mappings", description = "list every mapping")
        boolean mappings;

        @Option(names = "--json", description = "print JSON")
        boolean json;

        @Override
        public Integer call() {
            List<Bdf> bdfs = new ArrayList<>();
            try {
                for (String d : devices) {
                    bdfs.add(Bdf.parse(d));
                }
            } catch (RuntimeException e) {
                System.err.println("qmig: bad BDF: " + e.getMessage());
                return Qmig.EXIT_USAGE;
            }
            try {
                LoadedCapture c = IommuCommands.capture(file, snapshotOption.snapshot);
                if (c.layout() == null) {
                    throw new IOException("the stream has no pc.ram block");
                }
                RamOracle ram = RamOracle.of(ramSections(c.layout()));
                Map<Bdf, VfioListener> vfio = new LinkedHashMap<>();
                Map<Bdf, V1Device> state = new LinkedHashMap<>();
                for (Bdf b : bdfs) {
                    String name = String.format("0000:%s", b);
                    VfioListener l = new VfioListener(name, new VfioContainer(), ram, false);
                    l.addAllRam(); // realize: guest RAM mapped 1:1 until a vIOMMU switches the address space
                    vfio.put(b, l);
                    V1Device dev = new V1Device(name);
                    dev.apply(V1Event.LOAD_SETUP);
                    state.put(b, dev);
                }
                boolean viommu = qmig.viommu.vtd.state.IntelIommuState.find(c.stream()) != null;
                if (viommu) {
                    IntelIommu iommu = IommuCommands.iommu(file, c,
                            limitOptions.walk(qmig.viommu.vtd.WalkLimits.DEFAULT));
                    for (Bdf b : bdfs) {
                        iommu.addressSpace(b);
                    }
                    Map<Bdf, List<long[]>> sections = new LinkedHashMap<>();
                    ReplayingListener rl = new ReplayingListener((bdf, n, e) -> {
                        VfioListener l = vfio.get(bdf);
                        if (l == null) {
                            return;
                        }
                        List<long[]> seen = sections.computeIfAbsent(bdf, k -> new ArrayList<>());
                        try {
                            if (seen.stream().noneMatch(x -> x[0] == n.start() && x[1] == n.end())) {
                                if (seen.isEmpty()) {
                                    for (RamSection r : l.mappedRam()) {
                                        l.ramSectionDel(r); // region_del of the RAM sections comes first
                                    }
                                }
                                seen.add(new long[] {n.start(), n.end()});
                                l.iommuSectionAdd(n.start(), n.end());
                            }
                            l.notify(adapt(e));
                        } catch (qmig.vfio.notify.VfioMapException x) {
                            // the listener is not strict: refused events are reported in problems(), not thrown
                            throw new IllegalStateException(x.getMessage(), x);
                        }
                    });
                    iommu.postLoad(rl);
                }
                for (V1Device d : state.values()) {
                    d.apply(V1Event.VM_START);
                }
                List<JsonValue> out = new ArrayList<>();
                for (Bdf b : bdfs) {
                    out.add(deviceJson(b, vfio.get(b), state.get(b), viommu, mappings));
                }
                if (json) {
                    System.out.println(Json.toQemuString(new JArray(out)));
                } else {
                    for (JsonValue v : out) {
                        printText((JObject) v);
                    }
                }
                return 0;
            } catch (IOException e) {
                return IommuCommands.fail(file, e);
            } catch (VtdException | RuntimeException e) {
                System.err.println("qmig: " + file + ": " + e.getMessage());
                return Qmig.EXIT_BAD_STREAM;
            } catch (Exception e) {
                System.err.println("qmig: " + file + ": " + e);
                return Qmig.EXIT_BAD_STREAM;
            }
        }

        static DmaMapEvent adapt(IotlbEvent e) {
            return new DmaMapEvent(e.iova(), e.translatedAddr(), e.addrMask(), e.perm().read(), e.perm().write(), true);
        }

        static List<RamSection> ramSections(Q35RamLayout l) {
            List<RamSection> out = new ArrayList<>();
            out.add(new RamSection(0, l.below4g(), "pc.ram", 0, 0, false));
            if (l.above4g() > 0) {
                out.add(new RamSection(PhysicalMap.FOUR_GIB, l.above4g(), "pc.ram", l.below4g(), l.below4g(), false));
            }
            return out;
        }

        static JsonValue deviceJson(Bdf b, VfioListener l, V1Device d, boolean viommu, boolean all) {
            List<DmaMapping> maps = new ArrayList<>(l.container().mappings());
            long bytes = 0;
            TreeSet<Long> pinned = new TreeSet<>(Long::compareUnsigned);
            List<long[]> ranges = new ArrayList<>();
            for (DmaMapping m : maps) {
                bytes += m.size();
                for (long p = m.gpa(); Long.compareUnsigned(p, m.gpa() + m.size()) < 0; p += 4096) {
                    pinned.add(p);
                }
                long[] last = ranges.isEmpty() ? null : ranges.get(ranges.size() - 1);
                if (last != null && last[1] == m.iova()) {
                    last[1] = m.iova() + m.size();
                } else {
                    ranges.add(new long[] {m.iova(), m.iova() + m.size()});
                }
            }
            List<Member> o = new ArrayList<>();
            o.add(new Member("device", new JString(b.toString())));
            o.add(new Member("viommu", new JsonValue.JBool(viommu)));
            o.add(new Member("mappings", JsonValue.JNumber.of(maps.size())));
            o.add(new Member("mapped_bytes", JsonValue.JNumber.of(bytes)));
            List<JsonValue> rs = new ArrayList<>();
            for (long[] r : ranges) {
                rs.add(new JString(String.format("0x%x-0x%x", r[0], r[1] - 1)));
            }
            o.add(new Member("iova_ranges", new JArray(rs)));
            o.add(new Member("pinned_ram_pages", JsonValue.JNumber.of(pinned.size())));
            o.add(new Member("zero_byte_unmaps", JsonValue.JNumber.of(l.zeroByteUnmaps())));
            List<JsonValue> seq = new ArrayList<>();
            for (Object s : d.sequence()) {
                seq.add(new JString(String.valueOf(s)));
            }
            o.add(new Member("state_sequence", new JArray(seq)));
            List<JsonValue> problems = new ArrayList<>();
            for (Object p : l.problems()) {
                problems.add(new JString(String.valueOf(p)));
            }
            o.add(new Member("problems", new JArray(problems)));
            if (all) {
                List<JsonValue> ms = new ArrayList<>();
                for (DmaMapping m : maps) {
                    ms.add(new JString(String.format("iova 0x%x size 0x%x -> gpa 0x%x %s", m.iova(), m.size(), m.gpa(),
                            m.readOnly() ? "ro" : "rw")));
                }
                o.add(new Member("dma_map", new JArray(ms)));
            }
            return new JObject(o);
        }

        static void printText(JObject o) {
            System.out.printf("%s (%s): %d mappings, %d bytes, %d RAM pages pinned, %d zero-byte unmaps%n",
                    o.getString("device"), ((JsonValue.JBool) o.get("viommu")).value() ? "behind the vIOMMU" : "no vIOMMU",
                    ((JsonValue.JNumber) o.get("mappings")).value(), ((JsonValue.JNumber) o.get("mapped_bytes")).value(),
                    ((JsonValue.JNumber) o.get("pinned_ram_pages")).value(),
                    ((JsonValue.JNumber) o.get("zero_byte_unmaps")).value());
            List<String> rs = new ArrayList<>();
            for (JsonValue v : ((JArray) o.get("iova_ranges")).items()) {
                rs.add(((JString) v).value());
            }
            System.out.println("  IOVA ranges: " + String.join(", ", rs));
            List<String> seq = new ArrayList<>();
            for (JsonValue v : ((JArray) o.get("state_sequence")).items()) {
                seq.add(((JString) v).value());
            }
            System.out.println("  device state: " + String.join(" -> ", seq));
            for (JsonValue v : ((JArray) o.get("problems")).items()) {
                System.out.println("  problem: " + ((JString) v).value());
            }
            if (o.has("dma_map")) {
                for (JsonValue v : ((JArray) o.get("dma_map")).items()) {
                    System.out.println("  " + ((JString) v).value());
                }
            }
        }
    }

    @Command(name = "blockers", mixinStandardHelpOptions = true,
            description = "Would QEMU allow migrating a VM with VFIO devices in this configuration? Prints 'allowed' or"
                    + " the exact blocker text QEMU fails with (exit 1).")
    static final class Blockers implements Callable<Integer> {
        @Option(names = "--qemu", required = true, description = "7.2, 8.0, 8.1, 8.2, 9.1, 10.2, seed-v3, seed-v4 or master")
        String qemu;

        @Option(names = "--viommu", description = "a vIOMMU is present")
        boolean viommu;

        @Option(names = "--dma-translation", defaultValue = "true", arity = "1",
                description = "the vIOMMU translates DMA (false = intel-iommu dma-translation=off). Default: ${DEFAULT-VALUE}")
        boolean dmaTranslation;

        @Option(names = "--max-iova-reported", description = "the vIOMMU reports its maximum IOVA (aw-bits)")
        boolean maxIova;

        @Option(names = "--devices", defaultValue = "1", description = "VFIO devices. Default: ${DEFAULT-VALUE}")
        int count;

        @Option(names = "--p2p", defaultValue = "true", arity = "1",
                description = "every device supports P2P states. Default: ${DEFAULT-VALUE}")
        boolean p2p;

        @Option(names = "--device-dirty-tracking", defaultValue = "true", arity = "1",
                description = "the device supports DMA logging. Default: ${DEFAULT-VALUE}")
        boolean deviceTracking;

        @Option(names = "--iommu-dirty-tracking", description = "the host IOMMU tracks dirty pages (iommufd)")
        boolean iommuTracking;

        @Option(names = "--postcopy", description = "the postcopy-ram capability is on")
        boolean postcopy;

        @Option(names = "--background-snapshot", description = "the background-snapshot capability is on")
        boolean backgroundSnapshot;

        @Option(names = "--enable-migration", defaultValue = "auto", description = "on, off or auto. Default: ${DEFAULT-VALUE}")
        String enableMigration;

        @Override
        public Integer call() {
            try {
                VfioConfiguration c = VfioConfiguration.defaults()
                        .withEnableMigration(OnOffAuto.valueOf(enableMigration.toUpperCase()))
                        .withDevices(count, p2p)
                        .withViommu(viommu, dmaTranslation, maxIova)
                        .withTracking(deviceTracking, true, iommuTracking)
                        .withCapabilities(postcopy, backgroundSnapshot);
                Verdict v = VfioBlockers.evaluate(QemuVersion.parse(qemu), c);
                for (String w : v.warnings()) {
                    System.out.println("warning: " + w);
                }
                if (v.allowed()) {
                    System.out.println("allowed");
                    return 0;
                }
                System.out.println(v.realizeFails() ? "device realize fails: " + v.text() : "blocked: " + v.text());
                return 1;
            } catch (IllegalArgumentException e) {
                System.err.println("qmig: " + e.getMessage());
                return Qmig.EXIT_USAGE;
            }
        }
    }
}
