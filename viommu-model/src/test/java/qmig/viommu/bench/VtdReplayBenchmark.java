package qmig.viommu.bench;

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
import qmig.viommu.vtd.DeviceContext;
import qmig.viommu.vtd.IntelIommu;
import qmig.viommu.vtd.IotlbEvent;
import qmig.viommu.vtd.ReplayingListener;
import qmig.viommu.vtd.VtdException;

/**
 * Replay rate on {@link IdentityDomain} (1,048,576 present 4 KiB PTEs). One operation is one
 * mapping of the domain, so the scores read as mappings per second.
 *
 * <ul>
 *   <li>{@code replay}: what {@code vtd_post_load} does on a fresh destination: the address-space
 *       switch, then for each of VFIO's two notifiers (below and above the interrupt window) the
 *       7.2 UNMAP burst, the walk, the IOVA tree and delivery into a counting listener.</li>
 *   <li>{@code walk}: the page walk alone over [0, ~0], counting MAP leaves.</li>
 * </ul>
 *
 * <p>Run by bench/vtd-replay.sh, never by {@code mvn verify} (not a surefire test).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class VtdReplayBenchmark {

    private IdentityDomain domain;
    private DeviceContext ctx;

    @Setup
    public void build() {
        domain = new IdentityDomain();
        ctx = domain.context();
    }

    /** Counts what VFIO's notifiers receive. */
    static final class Counter implements ReplayingListener.Sink {
        long maps;
        long unmaps;

        @Override
        public void event(qmig.viommu.vtd.Bdf bdf, qmig.viommu.vtd.IommuNotifier n, IotlbEvent e) {
            if (e.type() == IotlbEvent.Type.MAP) {
                maps++;
            } else {
                unmaps++;
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(IdentityDomain.PTES)
    public long replay() throws VtdException {
        IntelIommu iommu = domain.iommu();
        iommu.addressSpace(IdentityDomain.DEV);
        Counter c = new Counter();
        iommu.postLoad(new ReplayingListener(c));
        if (c.maps != IdentityDomain.DELIVERED) {
            throw new IllegalStateException("replay delivered " + c.maps + " MAP events");
        }
        return c.maps + c.unmaps;
    }

    @Benchmark
    @OperationsPerInvocation(IdentityDomain.PTES)
    public long walk() throws VtdException {
        long[] n = new long[1];
        domain.iommu().walker().walk(ctx, 0, -1L, e -> {
            if (e.type() == IotlbEvent.Type.MAP) {
                n[0]++;
            }
        });
        if (n[0] != IdentityDomain.PTES) {
            throw new IllegalStateException("walk found " + n[0] + " MAP leaves");
        }
        return n[0];
    }
}
