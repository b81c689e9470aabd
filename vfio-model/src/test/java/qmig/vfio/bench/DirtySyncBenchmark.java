package qmig.vfio.bench;

import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import qmig.vfio.container.VfioContainer;
import qmig.vfio.dirty.DirtySync;
import qmig.vfio.dirty.DmaLoggingDevice;
import qmig.vfio.dirty.RamDirtyBitmap;
import qmig.vfio.notify.DmaMapEvent;
import qmig.vfio.notify.VfioListener;

/**
 * Issue 6, "dirty-bitmap sync of a 4 GiB guest with 1% dirty pages": a device with DMA logging
 * wrote 10,485 random pages (1% of 1,048,576) before each sync (not timed, {@link Level#Invocation});
 * one operation is one whole sync into the RAM dirty bitmap. Scores are milliseconds per sync.
 *
 * <ul>
 *   <li>{@code noViommu}: the container holds the two 1:1 RAM mappings; the device logs the 8.0
 *       ranges [0, 2 GiB) and [4 GiB, 6 GiB); two DMA_LOGGING_REPORTs of 2 GiB each.</li>
 *   <li>{@code noViommuAsTreeSet}: the same, through the {@code TreeSet<Long>} convenience.</li>
 *   <li>{@code viommu}: the container holds 1,048,576 vIOMMU mappings of 4 KiB (identity domain);
 *       the device logs [0, 2^39) (the seed series' range); one REPORT per mapping, as upstream
 *       QEMU queries IOMMU sections, each IOVA page translated to its ram_addr.</li>
 * </ul>
 *
 * <p>Run by bench/vfio-bench.sh, never by {@code mvn verify} (not a surefire test).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class DirtySyncBenchmark {

    static final int[] DIRTY = Guest4g.onePercent();

    /** A container, its logging device and the RAM bitmap, re-dirtied before every sync. */
    abstract static class Scenario {
        VfioContainer container;
        DmaLoggingDevice device;
        final RamDirtyBitmap ram = new RamDirtyBitmap(2 * Guest4g.LOW);

        abstract VfioListener listener() throws Exception;

        abstract List<DmaLoggingDevice.Range> ranges();

        @Setup(Level.Trial)
        public void build() throws Exception {
            container = listener().container();
            device = new DmaLoggingDevice("0000:00:01.0", container);
            device.start(ranges(), Guest4g.PAGE);
        }

        @Setup(Level.Invocation)
        public void dirty() throws Exception {
            ram.clear();
            for (int p : DIRTY) {
                device.write(Guest4g.gpa(p), 8);
            }
        }

        @TearDown(Level.Invocation)
        public void check() {
            long n = ram.cardinality();
            if (n != 0 && n != DIRTY.length) {
                throw new IllegalStateException(n + " dirty RAM pages, expected " + DIRTY.length);
            }
        }
    }

    @State(Scope.Benchmark)
    public static class NoViommu extends Scenario {
        @Override
        VfioListener listener() throws Exception {
            VfioListener l = new VfioListener("0000:00:01.0", new VfioContainer(Guest4g.CONFIG), Guest4g.RAM, true);
            l.addAllRam();
            return l;
        }

        @Override
        List<DmaLoggingDevice.Range> ranges() {
            return List.of(new DmaLoggingDevice.Range(0, Guest4g.LOW),
                    new DmaLoggingDevice.Range(Guest4g.HIGH_GPA, Guest4g.LOW));
        }
    }

    @State(Scope.Benchmark)
    public static class Viommu extends Scenario {
        @Override
        VfioListener listener() throws Exception {
            VfioListener l = Guest4g.viommuListener();
            for (DmaMapEvent e : Guest4g.mapEvents(false)) {
                l.notify(e);
            }
            return l;
        }

        @Override
        List<DmaLoggingDevice.Range> ranges() {
            return List.of(new DmaLoggingDevice.Range(0, 1L << 39));
        }
    }

    @Benchmark
    public long noViommu(NoViommu s) throws Exception {
        return DirtySync.sync(s.container, s.device, DirtySync.Source.DEVICE, Guest4g.RAM, s.ram);
    }

    @Benchmark
    public TreeSet<Long> noViommuAsTreeSet(NoViommu s) throws Exception {
        TreeSet<Long> pages = DirtySync.sync(s.container, s.device, DirtySync.Source.DEVICE, Guest4g.RAM);
        if (pages.size() != DIRTY.length) {
            throw new IllegalStateException(pages.size() + " dirty RAM pages");
        }
        return pages;
    }

    @Benchmark
    public long viommu(Viommu s) throws Exception {
        return DirtySync.sync(s.container, s.device, DirtySync.Source.DEVICE, Guest4g.RAM, s.ram);
    }
}
