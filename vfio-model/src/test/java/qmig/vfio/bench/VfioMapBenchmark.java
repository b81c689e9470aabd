package qmig.vfio.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import qmig.vfio.container.VfioContainer;
import qmig.vfio.notify.DmaMapEvent;
import qmig.vfio.notify.VfioListener;

/**
 * Issue 6, "Mapping one million replay events into the container (with its overlap checks)":
 * 1,048,576 MAP events of 4 KiB (a 4 GiB identity-mapped vIOMMU domain) into a fresh container.
 * One operation is one event, so scores read as events per second.
 *
 * <ul>
 *   <li>{@code replay}: through {@code vfio_iommu_map_notify} ({@link VfioListener#notify}):
 *       notifier-range filter, RAM lookup and single-section check, then MAP_DMA with the EEXIST
 *       overlap check and the entry budget. Events in IOVA order, as the VT-d replay walks.</li>
 *   <li>{@code replayShuffled}: the same events in random order (the tree's worst case is no
 *       locality).</li>
 *   <li>{@code containerMap}: MAP_DMA alone, IOVA order.</li>
 * </ul>
 *
 * <p>Run by bench/vfio-bench.sh, never by {@code mvn verify} (not a surefire test).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class VfioMapBenchmark {

    private DmaMapEvent[] inOrder;
    private DmaMapEvent[] shuffled;

    @Setup
    public void build() {
        inOrder = Guest4g.mapEvents(false);
        shuffled = Guest4g.mapEvents(true);
    }

    @Benchmark
    @OperationsPerInvocation(Guest4g.PAGES)
    public VfioContainer replay() throws Exception {
        return feed(inOrder);
    }

    @Benchmark
    @OperationsPerInvocation(Guest4g.PAGES)
    public VfioContainer replayShuffled() throws Exception {
        return feed(shuffled);
    }

    @Benchmark
    @OperationsPerInvocation(Guest4g.PAGES)
    public VfioContainer containerMap() throws Exception {
        VfioContainer c = new VfioContainer(Guest4g.CONFIG);
        for (DmaMapEvent e : inOrder) {
            c.map(e.iova(), e.size(), e.translatedAddr(), !e.write());
        }
        check(c);
        return c;
    }

    private static VfioContainer feed(DmaMapEvent[] events) throws Exception {
        VfioListener l = Guest4g.viommuListener();
        for (DmaMapEvent e : events) {
            l.notify(e);
        }
        check(l.container());
        return l.container();
    }

    private static void check(VfioContainer c) {
        if (c.size() != Guest4g.PAGES) {
            throw new IllegalStateException("container holds " + c.size() + " mappings");
        }
    }
}
