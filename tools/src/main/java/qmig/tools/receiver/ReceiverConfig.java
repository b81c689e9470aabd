package qmig.tools.receiver;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import qmig.stream.vmstate.DescriptionSource;
import qmig.stream.wire.Limits;
import qmig.tools.tls.TlsCreds;
import qmig.viommu.vtd.Bdf;

/**
 * How a {@link Receiver} listens and loads.
 *
 * @param listen          address to bind; loopback unless the caller chose otherwise
 * @param vfio            VFIO devices whose DMA mappings are replayed after load
 * @param schemas         extra description sources (a user's {@code -dump-vmstate} schema)
 * @param save            where to write each main stream ({@code FILE}, then {@code FILE.2} ...), or null
 * @param machine         the machine type the user expects, or null for any
 * @param maxMigrations   main channels loading at once; more are refused
 * @param multifdChannels multifd channels each migration expects (0: multifd off)
 * @param pipeBytes       bytes queued per connection before reading pauses (backpressure)
 * @param sniffTimeout    how long a new connection may take to send its first bytes
 * @param syncTimeout     how long a sync point waits for the multifd channels
 * @param idleTimeout     how long a routed (main or multifd) connection may send nothing while its loader waits
 * @param maxConnections  connections open at once (sniffing, main and multifd together); more are refused
 * @param tls             TLS credentials every connection must use, or null for plain TCP
 * @param limits          the decoders' bounds on lengths, counts and depths read from the wire ({@code --limit})
 * @param keepRecent      finished reports and rejections each kept for {@link Receiver#reports()} and
 *                        {@link Receiver#rejections()} (the most recent ones); {@link Receiver#counters()} counts all
 */
public record ReceiverConfig(InetSocketAddress listen, List<Bdf> vfio, List<DescriptionSource> schemas, Path save,
                             String machine, int maxMigrations, int multifdChannels, int pipeBytes,
                             Duration sniffTimeout, Duration syncTimeout, Duration idleTimeout,
                             int maxConnections, TlsCreds tls, Limits limits, int keepRecent) {

    /** The default of {@link #maxConnections()}. */
    public static final int DEFAULT_MAX_CONNECTIONS = 256;

    /** The default of {@link #keepRecent()}. */
    public static final int DEFAULT_KEEP_RECENT = 1024;

    /** Without a connection limit of its own (the default) and without TLS. */
    public ReceiverConfig(InetSocketAddress listen, List<Bdf> vfio, List<DescriptionSource> schemas, Path save,
                          String machine, int maxMigrations, int multifdChannels, int pipeBytes,
                          Duration sniffTimeout, Duration syncTimeout, Duration idleTimeout) {
        this(listen, vfio, schemas, save, machine, maxMigrations, multifdChannels, pipeBytes, sniffTimeout, syncTimeout,
                idleTimeout, DEFAULT_MAX_CONNECTIONS, null, Limits.DEFAULT, DEFAULT_KEEP_RECENT);
    }

    /** Keeping the default number of recent reports and rejections. */
    public ReceiverConfig(InetSocketAddress listen, List<Bdf> vfio, List<DescriptionSource> schemas, Path save,
                          String machine, int maxMigrations, int multifdChannels, int pipeBytes,
                          Duration sniffTimeout, Duration syncTimeout, Duration idleTimeout,
                          int maxConnections, TlsCreds tls, Limits limits) {
        this(listen, vfio, schemas, save, machine, maxMigrations, multifdChannels, pipeBytes, sniffTimeout, syncTimeout,
                idleTimeout, maxConnections, tls, limits, DEFAULT_KEEP_RECENT);
    }

    public ReceiverConfig {
        Objects.requireNonNull(listen, "listen");
        vfio = List.copyOf(vfio);
        schemas = List.copyOf(schemas);
        if (maxMigrations < 1) {
            throw new IllegalArgumentException("maxMigrations must be at least 1, got " + maxMigrations);
        }
        if (multifdChannels < 0 || multifdChannels > 255) {
            throw new IllegalArgumentException("multifdChannels 0..255, got " + multifdChannels);
        }
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(limits, "limits");
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idleTimeout must be positive, got " + idleTimeout);
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections must be at least 1, got " + maxConnections);
        }
        if (pipeBytes < 65536) {
            throw new IllegalArgumentException("pipeBytes at least 64 KiB, got " + pipeBytes);
        }
        if (keepRecent < 1) {
            throw new IllegalArgumentException("keepRecent must be at least 1, got " + keepRecent);
        }
    }

    /** 127.0.0.1 on {@code port} (0: any free port), 4 migrations, no multifd, 8 MiB per pipe, 60 s idle timeout. */
    public static ReceiverConfig loopback(int port) {
        return new ReceiverConfig(new InetSocketAddress("127.0.0.1", port), List.of(), List.of(), null, null, 4, 0,
                8 << 20, Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofSeconds(60));
    }

    public ReceiverConfig withVfio(List<Bdf> devices) {
        return new ReceiverConfig(listen, devices, schemas, save, machine, maxMigrations, multifdChannels, pipeBytes,
                sniffTimeout, syncTimeout, idleTimeout, maxConnections, tls, limits, keepRecent);
    }

    public ReceiverConfig withSchemas(List<DescriptionSource> s) {
        return new ReceiverConfig(listen, vfio, s, save, machine, maxMigrations, multifdChannels, pipeBytes,
                sniffTimeout, syncTimeout, idleTimeout, maxConnections, tls, limits, keepRecent);
    }

    public ReceiverConfig withSave(Path file) {
        return new ReceiverConfig(listen, vfio, schemas, file, machine, maxMigrations, multifdChannels, pipeBytes,
                sniffTimeout, syncTimeout, idleTimeout, maxConnections, tls, limits, keepRecent);
    }

    public ReceiverConfig withMachine(String m) {
        return new ReceiverConfig(listen, vfio, schemas, save, m, maxMigrations, multifdChannels, pipeBytes,
                sniffTimeout, syncTimeout, idleTimeout, maxConnections, tls, limits, keepRecent);
    }

    public ReceiverConfig withMaxMigrations(int n) {
        return new ReceiverConfig(listen, vfio, schemas, save, machine, n, multifdChannels, pipeBytes,
                sniffTimeout, syncTimeout, idleTimeout, maxConnections, tls, limits, keepRecent);
    }

    public ReceiverConfig withMultifd(int channels) {
        return new ReceiverConfig(listen, vfio, schemas, save, machine, maxMigrations, channels, pipeBytes,
                sniffTimeout, syncTimeout, idleTimeout, maxConnections, tls, limits, keepRecent);
    }

    public ReceiverConfig withTimeouts(Duration sniff, Duration sync) {
        return new ReceiverConfig(listen, vfio, schemas, save, machine, maxMigrations, multifdChannels, pipeBytes,
                sniff, sync, idleTimeout, maxConnections, tls, limits, keepRecent);
    }

    public ReceiverConfig withMaxConnections(int n) {
        return new ReceiverConfig(listen, vfio, schemas, save, machine, maxMigrations, multifdChannels, pipeBytes,
                sniffTimeout, syncTimeout, idleTimeout, n, tls, limits, keepRecent);
    }

    public ReceiverConfig withTls(TlsCreds creds) {
        return new ReceiverConfig(listen, vfio, schemas, save, machine, maxMigrations, multifdChannels, pipeBytes,
                sniffTimeout, syncTimeout, idleTimeout, maxConnections, creds, limits, keepRecent);
    }

    public ReceiverConfig withIdle(Duration idle) {
        return new ReceiverConfig(listen, vfio, schemas, save, machine, maxMigrations, multifdChannels, pipeBytes,
                sniffTimeout, syncTimeout, idle, maxConnections, tls, limits, keepRecent);
    }

    public ReceiverConfig withLimits(Limits l) {
        return new ReceiverConfig(listen, vfio, schemas, save, machine, maxMigrations, multifdChannels, pipeBytes,
                sniffTimeout, syncTimeout, idleTimeout, maxConnections, tls, l, keepRecent);
    }

    public ReceiverConfig withKeepRecent(int n) {
        return new ReceiverConfig(listen, vfio, schemas, save, machine, maxMigrations, multifdChannels, pipeBytes,
                sniffTimeout, syncTimeout, idleTimeout, maxConnections, tls, limits, n);
    }
}
