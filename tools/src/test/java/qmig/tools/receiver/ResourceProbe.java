package qmig.tools.receiver;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What a receiver under abuse could leak, sampled in this JVM: live threads, open file
 * descriptors ({@code /proc/self/fd}) and the heap in use after GC.
 *
 * @param threads live threads
 * @param fds     open file descriptors
 * @param heap    heap bytes live after a full GC (the smallest of three)
 */
record ResourceProbe(int threads, int fds, long heap) {

    /** Samples once the thread and fd counts stayed the same for 5 samples 100 ms apart (at most 5 s). */
    static ResourceProbe steady() throws InterruptedException, IOException {
        ResourceProbe last = quick();
        for (int i = 0, same = 0; i < 50 && same < 5; i++) {
            Thread.sleep(100);
            ResourceProbe now = quick();
            same = now.threads == last.threads && now.fds == last.fds ? same + 1 : 0;
            last = now;
        }
        return new ResourceProbe(last.threads, last.fds, usedHeap());
    }

    /** Waits (at most {@code seconds}) for threads and fds to come down to {@code base} plus the tolerances. */
    static ResourceProbe settled(ResourceProbe base, int threadSlack, int fdSlack, int seconds)
            throws InterruptedException, IOException {
        ResourceProbe now = quick();
        for (int i = 0; i < seconds * 10 && (now.threads > base.threads + threadSlack || now.fds > base.fds + fdSlack); i++) {
            Thread.sleep(100);
            now = quick();
        }
        return new ResourceProbe(now.threads, now.fds, usedHeap());
    }

    private static ResourceProbe quick() throws IOException {
        return new ResourceProbe(ManagementFactory.getThreadMXBean().getThreadCount(), openFds(), -1);
    }

    static int openFds() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return (int) s.count();
        }
    }

    /**
     * The heap left by a full GC: the sum of the heap pools' usage as the collector left them
     * ({@link MemoryPoolMXBean#getCollectionUsage()}), not what other threads allocated since; the
     * smallest of three {@code System.gc()}s.
     */
    static long usedHeap() throws InterruptedException {
        long min = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            long live = 0;
            for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
                MemoryUsage u = p.getType() == MemoryType.HEAP ? p.getCollectionUsage() : null;
                live += u == null ? 0 : u.getUsed();
            }
            if (live == 0) { // a collector without collection usage: the heap in use now
                live = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            }
            min = Math.min(min, live);
            Thread.sleep(100);
        }
        return min;
    }

    static String threadNames() {
        var t = ManagementFactory.getThreadMXBean();
        return Arrays.stream(t.getThreadInfo(t.getAllThreadIds())).filter(Objects::nonNull)
                .map(x -> x.getThreadName()).sorted().collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return threads + " threads, " + fds + " fds, heap " + (heap >> 20) + " MiB";
    }
}
