package qmig.tools.receiver;

import java.io.IOException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import qmig.stream.multifd.MultifdChannelReader;
import qmig.stream.multifd.MultifdInitPacket;
import qmig.stream.ram.PageSink;
import qmig.stream.wire.Limits;
import qmig.stream.wire.WireReader;

/**
 * One multifd connection of a migration, read on its own thread like 7.2's
 * {@code multifd_recv_thread} (spec/multifd.md §6.2): pages go to guest memory as they arrive;
 * after each SYNC packet the thread tells the loader ({@link #awaitSync}) and waits until the
 * loader, at the matching {@code EOS} of the main channel, releases it.
 */
final class MultifdChannel {

    private final int id;
    private final MultifdInitPacket init;
    private final BytePipe pipe;
    private final Semaphore reached = new Semaphore(0);
    private final Semaphore released = new Semaphore(0);
    private volatile boolean free;
    private volatile IOException failure;
    private volatile boolean ended;
    private volatile long pages;
    private Thread thread;

    MultifdChannel(MultifdInitPacket init, BytePipe pipe) {
        this.id = init.id();
        this.init = init;
        this.pipe = pipe;
    }

    int id() {
        return id;
    }

    MultifdInitPacket init() {
        return init;
    }

    BytePipe pipe() {
        return pipe;
    }

    long pages() {
        return pages;
    }

    IOException failure() {
        return failure;
    }

    /** Starts reading once the loader has announced the RAM blocks. */
    void start(Migration m, PageSink sink, Limits limits) {
        thread = new Thread(() -> run(m, sink, limits), "qmig-multifd-" + m.id() + "-" + id);
        thread.setDaemon(true);
        thread.start();
    }

    private void run(Migration m, PageSink sink, Limits limits) {
        try (MultifdChannelReader r = new MultifdChannelReader(WireReader.of(pipe, 1 << 16), limits, sink, null,
                (c, h) -> {
                    reached.release();
                    try {
                        while (!free && !released.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                            if (m.failed()) {
                                throw new ReceiveError(ReceiveError.Kind.CONNECTION, "migration failed while channel "
                                        + id + " waited at its sync point");
                            }
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new ReceiveError(ReceiveError.Kind.CONNECTION, "channel " + id + " interrupted at a sync point");
                    }
                })) {
            r.readInit();
            m.awaitBlocks();
            r.setBlocks(m.blockLengths());
            while (r.next() != null) {
                pages = r.pages();
            }
            pages = r.pages();
        } catch (InterruptedException e) {
            failure = new ReceiveError(ReceiveError.Kind.CONNECTION, "multifd channel " + id + " interrupted");
        } catch (IOException e) {
            failure = e;
            m.channelFailed(this, e);
        } catch (RuntimeException e) {
            failure = new ReceiveError(ReceiveError.Kind.BAD_STREAM, "multifd channel " + id + ": " + e, e);
            m.channelFailed(this, failure);
        } finally {
            ended = true;
            reached.release(1000);
            pipe.close();
        }
    }

    /** The loader's side of a sync point: true once this channel read its next SYNC packet. */
    boolean awaitSync(long millis) throws InterruptedException {
        return reached.tryAcquire(millis, TimeUnit.MILLISECONDS);
    }

    boolean ended() {
        return ended;
    }

    void release() {
        released.release();
    }

    /** After the main stream ended: no more sync points, read to the end. */
    void releaseAll() {
        free = true;
        released.release(1000);
    }

    void join(long millis) throws InterruptedException {
        if (thread != null) {
            thread.join(millis);
        }
    }
}
