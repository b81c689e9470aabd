package qmig.tools.receiver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qmig.stream.multifd.MultifdCompression;
import qmig.testdata.Captures;
import qmig.tools.send.Sender;

/**
 * Issue 7, load: a bounded loop of 1000 bad connections (random bytes, HTTP requests, partial
 * headers), 32 at a time, while a valid migration completes; afterwards the live threads, the
 * active migrations and the heap are back to their baseline.
 */
class ReceiverConnectionLoopTest {

    private static final int CONNECTIONS = 1000;
    private static final int CONCURRENT = 32;
    private static final long HEAP_TOLERANCE = 64L << 20;

    private static final byte[] HTTP = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /** One bad connection of kind {@code i % 3}; returns the rejection kind it must produce. */
    private static ReceiveError.Kind badConnection(Receiver r, int i) throws IOException {
        try (Socket s = ReceiverBadInputTest.connect(r)) {
            switch (i % 3) {
                case 0:
                    byte[] noise = new byte[1 + new Random(i).nextInt(4096)];
                    new Random(i).nextBytes(noise);
                    noise[0] = (byte) (0x20 + (i & 0x1f)); // neither 'Q' (0x51) nor 0x11
                    s.getOutputStream().write(noise);
                    ReceiverBadInputTest.assertClosedByPeer(s);
                    return ReceiveError.Kind.NOT_A_MIGRATION;
                case 1:
                    s.getOutputStream().write(HTTP);
                    ReceiverBadInputTest.assertClosedByPeer(s);
                    return ReceiveError.Kind.NOT_A_MIGRATION;
                default:
                    // a partial header, then the sender closes
                    s.getOutputStream().write(new byte[] {0x51, 0x45, 0x56}, 0, 1 + i % 3);
                    return ReceiveError.Kind.INCOMPLETE_HEADER;
            }
        }
    }

    private static long usedHeap(MemoryMXBean mem) throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return mem.getHeapMemoryUsage().getUsed();
    }

    /** The live thread count once it stayed the same for 5 samples 100 ms apart (at most 5 s). */
    private static int steadyThreads(ThreadMXBean threads) throws InterruptedException {
        int last = threads.getThreadCount();
        for (int i = 0, same = 0; i < 50 && same < 5; i++) {
            Thread.sleep(100);
            int now = threads.getThreadCount();
            same = now == last ? same + 1 : 0;
            last = now;
        }
        return last;
    }

    /** Waits (at most 15 s) for the live thread count to come down to {@code baseline}. */
    private static int settledThreads(ThreadMXBean threads, int baseline) throws InterruptedException {
        int now = threads.getThreadCount();
        for (int i = 0; i < 150 && now > baseline; i++) {
            Thread.sleep(100);
            now = threads.getThreadCount();
        }
        return now;
    }

    @Test
    @Timeout(180)
    void thousandBadConnectionsLeaveNoThreadsOrHeapBehind() throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        ReceiverConfig cfg = ReceiverConfig.loopback(0).withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(10));
        byte[] good = Captures.Q35_VIOMMU.bytes();
        try (Receiver r = Receiver.start(cfg, s -> { })) {
            // warm-up: one migration and one of each bad kind start the event loops and load the classes
            assertTrue(Sender.send(new ByteArrayInputStream(good), r.address(), 0, MultifdCompression.NONE,
                    Duration.ofSeconds(60)).accepted());
            for (int i = 0; i < 3; i++) {
                badConnection(r, i);
            }
            r.awaitReports(1, 30, TimeUnit.SECONDS);
            int threadBase = steadyThreads(threads);
            long heapBase = usedHeap(mem);
            Receiver.Counters before = r.counters();

            ExecutorService pool = Executors.newFixedThreadPool(CONCURRENT);
            Future<Sender.Result> valid;
            List<Future<ReceiveError.Kind>> bad = new ArrayList<>();
            try {
                valid = pool.submit(() -> Sender.send(new ByteArrayInputStream(good), r.address(), 0,
                        MultifdCompression.NONE, Duration.ofSeconds(60)));
                for (int i = 0; i < CONNECTIONS; i++) {
                    int n = i;
                    bad.add(pool.submit(() -> badConnection(r, n)));
                }
                Map<ReceiveError.Kind, Long> expected = new java.util.EnumMap<>(ReceiveError.Kind.class);
                for (Future<ReceiveError.Kind> f : bad) {
                    expected.merge(f.get(60, TimeUnit.SECONDS), 1L, Long::sum);
                }
                assertTrue(valid.get(60, TimeUnit.SECONDS).accepted());

                // every bad connection was rejected, with the kind its input calls for
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (r.counters().rejected(null) < before.rejected(null) + CONNECTIONS && System.nanoTime() < end) {
                    Thread.sleep(20);
                }
                // counted by the receiver (it keeps only the most recent rejections)
                Receiver.Counters now = r.counters();
                assertEquals(before.rejected(null) + CONNECTIONS, now.rejected(null));
                Map<ReceiveError.Kind, Long> got = new java.util.EnumMap<>(ReceiveError.Kind.class);
                for (ReceiveError.Kind k : ReceiveError.Kind.values()) {
                    if (now.rejected(k) > before.rejected(k)) {
                        got.put(k, now.rejected(k) - before.rejected(k));
                    }
                }
                assertEquals(expected, got);
                assertTrue(r.rejections().size() <= r.config().keepRecent());
            } finally {
                pool.shutdownNow();
                assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
            }

            List<ReceiveReport> reps = r.awaitReports(2, 30, TimeUnit.SECONDS);
            assertEquals(2, reps.size(), reps::toString);
            ReceiverSendTest.assertLoaded(reps.get(1));
            assertEquals(ReceiverSendTest.fileDigests(good), reps.get(1).digests());
            assertEquals(0, r.activeMigrations());

            int threadsAfter = settledThreads(threads, threadBase);
            assertTrue(threadsAfter <= threadBase, () -> "threads: baseline " + threadBase + ", after "
                    + threadsAfter + "\n" + threadNames(threads));
            long heapAfter = usedHeap(mem);
            assertTrue(heapAfter <= heapBase + HEAP_TOLERANCE, () -> "heap: baseline " + (heapBase >> 20)
                    + " MiB, after " + (heapAfter >> 20) + " MiB (tolerance " + (HEAP_TOLERANCE >> 20) + " MiB)");
        }
    }

    private static String threadNames(ThreadMXBean threads) {
        return java.util.Arrays.stream(threads.getThreadInfo(threads.getAllThreadIds()))
                .filter(java.util.Objects::nonNull).map(t -> t.getThreadName()).sorted()
                .collect(Collectors.joining(", "));
    }
}
