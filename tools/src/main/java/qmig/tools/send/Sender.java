package qmig.tools.send;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import qmig.stream.grammar.MigrationStream;
import qmig.stream.grammar.ReaderOptions;
import qmig.stream.grammar.StreamRecord;
import qmig.stream.grammar.StreamWriter;
import qmig.stream.memory.GuestMemory;
import qmig.stream.memory.RamLoader;
import qmig.stream.multifd.MultifdCompression;
import qmig.stream.multifd.MultifdRamEmitter;
import qmig.stream.wire.Limits;
import qmig.stream.wire.WireWriter;
import qmig.tools.tls.TlsCreds;

/**
 * {@code qmig send}: plays a saved stream into a destination as a QEMU 7.2 source would — the
 * main channel over TCP and, with {@code multifd > 0}, the RAM re-emitted as a multifd migration
 * (main channel first, then the channels, spec/multifd.md §2). The return path is read alongside:
 * PONGs are counted; after the last byte the sender waits for {@code SHUT} or the peer's close.
 */
public final class Sender {

    /**
     * @param bytes      main-channel bytes written
     * @param pongs      PONG messages read from the return path
     * @param shut       the SHUT status, or null when the destination closed without one
     * @param multifd    channels used
     * @param multifdPages pages sent over the channels
     */
    public record Result(long bytes, int pongs, Integer shut, int multifd, long multifdPages) {
        /** SHUT(0), or (no return path) a clean close. */
        public boolean accepted() {
            return shut == null || shut == 0;
        }
    }

    private Sender() {
    }

    /** Sends {@code stream} (decompressed bytes of a saved stream) to {@code to}. */
    public static Result send(InputStream stream, InetSocketAddress to, int multifd, MultifdCompression compression,
                              Duration timeout) throws IOException, InterruptedException {
        return send(stream, to, multifd, compression, timeout, null);
    }

    /**
     * The same over TLS when {@code tls} is not null: every connection (main and multifd) runs a
     * client handshake that checks the destination's certificate against {@code tls}' CA and the
     * host of {@code to} (like QEMU's default {@code tls-hostname}).
     */
    public static Result send(InputStream stream, InetSocketAddress to, int multifd, MultifdCompression compression,
                              Duration timeout, TlsCreds tls) throws IOException, InterruptedException {
        return send(stream, to, multifd, compression, timeout, tls, new byte[16]);
    }

    /**
     * The same with the VM's UUID in the multifd init packets ({@code uuid}, 16 bytes: QEMU's
     * {@code -uuid}, all zero by default). A destination that takes several multifd migrations at
     * once tells their channels apart by it.
     */
    public static Result send(InputStream stream, InetSocketAddress to, int multifd, MultifdCompression compression,
                              Duration timeout, TlsCreds tls, byte[] uuid) throws IOException, InterruptedException {
        if (uuid.length != 16) {
            throw new IllegalArgumentException("a UUID has 16 bytes, got " + uuid.length);
        }
        try (Socket main = connect(to, timeout, tls)) {
            ReturnPathReader rp = new ReturnPathReader(main.getInputStream());
            Thread t = new Thread(rp, "qmig-send-rp");
            t.setDaemon(true);
            t.start();
            long bytes;
            long mfdPages = 0;
            if (multifd == 0) {
                bytes = copy(stream, main.getOutputStream());
            } else {
                byte[] all = stream.readAllBytes();
                mfdPages = sendMultifd(all, main, to, multifd, compression, timeout, tls, uuid);
                bytes = -1;
            }
            main.shutdownOutput();
            t.join(timeout.toMillis());
            if (t.isAlive()) {
                throw new IOException("the destination neither sent SHUT nor closed within " + timeout.toSeconds() + " s");
            }
            if (rp.error != null) {
                throw rp.error;
            }
            return new Result(bytes, rp.pongs.get(), rp.shut, multifd, mfdPages);
        }
    }

    private static long copy(InputStream in, OutputStream out) throws IOException {
        byte[] buf = new byte[1 << 16];
        long n = 0;
        for (int r; (r = in.read(buf)) > 0; ) {
            out.write(buf, 0, r);
            n += r;
        }
        out.flush();
        return n;
    }

    /** The stream's records on the main channel with its RAM re-emitted over {@code n} multifd channels. */
    private static long sendMultifd(byte[] all, Socket main, InetSocketAddress to, int n, MultifdCompression compression,
                                    Duration timeout, TlsCreds tls, byte[] uuid) throws IOException {
        MigrationStream ms = MigrationStream.read(all, ReaderOptions.defaults());
        List<Socket> sockets = new ArrayList<>();
        try (GuestMemory memory = GuestMemory.onHeap()) {
            RamLoader.load(all, memory, Limits.DEFAULT);
            WireWriter mw = new WireWriter(main.getOutputStream(), 1 << 16);
            StreamWriter sw = new StreamWriter(mw);
            sw.writeHeader(ms.header());
            sw.flush();
            List<WireWriter> channels = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Socket s = connect(to, timeout, tls);
                sockets.add(s);
                channels.add(new WireWriter(s.getOutputStream(), 1 << 16));
            }
            long pages;
            try (MultifdRamEmitter e = new MultifdRamEmitter(memory, 256, channels, compression, 1, uuid.clone())) {
                for (StreamRecord r : ms.records()) {
                    boolean ram = r instanceof StreamRecord.Section s && s.header().idstr().equals("ram");
                    if (!ram) {
                        sw.write(r);
                        if (r instanceof StreamRecord.Command) {
                            sw.flush();
                        }
                    } else if (r instanceof StreamRecord.SectionStart s) {
                        e.write(sw, s.header().sectionId(), ms.footers());
                    }
                }
                sw.flush();
                pages = e.multifdPages();
            }
            return pages;
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    private static Socket connect(InetSocketAddress to, Duration timeout, TlsCreds tls) throws IOException {
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.connect(to, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        if (tls == null) {
            return s;
        }
        try {
            s.setSoTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
            Socket t = tls.clientSocket(s, to.getHostString());
            t.setSoTimeout(0);
            return t;
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    /** Reads {@code be16 type, be16 len, payload} messages (spec/return-path.md §2) until SHUT or EOF. */
    private static final class ReturnPathReader implements Runnable {
        private final InputStream in;
        final AtomicInteger pongs = new AtomicInteger();
        volatile Integer shut;
        volatile IOException error;

        ReturnPathReader(InputStream in) {
            this.in = in;
        }

        @Override
        public void run() {
            DataInputStream d = new DataInputStream(in);
            try {
                while (true) {
                    int type;
                    try {
                        type = d.readUnsignedShort();
                    } catch (EOFException e) {
                        return;
                    }
                    int len = d.readUnsignedShort();
                    if (type < 1 || type > 7 || len > 512) {
                        error = new IOException(String.format("RP: Received invalid message 0x%04x length 0x%04x", type, len));
                        return;
                    }
                    byte[] payload = d.readNBytes(len);
                    if (payload.length < len) {
                        error = new IOException("RP: short message of type " + type);
                        return;
                    }
                    if (type == 2) {
                        pongs.incrementAndGet();
                    } else if (type == 1 && len == 4) {
                        shut = ((payload[0] & 0xff) << 24) | ((payload[1] & 0xff) << 16) | ((payload[2] & 0xff) << 8)
                                | (payload[3] & 0xff);
                        return;
                    }
                }
            } catch (IOException e) {
                if (shut == null) {
                    error = e;
                }
            }
        }
    }
}
