package qmig.tools.receiver;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import qmig.stream.grammar.CommandType;
import qmig.stream.grammar.OpaquePayload;
import qmig.stream.grammar.ReaderOptions;
import qmig.stream.grammar.RamPayload;
import qmig.stream.grammar.SectionHeader;
import qmig.stream.grammar.SectionPayload;
import qmig.stream.grammar.StreamReader;
import qmig.stream.grammar.StreamRecord;
import qmig.stream.grammar.VmStatePayload;
import qmig.stream.memory.BlockDigest;
import qmig.stream.memory.GuestMemory;
import qmig.stream.memory.RamLoader;
import qmig.stream.ram.BlockInfo;
import qmig.stream.ram.ForwardingPageSink;
import qmig.stream.ram.PageSink;
import qmig.stream.vmstate.DescriptionSource;
import qmig.stream.wire.StreamFormatException;
import qmig.stream.wire.WireReader;

/**
 * One incoming migration: its main channel's bytes (a {@link BytePipe}), its multifd channels,
 * and the loader thread that walks the stream like 7.2's {@code qemu_loadvm_state}
 * (spec/stream.md §10): header, configuration, sections by id, commands (return path, PING →
 * PONG; postcopy refused), EOF, trailer; then post-load and the report. RAM goes into a
 * {@link GuestMemory} as it arrives.
 */
final class Migration {

    /** The main channel's reverse direction (spec/return-path.md). */
    interface ReturnPath {
        void send(int type, byte[] payload);

        /** Flushes what was sent, then closes the connection. */
        void close();
    }

    static final int RP_SHUT = 1;
    static final int RP_PONG = 2;

    private final int id;
    private final String remote;
    private final ReceiverConfig config;
    private final BytePipe pipe;
    private final ReturnPath rp;
    private final Receiver owner;
    private final long firstByte;
    private final Object memLock = new Object();
    private final CountDownLatch blocksAnnounced = new CountDownLatch(1);
    private final MultifdChannel[] channels;
    private final Map<String, SectionAcc> sections = new LinkedHashMap<>();
    private volatile Map<String, Long> blockLengths = Map.of();
    private volatile IOException failure;
    private volatile boolean finished;
    private byte[] uuid;
    private final GuestMemory memory;
    private String machineType;
    private long streamEndAt = -1;
    private long loadedAt = -1;
    private RamLoader mainLoader;
    private PostLoad postLoad;
    private boolean returnPath;
    private int pongs;
    private long ramCompleteAt = -1;
    private long eofAt = -1;
    private int syncPoints;

    private static final class SectionAcc {
        final String idstr;
        final long instance;
        final int version;
        int records;
        String result;
        long nanos;

        SectionAcc(SectionHeader h) {
            this.idstr = h.idstr();
            this.instance = h.instanceId() & 0xffffffffL;
            this.version = h.versionId();
        }
    }

    Migration(int id, String remote, ReceiverConfig config, BytePipe pipe, ReturnPath rp, Receiver owner) {
        this.id = id;
        this.remote = remote;
        this.config = config;
        this.pipe = pipe;
        this.rp = rp;
        this.owner = owner;
        this.firstByte = System.nanoTime();
        this.channels = new MultifdChannel[config.multifdChannels()];
        this.memory = GuestMemory.onHeap();
    }

    int id() {
        return id;
    }

    boolean failed() {
        return failure != null;
    }

    boolean finished() {
        return finished;
    }

    void start() {
        Thread t = new Thread(this::run, "qmig-load-" + id);
        t.setDaemon(true);
        t.start();
    }

    // ---- multifd --------------------------------------------------------------------------------

    /** Whether this migration takes channel {@code c}: multifd on, id in range and free, same uuid. */
    synchronized boolean wants(MultifdChannel c) {
        int cid = c.id();
        if (finished || cid < 0 || cid >= channels.length || channels[cid] != null) {
            return false;
        }
        return uuid == null || Arrays.equals(uuid, c.init().uuid());
    }

    /** Whether a channel of this migration has already told its uuid, and it is {@code u}. */
    synchronized boolean knowsUuid(byte[] u) {
        return uuid != null && Arrays.equals(uuid, u);
    }

    synchronized void attach(MultifdChannel c) {
        channels[c.id()] = c;
        uuid = c.init().uuid();
        notifyAll();
        c.start(this, new LockedSink(new RamLoader(memoryForChannels())), config.limits());
    }

    private GuestMemory memoryForChannels() {
        return memory;
    }

    void awaitBlocks() throws InterruptedException, ReceiveError {
        while (!blocksAnnounced.await(100, TimeUnit.MILLISECONDS)) {
            if (failure != null || finished) {
                throw new ReceiveError(ReceiveError.Kind.CONNECTION, "migration " + id + " ended before MEM_SIZE");
            }
        }
    }

    Map<String, Long> blockLengths() {
        return blockLengths;
    }

    void channelFailed(MultifdChannel c, IOException e) {
        ReceiveError idle = ReceiveError.find(e, ReceiveError.Kind.IDLE_TIMEOUT);
        if (failure == null && idle != null) {
            failure = new ReceiveError(ReceiveError.Kind.IDLE_TIMEOUT, "migration " + id + ": " + idle.getMessage(), e);
        }
        ReceiveError conn = ReceiveError.find(e, ReceiveError.Kind.CONNECTION);
        if (failure == null && (conn != null || e instanceof StreamFormatException.Truncated)) {
            failure = new ReceiveError(ReceiveError.Kind.CONNECTION, "multifd channel " + c.id() + ": "
                    + (conn != null ? conn.getMessage() : "the connection ended inside the stream: " + e.getMessage()), e);
        }
        if (failure == null) {
            failure = new ReceiveError(ReceiveError.Kind.BAD_STREAM, "multifd channel " + c.id() + ": " + e.getMessage(), e);
        }
        pipe.fail(failure);
    }

    /** A sync point (EOS of {@code ram}): wait for one SYNC per channel, then release them all. */
    private void syncPoint() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + config.syncTimeout().toNanos();
        for (int i = 0; i < channels.length; i++) {
            MultifdChannel c;
            synchronized (this) {
                while ((c = channels[i]) == null) {
                    long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                    if (left <= 0) {
                        throw new ReceiveError(ReceiveError.Kind.MULTIFD_TIMEOUT, "multifd channel " + i
                                + " did not connect within " + config.syncTimeout().toSeconds() + " s (sync point "
                                + (syncPoints + 1) + ")");
                    }
                    wait(Math.min(left, 100));
                }
            }
            while (!c.awaitSync(100)) {
                if (failure != null) {
                    throw failure;
                }
                if (System.nanoTime() > deadline) {
                    throw new ReceiveError(ReceiveError.Kind.MULTIFD_TIMEOUT, "multifd channel " + i
                            + " did not reach sync point " + (syncPoints + 1) + " within "
                            + config.syncTimeout().toSeconds() + " s");
                }
            }
            if (c.failure() != null) {
                throw c.failure();
            }
        }
        for (MultifdChannel c : channels) {
            c.release();
        }
        syncPoints++;
    }

    // ---- the loader -----------------------------------------------------------------------------

    private void run() {
        ReceiveReport[] out = {null};
        try {
            loadAndClean(out);
        } catch (RuntimeException | Error e) {
            // thrown by a clean-up step or an Error while loading: the migration still ends with a report,
            // or it would hold its --max-migrations slot forever
            if (out[0] == null) {
                out[0] = report(new ReceiveError(ReceiveError.Kind.INTERNAL, "the loader stopped: " + e, e));
            }
        } finally {
            owner.finished(this, out[0] != null ? out[0]
                    : report(new ReceiveError(ReceiveError.Kind.INTERNAL, "the loader stopped without a report")));
        }
    }

    private void loadAndClean(ReceiveReport[] out) {
        ReceiveReport report;
        Path part = null;
        OutputStream save = null;
        try {
            InputStream in = pipe;
            if (config.save() != null) {
                Path target = owner.saveTarget(config.save(), id);
                part = target.resolveSibling(target.getFileName() + ".part");
                try {
                    save = new java.io.BufferedOutputStream(Files.newOutputStream(part), 1 << 16);
                } catch (IOException e) {
                    throw saveFailed(part, e);
                }
                in = new TeeInputStream(pipe, save, part);
            }
            load(WireReader.of(in, 1 << 16));
            if (save != null) {
                Path target = owner.saveTarget(config.save(), id);
                try {
                    save.close();
                    save = null;
                    if (Files.isDirectory(target)) {
                        throw new IOException("a directory of that name exists");
                    }
                    Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException e) {
                    throw saveFailed(target, e);
                }
                part = null;
            }
            report = report(null);
            if (returnPath) {
                rp.send(RP_SHUT, new byte[] {0, 0, 0, 0});
            }
        } catch (Exception e) {
            ReceiveError err = classify(e);
            failure = failure == null ? err : failure;
            report = report(err);
            if (returnPath) {
                rp.send(RP_SHUT, new byte[] {0, 0, 0, 1});
            }
        } finally {
            finished = true;
            if (save != null) {
                try {
                    save.close();
                } catch (IOException ignored) {
                    // the .part file is deleted below
                }
            }
            if (part != null) {
                try {
                    Files.deleteIfExists(part);
                } catch (IOException ignored) {
                    // best effort: never leave a half-written file under the final name
                }
            }
            for (MultifdChannel c : channels) {
                if (c != null) {
                    c.releaseAll();
                    c.pipe().close();
                }
            }
            pipe.close();
            try {
                rp.close();
            } catch (RuntimeException ignored) {
                // the connection is gone: nothing more to tell the source
            }
            try {
                memory.close();
            } catch (IOException ignored) {
                // heap memory: nothing to release
            }
        }
        out[0] = report;
    }

    private static ReceiveError saveFailed(Path file, IOException e) {
        return new ReceiveError(ReceiveError.Kind.SAVE_FAILED, "--save " + file + ": "
                + (e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason()
                : e.getMessage()) + " (the stream is not kept)", e);
    }

    private static ReceiveError classify(Exception e) {
        if (e instanceof ReceiveError r) {
            return r;
        }
        ReceiveError save = ReceiveError.find(e, ReceiveError.Kind.SAVE_FAILED);
        if (save != null) {
            return save;
        }
        ReceiveError idle = ReceiveError.find(e, ReceiveError.Kind.IDLE_TIMEOUT);
        if (idle != null) {
            return idle;
        }
        if (e instanceof StreamFormatException.Truncated t) {
            return new ReceiveError(ReceiveError.Kind.CONNECTION, "the connection ended inside the stream: " + t.getMessage(), t);
        }
        if (e instanceof StreamFormatException f) {
            return new ReceiveError(ReceiveError.Kind.BAD_STREAM, f.getMessage(), f);
        }
        if (e instanceof RuntimeException && !(e instanceof java.io.UncheckedIOException)) {
            return new ReceiveError(ReceiveError.Kind.INTERNAL, e.toString(), e);
        }
        return new ReceiveError(ReceiveError.Kind.CONNECTION, String.valueOf(e.getMessage()), e);
    }

    private void load(WireReader in) throws Exception {
        mainLoader = new RamLoader(memory, in::position);
        PageSink sink = new EpochSink(new LockedSink(mainLoader));
        ReaderOptions opt = ReaderOptions.defaults().withLimits(config.limits()).withPages(sink, false);
        for (DescriptionSource s : config.schemas()) {
            opt = opt.withSchema(s);
        }
        StreamReader r = new StreamReader(in, opt);
        r.readHeader();
        postLoad = new PostLoad(config.vfio());
        long t = System.nanoTime();
        for (StreamRecord rec; (rec = r.next()) != null; ) {
            long now = System.nanoTime();
            handle(r, rec, now - t);
            t = System.nanoTime();
        }
        streamEndAt = System.nanoTime();
        if (eofAt < 0) {
            throw new ReceiveError(ReceiveError.Kind.CONNECTION, "the stream ended before QEMU_VM_EOF");
        }
        Map<Long, SectionPayload> resolved = r.resolveHeld();
        for (SectionAcc a : sections.values()) {
            if ("held".equals(a.result) && !resolved.isEmpty()) {
                a.result = "loaded (trailer)";
            }
        }
        for (StreamReader.Held h : r.held()) {
            SectionHeader hd = h.header();
            throw new ReceiveError(ReceiveError.Kind.UNKNOWN_SECTION, String.format(
                    "Unknown savevm section or instance '%s' %d", hd.idstr(), hd.instanceId() & 0xffffffffL));
        }
        for (MultifdChannel c : channels) {
            if (c != null) {
                c.releaseAll();
                c.join(config.syncTimeout().toMillis());
                if (c.failure() != null) {
                    throw c.failure();
                }
            }
        }
        if (!postLoad.iommuSeen()) {
            postLoad.withoutIommu(memory, r.machineType());
        }
        loadedAt = System.nanoTime();
    }

    private void handle(StreamReader r, StreamRecord rec, long nanos) throws Exception {
        if (rec instanceof StreamRecord.Configuration c) {
            machineType = c.machineType();
            if (config.machine() != null && !config.machine().equals(c.machineType())) {
                throw new ReceiveError(ReceiveError.Kind.MACHINE_MISMATCH, "Machine type received is '"
                        + c.machineType() + "' and local is '" + config.machine() + "'");
            }
        } else if (rec instanceof StreamRecord.Section s) {
            SectionHeader h = s.header();
            SectionAcc a = sections.computeIfAbsent(h.idstr() + "/" + (h.instanceId() & 0xffffffffL),
                    k -> new SectionAcc(h));
            a.records++;
            a.nanos += nanos;
            SectionPayload p = s.payload();
            if (p instanceof RamPayload) {
                a.result = "loaded";
                if (rec instanceof StreamRecord.SectionEnd) {
                    ramCompleteAt = System.nanoTime();
                }
            } else if (p instanceof VmStatePayload v) {
                a.result = "loaded (" + v.origin().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-') + ")";
                if (rec instanceof StreamRecord.SectionFull && PostLoad.IOMMU.equals(h.idstr())) {
                    // vtd_post_load runs as soon as the section is read (stream.md §10.3)
                    postLoad.iommu(v, memory, r.machineType());
                }
            } else if (p instanceof OpaquePayload) {
                a.result = "held";
            }
        } else if (rec instanceof StreamRecord.Command c) {
            command(c);
        } else if (rec instanceof StreamRecord.Eof) {
            eofAt = System.nanoTime();
        }
    }

    /** {@code loadvm_process_command} for what plain precopy uses; postcopy and the rest are refused. */
    private void command(StreamRecord.Command c) throws ReceiveError {
        CommandType t = c.type();
        if (t == CommandType.OPEN_RETURN_PATH) {
            returnPath = true;
        } else if (t == CommandType.PING) {
            if (!returnPath) {
                throw new ReceiveError(ReceiveError.Kind.BAD_STREAM, String.format(
                        "CMD_PING (0x%x) received with no return path", be32(c.data())));
            }
            rp.send(RP_PONG, c.data().clone());
            pongs++;
        } else if (EnumSet.of(CommandType.POSTCOPY_ADVISE, CommandType.POSTCOPY_LISTEN, CommandType.POSTCOPY_RUN,
                CommandType.POSTCOPY_RAM_DISCARD, CommandType.POSTCOPY_RESUME, CommandType.RECV_BITMAP).contains(t)) {
            throw new ReceiveError(ReceiveError.Kind.POSTCOPY_REFUSED, t + " received: postcopy is not supported by"
                    + " qmig receive (migrate with capability postcopy-ram off)");
        } else {
            throw new ReceiveError(ReceiveError.Kind.UNSUPPORTED_COMMAND, t + " received: not implemented by qmig receive");
        }
    }

    private static long be32(byte[] d) {
        return ((d[0] & 0xffL) << 24) | ((d[1] & 0xffL) << 16) | ((d[2] & 0xffL) << 8) | (d[3] & 0xffL);
    }

    private ReceiveReport report(ReceiveError err) {
        List<ReceiveReport.SectionResult> list = new ArrayList<>();
        for (SectionAcc a : sections.values()) {
            list.add(new ReceiveReport.SectionResult(a.idstr, a.instance, a.version, a.records, a.result, a.nanos));
        }
        long multifdPages = 0;
        for (MultifdChannel c : channels) {
            multifdPages += c == null ? 0 : c.pages();
        }
        ReceiveReport.RamTotals ram = null;
        if (mainLoader != null) {
            RamLoader.Stats s = mainLoader.stats();
            ram = new ReceiveReport.RamTotals(s.zero(), s.page(), s.xbzrle(), s.compressed(), multifdPages, s.sections());
        }
        List<BlockDigest> digests = List.of();
        if (err == null && memory != null) {
            digests = BlockDigest.of(memory, EnumSet.of(BlockDigest.Algorithm.SHA256));
        }
        long end = System.nanoTime();
        ReceiveReport.Timings tm = new ReceiveReport.Timings(streamEndAt < 0 ? -1 : streamEndAt - firstByte,
                ramCompleteAt < 0 || loadedAt < 0 ? -1 : loadedAt - ramCompleteAt,
                postLoad == null ? 0 : postLoad.replayNanos(), end - firstByte);
        int used = 0;
        for (MultifdChannel c : channels) {
            used += c == null ? 0 : 1;
        }
        return new ReceiveReport(id, remote, err == null, err == null ? null : err.kind(),
                err == null ? null : err.getMessage(), machine(), returnPath, pongs, pipe.total(), used, list, ram,
                digests, postLoad == null ? null : postLoad.summary(),
                postLoad == null ? List.of() : postLoad.devices(), tm);
    }

    private String machine() {
        return machineType;
    }

    // ---- page sinks -------------------------------------------------------------------------------

    /** Serialises page writes of the main loader and the multifd channels (RamBlockImage is not thread safe). */
    private final class LockedSink implements PageSink {
        private final PageSink out;

        LockedSink(PageSink out) {
            this.out = out;
        }

        @Override
        public void memSize(List<BlockInfo> blocks) throws IOException {
            synchronized (memLock) {
                out.memSize(blocks);
            }
        }

        @Override
        public void zero(String block, long offset, int fill) throws IOException {
            synchronized (memLock) {
                out.zero(block, offset, fill);
            }
        }

        @Override
        public void page(String block, long offset, byte[] src, int srcOff) throws IOException {
            synchronized (memLock) {
                out.page(block, offset, src, srcOff);
            }
        }

        @Override
        public void xbzrle(String block, long offset, byte[] encoded, int off, int len) throws IOException {
            synchronized (memLock) {
                out.xbzrle(block, offset, encoded, off, len);
            }
        }

        @Override
        public void compressed(String block, long offset, byte[] zlib, int off, int len) throws IOException {
            synchronized (memLock) {
                out.compressed(block, offset, zlib, off, len);
            }
        }

        @Override
        public void eos() throws IOException {
            out.eos();
        }
    }

    /** Main-channel pages; MEM_SIZE opens the blocks to the channels, each EOS is a sync point. */
    private final class EpochSink extends ForwardingPageSink {
        EpochSink(PageSink out) {
            super(out);
        }

        @Override
        public void memSize(List<BlockInfo> blocks) throws IOException {
            out.memSize(blocks);
            Map<String, Long> m = new HashMap<>();
            for (BlockInfo b : blocks) {
                m.put(b.idstr(), b.usedLength());
            }
            blockLengths = Map.copyOf(m);
            blocksAnnounced.countDown();
        }

        @Override
        public void eos() throws IOException {
            if (channels.length > 0) {
                try {
                    syncPoint();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ReceiveError(ReceiveError.Kind.CONNECTION, "interrupted at a multifd sync point");
                }
            }
            out.eos();
        }
    }

    /** Copies what the loader reads to the {@code --save} file. */
    private static final class TeeInputStream extends InputStream {
        private final InputStream in;
        private final OutputStream copy;
        private final Path file;

        TeeInputStream(InputStream in, OutputStream copy, Path file) {
            this.in = in;
            this.copy = copy;
            this.file = file;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                try {
                    copy.write(b);
                } catch (IOException e) {
                    throw saveFailed(file, e);
                }
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                try {
                    copy.write(b, off, n);
                } catch (IOException e) {
                    throw saveFailed(file, e);
                }
            }
            return n;
        }
    }
}
