package qmig.tools.receiver;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;

/**
 * A bounded byte queue between a Netty event loop (producer) and a loader thread that reads it as
 * an {@link InputStream}. The producer never blocks: {@link #offer} always takes the chunk and
 * answers whether the pipe is above its high mark, so the caller turns the channel's autoRead off;
 * {@code onDrained} runs on the reader's thread when the pipe falls below the low mark again.
 * Memory is therefore bounded by {@code high} plus one socket read.
 */
final class BytePipe extends InputStream {

    private final ArrayDeque<byte[]> chunks = new ArrayDeque<>();
    private final long high;
    private final long low;
    private final Runnable onDrained;
    private byte[] head;
    private int headPos;
    private long size;
    private boolean eof;
    private IOException failure;
    private boolean paused;
    private long total;
    private int waiting;

    BytePipe(long high, Runnable onDrained) {
        this.high = high;
        this.low = high / 2;
        this.onDrained = onDrained;
    }

    /** Appends a chunk (taken over, not copied); true when the reader is behind (stop reading). */
    synchronized boolean offer(byte[] chunk) {
        if (eof || chunk.length == 0) {
            return paused;
        }
        chunks.add(chunk);
        size += chunk.length;
        total += chunk.length;
        notifyAll();
        if (size >= high) {
            paused = true;
        }
        return paused;
    }

    /** The writer's end: a clean end of input. */
    synchronized void finish() {
        eof = true;
        notifyAll();
    }

    /** The writer's end with an error: the reader sees it after the bytes already queued. */
    synchronized void fail(IOException e) {
        if (failure == null) {
            failure = e;
        }
        eof = true;
        notifyAll();
    }

    /** The reader is blocked on an empty pipe that has not ended: it waits for the peer. */
    synchronized boolean starving() {
        return waiting > 0 && !eof && head == null && chunks.isEmpty();
    }

    /** Bytes offered so far. */
    synchronized long total() {
        return total;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        boolean resume = false;
        int n;
        synchronized (this) {
            while (head == null && chunks.isEmpty()) {
                if (eof) {
                    if (failure != null) {
                        IOException e = failure instanceof EOFException ? new EOFException(failure.getMessage())
                                : new IOException(failure.getMessage(), failure);
                        throw e;
                    }
                    return -1;
                }
                try {
                    waiting++;
                    try {
                        wait();
                    } finally {
                        waiting--;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting for migration bytes");
                }
            }
            if (head == null) {
                head = chunks.poll();
                headPos = 0;
            }
            n = Math.min(len, head.length - headPos);
            System.arraycopy(head, headPos, b, off, n);
            headPos += n;
            if (headPos == head.length) {
                head = null;
            }
            size -= n;
            if (paused && size <= low) {
                paused = false;
                resume = true;
            }
        }
        if (resume) {
            onDrained.run();
        }
        return n;
    }

    @Override
    public synchronized int available() {
        return (int) Math.min(Integer.MAX_VALUE, size);
    }

    /** The reader gave up: drop what is queued and ignore further input. */
    @Override
    public synchronized void close() {
        chunks.clear();
        head = null;
        size = 0;
        eof = true;
        notifyAll();
    }
}
