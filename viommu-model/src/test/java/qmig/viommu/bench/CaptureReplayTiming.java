package qmig.viommu.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import qmig.viommu.mem.LoadedCapture;
import qmig.viommu.report.VtdReport;
import qmig.viommu.vtd.Bdf;
import qmig.viommu.vtd.ContextLookup;
import qmig.viommu.vtd.DeviceContext;
import qmig.viommu.vtd.IntelIommu;
import qmig.viommu.vtd.IotlbEvent;
import qmig.viommu.vtd.PageWalker;
import qmig.viommu.vtd.ReplayingListener;
import qmig.viommu.vtd.VtdConfig;
import qmig.viommu.vtd.state.IntelIommuState;

/**
 * Times the VT-d work on a decoded capture inside one JVM, after the stream is decoded and
 * {@code pc.ram} is in memory (JVM start-up and stream decode excluded; decode is printed apart):
 *
 * <ul>
 *   <li>{@code walk}: the page walk of every device with a present, translated context over
 *       [0, ~0], counting MAP leaves: the peer of vtd-walk.py's {@code walk_sl} calls;</li>
 *   <li>{@code replay}: {@code vtd_post_load} on a fresh destination (address-space switch, the
 *       7.2 UNMAP burst, walk, IOVA tree, delivery) for those devices;</li>
 *   <li>{@code report}: what {@code qmig iommu} computes, context scan and IRTEs included.</li>
 * </ul>
 *
 * <p>The walk and the replay run {@code runs} times (default 1000), the report a twentieth of
 * that. The first run (cold: interpreted code) is printed apart from the median and best of the
 * last half, by when C2 has compiled the loops (on the Linux capture that takes ~150 walks).
 * Output lines are {@code key value}, for bench/vtd-replay.sh. Usage:
 * {@code CaptureReplayTiming FILE.mig [runs]}.
 */
public final class CaptureReplayTiming {

    private CaptureReplayTiming() {
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        IntelIommu.registerDescriptions();
        long t0 = System.nanoTime();
        LoadedCapture c = LoadedCapture.read(file);
        long decode = System.nanoTime() - t0;
        IntelIommuState s = IntelIommuState.find(c.stream());
        VtdConfig cfg = VtdConfig.inferFrom(s.csr());
        IntelIommu probe = new IntelIommu(s, cfg, c.memory());
        List<Bdf> devices = new ArrayList<>();
        List<DeviceContext> contexts = new ArrayList<>();
        for (Map.Entry<Bdf, ContextLookup> e : probe.scanContexts().entrySet()) {
            devices.add(e.getKey());
            if (e.getValue() instanceof ContextLookup.Found f && !f.context().passThrough()) {
                contexts.add(f.context());
            }
        }
        System.out.printf("decode_ms %.1f%n", decode / 1e6);
        System.out.printf("devices %d walked %d%n", devices.size(), contexts.size());

        long[] walk = new long[runs];
        long leaves = 0;
        for (int i = 0; i < runs; i++) {
            long[] n = new long[1];
            long t = System.nanoTime();
            PageWalker w = probe.walker();
            for (DeviceContext ctx : contexts) {
                w.walk(ctx, 0, -1L, false, (iova, xlat, mask, perm) -> {
                    if (perm != 0) {
                        n[0]++;
                    }
                });
            }
            walk[i] = System.nanoTime() - t;
            leaves = n[0];
        }
        print("walk", walk, leaves);

        long[] replay = new long[runs];
        long delivered = 0;
        for (int i = 0; i < runs; i++) {
            long[] n = new long[1];
            long t = System.nanoTime();
            IntelIommu iommu = new IntelIommu(s, cfg, c.memory());
            for (Bdf b : devices) {
                iommu.addressSpace(b);
            }
            iommu.postLoad(new ReplayingListener((bdf, nt, e) -> {
                if (e.type() == IotlbEvent.Type.MAP) {
                    n[0]++;
                }
            }));
            replay[i] = System.nanoTime() - t;
            delivered = n[0];
        }
        print("replay", replay, delivered);

        long[] report = new long[Math.max(runs / 20, 4)];
        long total = 0;
        for (int i = 0; i < report.length; i++) {
            long t = System.nanoTime();
            VtdReport r = VtdReport.of(new IntelIommu(s, cfg, c.memory()), false);
            report[i] = System.nanoTime() - t;
            total = r.totalMappings();
        }
        print("report", report, total);
    }

    /** {@code NAME_cold_ms}, {@code NAME_median_ms}, {@code NAME_best_ms} (last half) and the count. */
    private static void print(String name, long[] ns, long count) {
        long[] warm = Arrays.copyOfRange(ns, ns.length / 2, ns.length);
        Arrays.sort(warm);
        System.out.printf("%s_cold_ms %.3f%n", name, ns[0] / 1e6);
        if (warm.length > 0) {
            System.out.printf("%s_median_ms %.3f%n", name, warm[warm.length / 2] / 1e6);
            System.out.printf("%s_best_ms %.3f%n", name, warm[0] / 1e6);
        }
        System.out.printf("%s_mappings %d%n", name, count);
    }
}
