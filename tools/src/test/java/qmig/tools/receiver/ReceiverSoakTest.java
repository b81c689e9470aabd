package qmig.tools.receiver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import qmig.stream.grammar.MigrationStream;
import qmig.stream.grammar.ReaderOptions;
import qmig.stream.grammar.StreamRecord;
import qmig.stream.memory.BlockDigest;
import qmig.stream.multifd.MultifdCompression;
import qmig.testdata.Capture;
import qmig.testdata.Captures;
import qmig.tools.send.Sender;
import qmig.tools.tls.TestCerts;
import qmig.tools.tls.TlsCreds;

/**
 * Issue 9, soak: three receivers (plain; multifd with 2 channels, since a 7.2 destination expects
 * multifd or not for every migration; TLS with verify-peer) take mixed traffic from several threads at once for
 * {@code -Dsoak.seconds} (default 10): valid migrations from {@link Sender} (three real captures,
 * plain, multifd none/zstd and TLS), plain clients at the TLS receiver, streams cut at random points, random bytes, trickling senders,
 * senders that stall past the idle timeout, and floods past {@code maxConnections}. At the end it
 * prints the figures and asserts that nothing was lost: every valid migration completed with the
 * capture's digests, every bad connection was refused with its kind, and threads, file descriptors
 * and heap came back to the baseline. The accounting uses the receivers' {@link Receiver#counters()} and
 * checks each report as it arrives ({@link Receiver#onReport}), while each receiver keeps only {@value #KEEP}
 * reports and rejections, so a run of hours stays correct and bounded. The long run:
 * {@code mvn -o -pl tools -am test -Dtest=ReceiverSoakTest -Dsoak.seconds=300 -Dsurefire.failIfNoSpecifiedTests=false}
 * (or {@code bench/receiver-soak.sh 300}).
 */
class ReceiverSoakTest {

    private static final int WORKERS = 6;
    private static final int MAX_CONNECTIONS = 32;
    private static final int FLOOD_EXTRA = 8;
    private static final Duration IDLE = Duration.ofSeconds(3);
    private static final Duration T = Duration.ofSeconds(60);
    /** Live heap growth allowed: the receivers keep KEEP reports each, the rest is caches and noise. */
    private static final long HEAP_TOLERANCE = 32L << 20;
    /** Reports and rejections each receiver keeps: small, so that even the 10 s run drops old ones. */
    private static final int KEEP = 8;

    /** What the soak throws; each has the outcome the receiver must give it. */
    enum Op { VALID, VALID_MULTIFD, VALID_TLS, PLAIN_TO_TLS, TRUNCATED, RANDOM, TRICKLE, STALL }

    private static final Op[] MIX = {Op.VALID, Op.VALID, Op.VALID, Op.VALID_MULTIFD, Op.VALID_MULTIFD, Op.TRUNCATED,
        Op.VALID_TLS, Op.PLAIN_TO_TLS, Op.TRUNCATED, Op.RANDOM, Op.RANDOM, Op.TRICKLE, Op.STALL};

    private record Stream(Capture capture, byte[] bytes, long eof, List<BlockDigest> digests) {
    }

    private Receiver plain;
    private Receiver multifd;
    private Receiver tls;
    private TlsCreds tlsClient;
    private final Map<Op, AtomicLong> sent = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> validPerCapture = new ConcurrentHashMap<>();
    private final AtomicLong floods = new AtomicLong();
    private final Object multifdOneAtATime = new Object();
    private final Map<String, AtomicLong> maxMillis = new ConcurrentHashMap<>();
    private final List<Throwable> clientErrors = java.util.Collections.synchronizedList(new ArrayList<>());

    private static long seconds() {
        return Long.getLong("soak.seconds", 10);
    }

    @Test
    void soak(@TempDir Path certDir) throws Exception {
        TestCerts certs = TestCerts.make(certDir);
        tlsClient = TlsCreds.load(certs.client(), TlsCreds.Endpoint.CLIENT, true);
        List<Stream> streams = new ArrayList<>();
        for (Capture c : List.of(Captures.Q35_VIOMMU, Captures.Q35_PLAIN, Captures.PC_PLAIN)) {
            byte[] b = c.bytes();
            long eof = -1;
            for (StreamRecord r : MigrationStream.read(b, ReaderOptions.defaults()).records()) {
                if (r instanceof StreamRecord.Eof) {
                    eof = r.offset();
                }
            }
            streams.add(new Stream(c, b, eof, ReceiverSendTest.fileDigests(b)));
        }
        ReceiverConfig base = ReceiverConfig.loopback(0).withMaxMigrations(64).withMaxConnections(MAX_CONNECTIONS)
                .withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(20)).withIdle(IDLE).withKeepRecent(KEEP);
        try (Receiver tlsReceiver = Receiver.start(base.withMaxConnections(ReceiverConfig.DEFAULT_MAX_CONNECTIONS)
                .withTls(TlsCreds.load(certs.server(), TlsCreds.Endpoint.SERVER, true)), s -> { });
             Receiver plain = Receiver.start(base, s -> { });
             // the flood goes to the plain receiver only; the multifd one keeps the default connection limit
             Receiver multifd = Receiver.start(base.withMultifd(2)
                     .withMaxConnections(ReceiverConfig.DEFAULT_MAX_CONNECTIONS), s -> { })) {
            this.plain = plain;
            this.multifd = multifd;
            this.tls = tlsReceiver;
            // warm-up: one of each, so that classes, event loops and buffers exist before the baseline
            Random warm = new Random(1);
            run(Op.VALID, plain, multifd, streams.get(0), warm);
            run(Op.VALID_MULTIFD, plain, multifd, streams.get(0), warm);
            run(Op.RANDOM, plain, multifd, streams.get(0), warm);
            run(Op.VALID_TLS, plain, multifd, streams.get(0), warm);
            run(Op.PLAIN_TO_TLS, plain, multifd, streams.get(0), warm);
            tlsReceiver.awaitReports(1, 30, TimeUnit.SECONDS);
            ReceiverBadInputTest.awaitRejection(tlsReceiver, x -> true);
            plain.awaitReports(1, 30, TimeUnit.SECONDS);
            multifd.awaitReports(1, 30, TimeUnit.SECONDS);
            sent.clear();
            validPerCapture.clear();
            Receiver.Counters plain0 = plain.counters();
            Receiver.Counters mfd0 = multifd.counters();
            Receiver.Counters tls0 = tlsReceiver.counters();
            // every report from here on is checked as it arrives; the receivers keep only the last KEEP
            Map<String, Long> completedPerCapture = new ConcurrentHashMap<>();
            AtomicLong checked = new AtomicLong();
            plain.onReport(r -> check(plain, r, "", streams, completedPerCapture, checked));
            multifd.onReport(r -> check(multifd, r, "", streams, completedPerCapture, checked));
            tlsReceiver.onReport(r -> check(tlsReceiver, r, " tls", streams, completedPerCapture, checked));
            ResourceProbe before = ResourceProbe.steady();

            long start = System.nanoTime();
            long deadline = start + TimeUnit.SECONDS.toNanos(seconds());
            ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < WORKERS; w++) {
                Random rnd = new Random(1000 + w);
                Thread t = new Thread(() -> {
                    while (System.nanoTime() < deadline && clientErrors.size() < 10) {
                        Op op = MIX[rnd.nextInt(MIX.length)];
                        Stream s = streams.get(rnd.nextInt(streams.size()));
                        lock.readLock().lock();
                        long t0 = System.nanoTime();
                        try {
                            run(op, plain, multifd, s, rnd);
                            maxMillis.computeIfAbsent(op.name().toLowerCase(Locale.ROOT), k -> new AtomicLong())
                                    .accumulateAndGet(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), Math::max);
                        } catch (Throwable e) {
                            clientErrors.add(new AssertionError(op + " of " + s.capture() + ": " + e, e));
                        } finally {
                            lock.readLock().unlock();
                        }
                    }
                }, "soak-" + w);
                t.start();
                threads.add(t);
            }
            Thread flooder = new Thread(() -> {
                while (System.nanoTime() < deadline - TimeUnit.SECONDS.toNanos(3) && clientErrors.size() < 10) {
                    try {
                        Thread.sleep(4000);
                        lock.writeLock().lock();
                        long t0 = System.nanoTime();
                        try {
                            flood(plain);
                            maxMillis.computeIfAbsent("flood", k -> new AtomicLong())
                                    .accumulateAndGet(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), Math::max);
                        } finally {
                            lock.writeLock().unlock();
                        }
                    } catch (Throwable e) {
                        clientErrors.add(new AssertionError("flood: " + e, e));
                    }
                }
            }, "soak-flood");
            flooder.start();
            threads.add(flooder);
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(seconds() + 120));
                assertTrue(!t.isAlive(), t.getName() + " did not stop");
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            if (!clientErrors.isEmpty()) {
                AssertionError e = new AssertionError(clientErrors.size() + " client errors, first: " + clientErrors.get(0));
                clientErrors.forEach(e::addSuppressed);
                throw e;
            }

            // ---- every migration accounted for --------------------------------------------------
            long valid = n(Op.VALID) + n(Op.TRICKLE);
            long plainExpected = valid + n(Op.TRUNCATED) + n(Op.STALL);
            long migrations = plainExpected + n(Op.VALID_MULTIFD) + n(Op.VALID_TLS);
            plain.awaitReports(plain0.migrations() + plainExpected, 60, TimeUnit.SECONDS);
            multifd.awaitReports(mfd0.migrations() + n(Op.VALID_MULTIFD), 60, TimeUnit.SECONDS);
            tlsReceiver.awaitReports(tls0.migrations() + n(Op.VALID_TLS), 60, TimeUnit.SECONDS);
            // the listeners run just after the count went up
            long checkEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (checked.get() < migrations && System.nanoTime() < checkEnd) {
                Thread.sleep(20);
            }
            assertEquals(migrations, checked.get(), "reports checked");
            if (!clientErrors.isEmpty()) {
                throw new AssertionError(clientErrors.get(0));
            }
            Map<String, Long> outcomes = outcomes(plain.counters(), plain0);
            outcomes(multifd.counters(), mfd0).forEach((k, v) -> outcomes.merge(k, v, Long::sum));
            outcomes(tlsReceiver.counters(), tls0).forEach((k, v) -> outcomes.merge(k, v, Long::sum));
            Map<String, Long> expectedOutcomes = new java.util.TreeMap<>();
            expectedOutcomes.put("completed", valid + n(Op.VALID_MULTIFD) + n(Op.VALID_TLS));
            expectedOutcomes.put(ReceiveError.Kind.CONNECTION.name(), n(Op.TRUNCATED));
            expectedOutcomes.put(ReceiveError.Kind.IDLE_TIMEOUT.name(), n(Op.STALL));
            expectedOutcomes.values().removeIf(v -> v == 0);
            assertEquals(expectedOutcomes, outcomes, () -> "reports by outcome");
            Map<String, Long> expectedPerCapture = new HashMap<>();
            validPerCapture.forEach((k, v) -> expectedPerCapture.put(k, v.get()));
            assertEquals(expectedPerCapture, completedPerCapture, "completed migrations per capture");

            long waitEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            long rejExpected = n(Op.RANDOM) + floods.get() * (MAX_CONNECTIONS + FLOOD_EXTRA);
            while (plain.counters().rejected(null) < plain0.rejected(null) + rejExpected && System.nanoTime() < waitEnd) {
                Thread.sleep(50);
            }
            Map<ReceiveError.Kind, Long> rejected = rejected(plain.counters(), plain0);
            Map<ReceiveError.Kind, Long> rejectedExpected = new EnumMap<>(ReceiveError.Kind.class);
            rejectedExpected.put(ReceiveError.Kind.NOT_A_MIGRATION, n(Op.RANDOM));
            rejectedExpected.put(ReceiveError.Kind.TOO_MANY_CONNECTIONS, floods.get() * FLOOD_EXTRA);
            rejectedExpected.put(ReceiveError.Kind.INCOMPLETE_HEADER, floods.get() * MAX_CONNECTIONS);
            rejectedExpected.values().removeIf(v -> v == 0);
            assertEquals(rejectedExpected, rejected, "rejections by kind");
            assertEquals(Map.of(), rejected(multifd.counters(), mfd0), "multifd receiver: rejections");
            while (tlsReceiver.counters().rejected(null) < tls0.rejected(null) + n(Op.PLAIN_TO_TLS)
                    && System.nanoTime() < waitEnd) {
                Thread.sleep(50);
            }
            Map<ReceiveError.Kind, Long> tlsRejected = rejected(tlsReceiver.counters(), tls0);
            assertEquals(n(Op.PLAIN_TO_TLS) == 0 ? Map.of() : Map.of(ReceiveError.Kind.TLS_REFUSED, n(Op.PLAIN_TO_TLS)),
                    tlsRejected, "TLS receiver: rejections");
            tlsRejected.forEach((k, v) -> rejected.merge(k, v, Long::sum));

            // ---- retention stayed bounded -------------------------------------------------------
            StringBuilder retained = new StringBuilder();
            for (Receiver r : List.of(plain, multifd, tlsReceiver)) {
                Receiver.Counters c = r.counters();
                int reps = r.reports().size();
                int rejs = r.rejections().size();
                assertEquals(Math.min(KEEP, c.migrations()), reps, "reports kept");
                assertEquals(Math.min(KEEP, c.rejected(null)), rejs, "rejections kept");
                retained.append(retained.length() == 0 ? "" : ", ").append(reps).append(" of ").append(c.migrations())
                        .append(" (rejections ").append(rejs).append(" of ").append(c.rejected(null)).append(')');
            }

            // ---- nothing left behind ------------------------------------------------------------
            long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while ((plain.activeMigrations() + multifd.activeMigrations() + tlsReceiver.activeMigrations() > 0
                    || plain.openConnections() + multifd.openConnections() + tlsReceiver.openConnections() > 0)
                    && System.nanoTime() < settle) {
                Thread.sleep(50);
            }
            assertEquals(0, plain.activeMigrations() + multifd.activeMigrations() + tlsReceiver.activeMigrations());
            assertEquals(0, plain.openConnections() + multifd.openConnections() + tlsReceiver.openConnections());
            ResourceProbe after = ResourceProbe.settled(before, 2, 4, 20);

            StringBuilder b = new StringBuilder();
            b.append(String.format(Locale.ROOT, "%nreceiver soak: %.1f s, %d workers + 1 flooder, max-connections %d%n",
                    elapsed, WORKERS, MAX_CONNECTIONS));
            b.append("  sent: ");
            for (Op op : Op.values()) {
                b.append(op.name().toLowerCase(Locale.ROOT)).append(' ').append(n(op)).append(", ");
            }
            b.append("floods ").append(floods.get()).append(" x ").append(MAX_CONNECTIONS + FLOOD_EXTRA).append('\n');
            b.append("  longest operation (ms): ").append(new java.util.TreeMap<>(maxMillis)).append('\n');
            b.append("  migrations completed and verified (digests = capture): ").append(outcomes.getOrDefault("completed", 0L))
                    .append(' ').append(new java.util.TreeMap<>(completedPerCapture)).append('\n');
            b.append("  migrations failed by kind: ").append(withoutCompleted(outcomes)).append('\n');
            b.append("  connections rejected by kind: ").append(rejected).append('\n');
            b.append("  reports retained (keep ").append(KEEP).append("; plain, multifd, tls): ").append(retained)
                    .append('\n');
            b.append(String.format(Locale.ROOT, "  heap after full GC: before %.1f MiB, after %.1f MiB%n",
                    before.heap() / 1048576.0, after.heap() / 1048576.0));
            b.append(String.format(Locale.ROOT, "  live threads: before %d, after %d%n", before.threads(), after.threads()));
            b.append(String.format(Locale.ROOT, "  open fds (/proc/self/fd): before %d, after %d%n", before.fds(),
                    after.fds()));
            System.out.print(b);
            assertTrue(after.threads() <= before.threads() + 2, () -> b + ResourceProbe.threadNames());
            assertTrue(after.fds() <= before.fds() + 4, b::toString);
            assertTrue(after.heap() <= before.heap() + HEAP_TOLERANCE, b::toString);
        }
    }

    private static Map<String, Long> withoutCompleted(Map<String, Long> m) {
        Map<String, Long> c = new java.util.TreeMap<>(m);
        c.remove("completed");
        return c;
    }

    /** Migrations finished between two snapshots, "completed" or by failure kind (nonzero only). */
    private static Map<String, Long> outcomes(Receiver.Counters now, Receiver.Counters before) {
        Map<String, Long> m = new java.util.TreeMap<>();
        if (now.completed() > before.completed()) {
            m.put("completed", now.completed() - before.completed());
        }
        for (ReceiveError.Kind k : ReceiveError.Kind.values()) {
            if (now.failed(k) > before.failed(k)) {
                m.put(k.name(), now.failed(k) - before.failed(k));
            }
        }
        return m;
    }

    /** Connections rejected between two snapshots, by kind (nonzero only). */
    private static Map<ReceiveError.Kind, Long> rejected(Receiver.Counters now, Receiver.Counters before) {
        Map<ReceiveError.Kind, Long> m = new EnumMap<>(ReceiveError.Kind.class);
        for (ReceiveError.Kind k : ReceiveError.Kind.values()) {
            if (now.rejected(k) > before.rejected(k)) {
                m.put(k, now.rejected(k) - before.rejected(k));
            }
        }
        return m;
    }

    /** On the loader's thread: a completed report must carry one capture's digests; the receiver keeps at most KEEP. */
    private void check(Receiver rec, ReceiveReport r, String via, List<Stream> streams, Map<String, Long> perCapture,
                       AtomicLong checked) {
        try {
            if (r.completed()) {
                ReceiverSendTest.assertLoaded(r);
                Stream s = streams.stream().filter(x -> x.digests().equals(r.digests())).findFirst()
                        .orElseThrow(() -> new AssertionError("digests match no capture:\n" + r.toText()));
                perCapture.merge(s.capture().toString() + (r.multifd() > 0 ? " multifd" : "") + via, 1L, Long::sum);
            }
            int reps = rec.reports().size();
            int rejs = rec.rejections().size();
            assertTrue(reps <= KEEP && rejs <= KEEP, () -> "kept " + reps + " reports, " + rejs + " rejections");
        } catch (Throwable e) {
            clientErrors.add(new AssertionError("report " + r.id() + ": " + e, e));
        } finally {
            checked.incrementAndGet();
        }
    }

    private long n(Op op) {
        AtomicLong v = sent.get(op);
        return v == null ? 0 : v.get();
    }

    private void count(Op op) {
        sent.computeIfAbsent(op, k -> new AtomicLong()).incrementAndGet();
    }

    private void run(Op op, Receiver plain, Receiver multifd, Stream s, Random rnd) throws Exception {
        switch (op) {
            case VALID -> {
                Sender.Result r = Sender.send(new ByteArrayInputStream(s.bytes()), plain.address(), 0,
                        MultifdCompression.NONE, T);
                assertTrue(r.accepted(), r::toString);
                validPerCapture.computeIfAbsent(s.capture().toString(), k -> new AtomicLong()).incrementAndGet();
            }
            case VALID_MULTIFD -> {
                MultifdCompression c = rnd.nextBoolean() ? MultifdCompression.NONE : MultifdCompression.ZSTD;
                byte[] uuid = new byte[16];
                rnd.nextBytes(uuid);
                // One multifd migration at a time, as a QEMU destination takes them: a 7.2 main channel
                // carries no uuid, so while two migrations both wait for their first channel the
                // receiver cannot tell whose a channel is. It waits and then refuses the channel
                // instead of guessing (a guess mixed two guests' pages in earlier soaks).
                synchronized (multifdOneAtATime) {
                    long before = multifd.counters().migrations();
                    Sender.Result r = Sender.send(new ByteArrayInputStream(s.bytes()), multifd.address(), 2, c, T, null, uuid);
                    assertTrue(r.accepted(), r::toString);
                    long end = System.nanoTime() + T.toNanos();
                    while (multifd.counters().migrations() <= before && System.nanoTime() < end) {
                        Thread.sleep(5);
                    }
                }
                validPerCapture.computeIfAbsent(s.capture() + " multifd", k -> new AtomicLong()).incrementAndGet();
            }
            case VALID_TLS -> {
                Sender.Result r = Sender.send(new ByteArrayInputStream(s.bytes()), tls.address(), 0,
                        MultifdCompression.NONE, T, tlsClient);
                assertTrue(r.accepted(), r::toString);
                validPerCapture.computeIfAbsent(s.capture() + " tls", k -> new AtomicLong()).incrementAndGet();
            }
            case PLAIN_TO_TLS -> {
                try (Socket k = connect(tls)) {
                    try {
                        k.getOutputStream().write(s.bytes(), 0, 4096);
                    } catch (IOException e) {
                        // refused while writing
                    }
                    ReceiverBadInputTest.assertClosedByPeer(k);
                }
            }
            case TRUNCATED -> {
                // cut anywhere from just after the magic to just before QEMU_VM_EOF, then a normal close
                int cut = 4 + rnd.nextInt((int) s.eof() - 4);
                try (Socket k = connect(plain)) {
                    k.getOutputStream().write(s.bytes(), 0, cut);
                    k.shutdownOutput();
                    ReceiverBadInputTest.assertClosedByPeer(k);
                }
            }
            case RANDOM -> {
                byte[] noise = new byte[1 + rnd.nextInt(8192)];
                rnd.nextBytes(noise);
                noise[0] = (byte) (0x20 + rnd.nextInt(0x20)); // never 'Q' (0x51) nor 0x11
                try (Socket k = connect(plain)) {
                    try {
                        k.getOutputStream().write(noise);
                    } catch (IOException e) {
                        // refused while writing: fine, the receiver closed first
                    }
                    ReceiverBadInputTest.assertClosedByPeer(k);
                }
            }
            case TRICKLE -> {
                try (Socket k = connect(plain)) {
                    OutputStream out = k.getOutputStream();
                    byte[] b = s.bytes();
                    for (int off = 0; off < b.length; ) {
                        int n = Math.min(b.length - off, 4096 + rnd.nextInt(60000));
                        out.write(b, off, n);
                        out.flush();
                        off += n;
                        Thread.sleep(1 + rnd.nextInt(100)); // well inside the idle timeout
                    }
                    k.shutdownOutput();
                    ReceiverBadInputTest.assertClosedByPeer(k);
                }
                validPerCapture.computeIfAbsent(s.capture().toString(), k -> new AtomicLong()).incrementAndGet();
            }
            case STALL -> {
                int cut = 4 + rnd.nextInt((int) s.eof() - 4);
                try (Socket k = connect(plain)) {
                    k.getOutputStream().write(s.bytes(), 0, cut);
                    k.getOutputStream().flush();
                    // say nothing more: the receiver must give up after the idle timeout and close
                    long t0 = System.nanoTime();
                    ReceiverBadInputTest.assertClosedByPeer(k);
                    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                    assertTrue(ms >= IDLE.toMillis() - 100 && ms < 10_000, "closed after " + ms + " ms");
                }
            }
            default -> throw new IllegalStateException(op.name());
        }
        count(op);
    }

    private static Socket connect(Receiver r) throws IOException {
        Socket s = new Socket();
        s.connect(r.address(), 5000);
        s.setSoTimeout(15_000);
        return s;
    }

    /** With nothing else open: MAX_CONNECTIONS are admitted (then time out or close), FLOOD_EXTRA refused at once. */
    private void flood(Receiver r) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        // loaders may still be working through their pipes: only the connection count matters here
        while (r.openConnections() > 0 && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        assertEquals(0, r.openConnections(), "connections still open before the flood");
        long refused0 = r.counters().rejected(ReceiveError.Kind.TOO_MANY_CONNECTIONS);
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < MAX_CONNECTIONS + FLOOD_EXTRA; i++) {
                held.add(connect(r));
            }
            long wait = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (r.counters().rejected(ReceiveError.Kind.TOO_MANY_CONNECTIONS) < refused0 + FLOOD_EXTRA
                    && System.nanoTime() < wait) {
                Thread.sleep(10);
            }
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
        // the admitted ones end as INCOMPLETE_HEADER (closed with 0 bytes); wait until they are gone
        while (r.openConnections() > 0 && System.nanoTime() < end + TimeUnit.SECONDS.toNanos(10)) {
            Thread.sleep(20);
        }
        assertTrue(r.rejections().size() <= KEEP, () -> "kept " + r.rejections().size() + " rejections");
        floods.incrementAndGet();
    }
}
