package qmig.tools.receiver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import qmig.stream.grammar.MigrationStream;
import qmig.stream.grammar.ReaderOptions;
import qmig.stream.grammar.StreamRecord;
import qmig.stream.multifd.MultifdCompression;
import qmig.testdata.Captures;
import qmig.tools.send.Sender;

/**
 * Issue 9, faults: the peer resets the connection (SO_LINGER 0, so the close is an RST) in the
 * header, in RAM, in the device sections, in the trailer and on each multifd channel; each
 * fails its migration with {@link ReceiveError.Kind#CONNECTION}, the receiver goes on serving and
 * no thread or file descriptor is left behind. {@code --save} on a full filesystem (a 128 KiB
 * tmpfs) fails with {@link ReceiveError.Kind#SAVE_FAILED} and leaves no file.
 */
class ReceiverFaultTest {

    private static final Duration T = Duration.ofSeconds(30);

    /** Offsets in a capture where each stage of the stream is under way. */
    record Stages(long header, long ram, long devices, long trailer) {
        static Stages of(byte[] stream) throws IOException {
            MigrationStream ms = MigrationStream.read(stream, ReaderOptions.defaults());
            long ramPart = -1;
            long firstDevice = -1;
            long eof = -1;
            for (StreamRecord r : ms.records()) {
                if (r instanceof StreamRecord.SectionPart p && ramPart < 0 && p.header().idstr().equals("ram")) {
                    ramPart = r.offset();
                } else if (r instanceof StreamRecord.SectionFull && firstDevice < 0) {
                    firstDevice = r.offset();
                } else if (r instanceof StreamRecord.Eof) {
                    eof = r.offset();
                }
            }
            assertTrue(ramPart > 0 && firstDevice > ramPart && eof > firstDevice);
            return new Stages(6, ramPart + 4096 * 3 + 17, (firstDevice + eof) / 2, eof + 1 + 1000);
        }
    }

    /** Sends {@code prefix} bytes, lets the receiver read them, then resets the connection. */
    static void resetAfter(Receiver r, byte[] stream, long prefix) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(r.address(), 5000);
            s.getOutputStream().write(stream, 0, (int) prefix);
            s.getOutputStream().flush();
            Thread.sleep(300);
            s.setSoLinger(true, 0);
        }
    }

    @Test
    @Timeout(120)
    void aResetAtEveryStageFailsThatMigrationAndTheReceiverGoesOn() throws Exception {
        byte[] good = Captures.Q35_VIOMMU.bytes();
        Stages st = Stages.of(good);
        ReceiverConfig cfg = ReceiverConfig.loopback(0).withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(10));
        try (Receiver r = Receiver.start(cfg, System.err::println)) {
            assertTrue(Sender.send(new ByteArrayInputStream(good), r.address(), 0, MultifdCompression.NONE, T).accepted());
            r.awaitReports(1, 30, TimeUnit.SECONDS);
            ResourceProbe base = ResourceProbe.steady();
            long[] cuts = {st.header(), st.ram(), st.devices(), st.trailer()};
            String[] names = {"header", "ram", "device sections", "trailer"};
            for (int i = 0; i < cuts.length; i++) {
                resetAfter(r, good, cuts[i]);
                ReceiveReport rep = r.awaitReports(2 + i, 30, TimeUnit.SECONDS).get(1 + i);
                String what = "reset in the " + names[i] + " at " + cuts[i] + ":\n" + rep.toText();
                assertFalse(rep.completed(), what);
                assertEquals(ReceiveError.Kind.CONNECTION, rep.errorKind(), what);
                assertEquals(cuts[i], rep.bytes(), what);
                assertTrue(rep.digests().isEmpty(), what);
            }
            // still serving: a valid migration afterwards loads completely
            assertTrue(Sender.send(new ByteArrayInputStream(good), r.address(), 0, MultifdCompression.NONE, T).accepted());
            ReceiveReport after = r.awaitReports(6, 30, TimeUnit.SECONDS).get(5);
            ReceiverSendTest.assertLoaded(after);
            assertEquals(ReceiverSendTest.fileDigests(good), after.digests());
            assertEquals(List.of(), r.rejections());
            assertNoLeak(r, base);
        }
    }

    @Test
    @Timeout(120)
    void aResetOnEachMultifdChannelFailsThatMigration() throws Exception {
        byte[] good = Captures.Q35_VIOMMU.bytes();
        ReceiverConfig cfg = ReceiverConfig.loopback(0).withMultifd(2)
                .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(10));
        try (Receiver r = Receiver.start(cfg, System.err::println)) {
            assertTrue(Sender.send(new ByteArrayInputStream(good), r.address(), 2, MultifdCompression.NONE, T).accepted());
            r.awaitReports(1, 30, TimeUnit.SECONDS);
            ResourceProbe base = ResourceProbe.steady();
            for (int channel = 0; channel < 2; channel++) {
                // connection 0 is the main channel, then channel 0, channel 1 (the sender connects them in order)
                try (ResetProxy p = new ResetProxy(r.address(), 1 + channel, 64 + 5000)) {
                    try {
                        Sender.send(new ByteArrayInputStream(good), p.address(), 2, MultifdCompression.NONE, T);
                    } catch (IOException e) {
                        // the sender may notice the reset too
                    }
                }
                ReceiveReport rep = r.awaitReports(2 + channel, 30, TimeUnit.SECONDS).get(1 + channel);
                assertFalse(rep.completed(), rep::toText);
                assertEquals(ReceiveError.Kind.CONNECTION, rep.errorKind(), rep::toText);
                assertTrue(rep.error().contains("multifd channel " + channel), rep::toText);
            }
            assertTrue(Sender.send(new ByteArrayInputStream(good), r.address(), 2, MultifdCompression.NONE, T).accepted());
            ReceiveReport after = r.awaitReports(4, 30, TimeUnit.SECONDS).get(3);
            ReceiverSendTest.assertLoaded(after);
            assertEquals(2, after.multifd());
            assertEquals(ReceiverSendTest.fileDigests(good), after.digests());
            assertNoLeak(r, base);
        }
    }

    static void assertNoLeak(Receiver r, ResourceProbe base) throws Exception {
        assertEquals(0, r.activeMigrations());
        ResourceProbe now = ResourceProbe.settled(base, 1, 2, 15);
        assertTrue(now.threads() <= base.threads() + 1 && now.fds() <= base.fds() + 2,
                () -> "before " + base + ", after " + now + "\n" + ResourceProbe.threadNames());
    }

    @Test
    @Timeout(120)
    void saveOnAFullFilesystemLeavesNoFileAndTheReceiverGoesOn(@TempDir Path dir) throws Exception {
        byte[] good = Captures.Q35_VIOMMU.bytes();
        Path mnt = Files.createDirectories(dir.resolve("small"));
        boolean mounted = mount(mnt);
        Path save = mounted ? mnt.resolve("vm.mig") : Path.of("/proc/self/qmig-save-test.mig");
        ReceiverConfig cfg = ReceiverConfig.loopback(0).withSave(save);
        try (Receiver r = Receiver.start(cfg, System.err::println)) {
            Sender.Result res = Sender.send(new ByteArrayInputStream(good), r.address(), 0, MultifdCompression.NONE, T);
            ReceiveReport rep = r.awaitReports(1, 30, TimeUnit.SECONDS).get(0);
            assertFalse(rep.completed(), rep::toText);
            assertEquals(ReceiveError.Kind.SAVE_FAILED, rep.errorKind(), rep::toText);
            assertTrue(rep.error().contains(mounted ? "No space left on device" : "qmig-save-test.mig"), rep::toText);
            assertTrue(res != null);
            if (mounted) {
                try (Stream<Path> s = Files.list(mnt)) {
                    assertEquals(List.of(), s.toList(), "no file, partial or final, is left on the full filesystem");
                }
            }
            assertFalse(Files.exists(save));
        } finally {
            if (mounted) {
                umount(mnt);
            }
        }
        // without --save trouble the same stream loads (the receiver's own state was not the problem)
        try (Receiver r = Receiver.start(ReceiverConfig.loopback(0).withSave(dir.resolve("ok.mig")), s -> { })) {
            assertTrue(Sender.send(new ByteArrayInputStream(good), r.address(), 0, MultifdCompression.NONE, T).accepted());
            ReceiverSendTest.assertLoaded(r.awaitReports(1, 30, TimeUnit.SECONDS).get(0));
            assertEquals(good.length, Files.size(dir.resolve("ok.mig")));
        }
    }

    @Test
    @Timeout(60)
    void saveOverAnExistingDirectoryFailsAndKeepsTheDirectory(@TempDir Path dir) throws Exception {
        Path save = Files.createDirectories(dir.resolve("vm.mig"));
        try (Receiver r = Receiver.start(ReceiverConfig.loopback(0).withSave(save), System.err::println)) {
            Sender.send(new ByteArrayInputStream(Captures.Q35_PLAIN.bytes()), r.address(), 0, MultifdCompression.NONE, T);
            ReceiveReport rep = r.awaitReports(1, 30, TimeUnit.SECONDS).get(0);
            assertEquals(ReceiveError.Kind.SAVE_FAILED, rep.errorKind(), rep::toText);
            assertTrue(rep.error().contains("a directory of that name exists"), rep::toText);
        }
        assertTrue(Files.isDirectory(save));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(save), s.toList());
        }
    }

    /**
     * A 128 KiB tmpfs (the q35 capture is 425 KiB), mounted directly or through {@code sudo -n};
     * false when neither may mount. The test then still runs, against a path that refuses files.
     */
    static boolean mount(Path dir) throws Exception {
        String why = "";
        for (List<String> cmd : List.of(
                List.of("mount", "-t", "tmpfs", "-o", "size=128k", "tmpfs", dir.toString()),
                List.of("sudo", "-n", "mount", "-t", "tmpfs", "-o", "size=128k", "tmpfs", dir.toString()))) {
            try {
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                if (p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    sudoMounted = cmd.get(0).equals("sudo");
                    return true;
                }
                why += new String(p.getInputStream().readAllBytes()).trim() + "; ";
            } catch (IOException e) {
                why += e.getMessage() + "; ";
            }
        }
        System.err.println("no tmpfs (" + why + "): --save goes to a path that refuses files instead");
        return false;
    }

    private static boolean sudoMounted;

    static void umount(Path dir) throws Exception {
        Process p = new ProcessBuilder(sudoMounted ? List.of("sudo", "-n", "umount", dir.toString())
                : List.of("umount", dir.toString())).redirectErrorStream(true).start();
        if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("umount " + dir + ": " + new String(p.getInputStream().readAllBytes()));
        }
    }

    /**
     * A loopback TCP proxy in front of the receiver that resets the {@code victim}-th connection
     * (0-based, in accept order) towards the receiver once {@code after} bytes of it went through.
     */
    static final class ResetProxy implements AutoCloseable {
        private final ServerSocket server;
        private final List<Socket> sockets = new ArrayList<>();
        private final Thread acceptor;

        ResetProxy(InetSocketAddress to, int victim, long after) throws IOException {
            server = new ServerSocket(0, 16, java.net.InetAddress.getLoopbackAddress());
            AtomicInteger n = new AtomicInteger();
            acceptor = new Thread(() -> {
                try {
                    while (n.get() < 8) {
                        Socket c = server.accept();
                        Socket up = new Socket();
                        up.connect(to, 5000);
                        synchronized (sockets) {
                            sockets.add(c);
                            sockets.add(up);
                        }
                        boolean cut = n.getAndIncrement() == victim;
                        pump(c, up, cut ? after : Long.MAX_VALUE);
                        pump(up, c, Long.MAX_VALUE);
                    }
                } catch (IOException e) {
                    // closed
                }
            }, "reset-proxy");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        InetSocketAddress address() {
            return new InetSocketAddress("127.0.0.1", server.getLocalPort());
        }

        private static void pump(Socket from, Socket to, long limit) {
            Thread t = new Thread(() -> {
                byte[] b = new byte[8192];
                long done = 0;
                try {
                    InputStream in = from.getInputStream();
                    OutputStream out = to.getOutputStream();
                    for (int k; (k = in.read(b, 0, (int) Math.min(b.length, Math.max(0, limit - done)))) > 0; ) {
                        out.write(b, 0, k);
                        out.flush();
                        done += k;
                        if (done >= limit) {
                            Thread.sleep(300);
                            to.setSoLinger(true, 0);
                            to.close();
                            from.close();
                            return;
                        }
                    }
                    to.shutdownOutput();
                } catch (IOException | InterruptedException e) {
                    // either side went away
                }
            }, "reset-proxy-pump");
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void close() throws IOException {
            server.close();
            synchronized (sockets) {
                for (Socket s : sockets) {
                    s.close();
                }
            }
        }
    }
}
