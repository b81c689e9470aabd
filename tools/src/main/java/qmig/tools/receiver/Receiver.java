package qmig.tools.receiver;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import qmig.stream.multifd.MultifdInitPacket;

/**
 * {@code qmig receive}: a Netty server that QEMU 7.2 sources (or {@code qmig send}) migrate into.
 * Each connection is sniffed and routed ({@link SniffHandler}); each main channel becomes a
 * {@link Migration} loaded on its own thread, isolated from the others, at most
 * {@link ReceiverConfig#maxMigrations()} at once.
 */
public final class Receiver implements AutoCloseable {

    /** A connection closed before it became (part of) a migration. */
    public record Rejection(String remote, ReceiveError.Kind kind, String message) {
    }

    /**
     * Running totals since the receiver started, whatever {@link ReceiverConfig#keepRecent()} kept.
     *
     * @param completed migrations loaded to their end
     * @param failed    failed migrations by kind (only kinds that occurred)
     * @param rejected  rejected connections by kind (only kinds that occurred)
     */
    public record Counters(long completed, Map<ReceiveError.Kind, Long> failed, Map<ReceiveError.Kind, Long> rejected) {
        public Counters {
            failed = copy(failed);
            rejected = copy(rejected);
        }

        /** Migrations finished, completed or failed. */
        public long migrations() {
            return completed + failed(null);
        }

        /** Failed migrations of {@code kind}, or of any kind when null. */
        public long failed(ReceiveError.Kind kind) {
            return kind == null ? sum(failed) : failed.getOrDefault(kind, 0L);
        }

        /** Rejected connections of {@code kind}, or of any kind when null. */
        public long rejected(ReceiveError.Kind kind) {
            return kind == null ? sum(rejected) : rejected.getOrDefault(kind, 0L);
        }

        private static Map<ReceiveError.Kind, Long> copy(Map<ReceiveError.Kind, Long> m) {
            EnumMap<ReceiveError.Kind, Long> c = new EnumMap<>(ReceiveError.Kind.class);
            c.putAll(m);
            return Collections.unmodifiableMap(c);
        }

        private static long sum(Map<ReceiveError.Kind, Long> m) {
            long n = 0;
            for (long v : m.values()) {
                n += v;
            }
            return n;
        }
    }

    private final ReceiverConfig config;
    private final EventLoopGroup group;
    private final Channel server;
    private final Consumer<String> log;
    private final List<Migration> active = new ArrayList<>();
    private final ArrayDeque<ReceiveReport> reports = new ArrayDeque<>();
    private final ArrayDeque<Rejection> rejections = new ArrayDeque<>();
    private long completed;
    private final EnumMap<ReceiveError.Kind, Long> failed = new EnumMap<>(ReceiveError.Kind.class);
    private final EnumMap<ReceiveError.Kind, Long> rejected = new EnumMap<>(ReceiveError.Kind.class);
    private final List<Consumer<ReceiveReport>> listeners = new ArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private int nextId = 1;

    private Receiver(ReceiverConfig config, Consumer<String> log) throws InterruptedException {
        this.config = config;
        this.log = log;
        PostLoad.init();
        this.group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        try {
            ServerBootstrap b = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            int open = connections.incrementAndGet();
                            ch.closeFuture().addListener(f -> connections.decrementAndGet());
                            if (open > config.maxConnections()) {
                                reject(ch, ReceiveError.Kind.TOO_MANY_CONNECTIONS, "too many connections: " + (open - 1)
                                        + " open, --max-connections is " + config.maxConnections());
                                return;
                            }
                            if (config.tls() != null) {
                                SslHandler tls = new SslHandler(config.tls().serverEngine());
                                tls.setHandshakeTimeoutMillis(config.sniffTimeout().toMillis());
                                ch.pipeline().addLast("tls", tls);
                            }
                            ch.pipeline().addLast("sniff", new SniffHandler(Receiver.this));
                        }
                    });
            this.server = b.bind(config.listen()).sync().channel();
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** Binds and starts accepting; {@code log} gets one line per event (connections, errors, reports). */
    public static Receiver start(ReceiverConfig config, Consumer<String> log) throws InterruptedException {
        return new Receiver(config, log);
    }

    public ReceiverConfig config() {
        return config;
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    /** Called with each finished migration's report, on the loader's thread. */
    public synchronized void onReport(Consumer<ReceiveReport> l) {
        listeners.add(l);
    }

    /** The reports of the most recent {@link ReceiverConfig#keepRecent()} finished migrations, in finishing order. */
    public synchronized List<ReceiveReport> reports() {
        return List.copyOf(reports);
    }

    /** The most recent {@link ReceiverConfig#keepRecent()} rejections, oldest first. */
    public synchronized List<Rejection> rejections() {
        return List.copyOf(rejections);
    }

    /** The totals since start: migrations finished by outcome, connections rejected by kind. */
    public synchronized Counters counters() {
        return new Counters(completed, failed, rejected);
    }

    /** Connections open right now (each counted from accept until its close completed). */
    public int openConnections() {
        return connections.get();
    }

    public synchronized int activeMigrations() {
        return active.size();
    }

    /**
     * Waits until {@code n} migrations have finished since start (counted, not the reports kept);
     * returns the kept reports in finishing order.
     */
    public synchronized List<ReceiveReport> awaitReports(long n, long timeout, TimeUnit unit)
            throws InterruptedException, TimeoutException {
        long end = System.nanoTime() + unit.toNanos(timeout);
        while (finishedCount() < n) {
            long left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime());
            if (left <= 0) {
                throw new TimeoutException(finishedCount() + " of " + n + " migrations finished in time; rejected: "
                        + rejections);
            }
            wait(left);
        }
        return List.copyOf(reports);
    }

    private long finishedCount() {
        return completed + Counters.sum(failed);
    }

    /** Appends {@code x}, dropping the oldest beyond {@link ReceiverConfig#keepRecent()}; caller holds the lock. */
    private <T> void keep(ArrayDeque<T> q, T x) {
        q.addLast(x);
        while (q.size() > config.keepRecent()) {
            q.removeFirst();
        }
    }

    /**
     * The first handler of a new connection, as the server installs it: for feeding a
     * connection through an {@code EmbeddedChannel} (the receiver's fuzz target).
     */
    public io.netty.channel.ChannelHandler connectionHandler() {
        return new SniffHandler(this);
    }

    // ---- routing (event loop) -------------------------------------------------------------------

    void mainChannel(ChannelHandlerContext ctx) {
        Channel ch = ctx.channel();
        Migration m;
        synchronized (this) {
            if (active.size() >= config.maxMigrations()) {
                reject(ch, ReceiveError.Kind.TOO_MANY_MIGRATIONS, "too many migrations: " + active.size()
                        + " loading, --max-migrations is " + config.maxMigrations());
                return;
            }
            Channel[] holder = {ch};
            BytePipe pipe = new BytePipe(config.pipeBytes(), PipeHandler.resumer(holder));
            m = new Migration(nextId++, String.valueOf(ch.remoteAddress()), config, pipe, new NettyReturnPath(ch), this);
            active.add(m);
            ctx.pipeline().addLast("main", new PipeHandler(pipe, config.idleTimeout(),
                    "main channel of migration " + m.id()));
        }
        log.accept("migration " + m.id() + ": main channel from " + ch.remoteAddress());
        ctx.pipeline().remove(ctx.handler());
        m.start();
    }

    void multifdChannel(ChannelHandlerContext ctx, MultifdInitPacket init) {
        Channel ch = ctx.channel();
        Channel[] holder = {ch};
        BytePipe pipe = new BytePipe(config.pipeBytes(), PipeHandler.resumer(holder));
        MultifdChannel c = new MultifdChannel(init, pipe);
        ch.config().setAutoRead(false);
        ctx.pipeline().addLast("multifd", new PipeHandler(pipe, config.idleTimeout(),
                "multifd channel " + init.id()));
        ctx.pipeline().remove(ctx.handler());
        match(ch, c, System.nanoTime() + config.sniffTimeout().toNanos());
    }

    /**
     * Attaches the channel to the migration waiting for it; the main channel may still be on its way.
     * A migration whose earlier channels told this uuid takes it first. Otherwise the channel goes
     * to the only migration that can take it; while several could (their uuids still unknown), it
     * waits, and after the sniff timeout it is refused: guessing would mix two guests' pages.
     */
    private void match(Channel ch, MultifdChannel c, long deadline) {
        Migration m = null;
        Migration known = null;
        int candidates = 0;
        synchronized (this) {
            for (Migration a : active) {
                if (a.wants(c)) {
                    candidates++;
                    m = m == null ? a : m;
                    if (known == null && !allZero(c.init().uuid()) && a.knowsUuid(c.init().uuid())) {
                        known = a;
                    }
                }
            }
        }
        if (known != null) {
            m = known;
            candidates = 1;
        }
        if (candidates == 1) {
            m.attach(c);
            log.accept("migration " + m.id() + ": multifd channel " + c.id() + " from " + ch.remoteAddress());
            ch.config().setAutoRead(true);
            return;
        }
        if (System.nanoTime() > deadline || config.multifdChannels() == 0) {
            c.pipe().close();
            reject(ch, ReceiveError.Kind.UNMATCHED_MULTIFD_CHANNEL, "multifd channel " + c.id() + " (uuid "
                    + hex(c.init().uuid()) + "): " + (config.multifdChannels() == 0 ? "multifd is off (--multifd-channels 0)"
                    : candidates > 1 ? "several migrations wait for a channel with this id and none has told this uuid yet"
                    : "no migration waits for this channel id and uuid"));
            return;
        }
        ch.eventLoop().schedule(() -> match(ch, c, deadline), 50, TimeUnit.MILLISECONDS);
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            s.append(String.format("%02x", x & 0xff));
        }
        return s.toString();
    }

    void reject(Channel ch, ReceiveError.Kind kind, String message) {
        Rejection r = new Rejection(String.valueOf(ch.remoteAddress()), kind, message);
        synchronized (this) {
            keep(rejections, r);
            rejected.merge(kind, 1L, Long::sum);
            notifyAll();
        }
        log.accept("rejected " + r.remote() + ": " + kind + ": " + message);
        ch.close();
    }

    // ---- migrations -----------------------------------------------------------------------------

    Path saveTarget(Path save, int id) {
        return id == 1 ? save : save.resolveSibling(save.getFileName() + "." + id);
    }

    void finished(Migration m, ReceiveReport r) {
        List<Consumer<ReceiveReport>> ls;
        synchronized (this) {
            active.remove(m);
            keep(reports, r);
            if (r.completed()) {
                completed++;
            } else {
                failed.merge(r.errorKind() != null ? r.errorKind() : ReceiveError.Kind.INTERNAL, 1L, Long::sum);
            }
            ls = List.copyOf(listeners);
            notifyAll();
        }
        log.accept("migration " + m.id() + ": " + (r.completed() ? "completed" : "failed: " + r.errorKind() + ": " + r.error()));
        for (Consumer<ReceiveReport> l : ls) {
            l.accept(r);
        }
    }

    @Override
    public void close() {
        server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }

    /** Writes return-path messages on the main channel ({@code be16 type, be16 len, payload}). */
    private static final class NettyReturnPath implements Migration.ReturnPath {
        private final Channel ch;

        NettyReturnPath(Channel ch) {
            this.ch = ch;
        }

        @Override
        public void send(int type, byte[] payload) {
            ByteBuf b = ch.alloc().buffer(4 + payload.length);
            b.writeShort(type).writeShort(payload.length).writeBytes(payload);
            ch.writeAndFlush(b);
        }

        @Override
        public void close() {
            ch.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
