package qmig.tools.receiver;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Moves a routed connection's bytes into its {@link BytePipe}. Backpressure: when the pipe is
 * above its high mark autoRead goes off (TCP then pushes back on the source); the pipe's drain
 * callback turns it on again.
 */
final class PipeHandler extends ChannelInboundHandlerAdapter {

    private final BytePipe pipe;
    private final long idleNanos;
    private final String what;
    private long lastActivity;
    private ScheduledFuture<?> idleCheck;

    PipeHandler(BytePipe pipe) {
        this(pipe, null, null);
    }

    /**
     * @param idle null: no idle timeout; else a connection whose loader waits on an empty pipe for
     *             this long with no bytes arriving is failed with {@link ReceiveError.Kind#IDLE_TIMEOUT} and closed
     * @param what how the error names the connection ("main channel of migration 3", ...)
     */
    PipeHandler(BytePipe pipe, Duration idle, String what) {
        this.pipe = pipe;
        this.idleNanos = idle == null ? 0 : idle.toNanos();
        this.what = what;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (idleNanos <= 0) {
            return;
        }
        lastActivity = System.nanoTime();
        long tick = Math.max(TimeUnit.NANOSECONDS.toMillis(idleNanos) / 8, 20);
        idleCheck = ctx.executor().scheduleAtFixedRate(() -> checkIdle(ctx), tick, tick, TimeUnit.MILLISECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stopIdleCheck();
    }

    private void stopIdleCheck() {
        if (idleCheck != null) {
            idleCheck.cancel(false);
            idleCheck = null;
        }
    }

    /** Idle time counts only while the loader starves: backpressure and post-load work are not the peer's silence. */
    private void checkIdle(ChannelHandlerContext ctx) {
        long now = System.nanoTime();
        if (!pipe.starving()) {
            lastActivity = now;
            return;
        }
        if (now - lastActivity < idleNanos) {
            return;
        }
        stopIdleCheck();
        pipe.fail(new ReceiveError(ReceiveError.Kind.IDLE_TIMEOUT, what + ": no bytes for "
                + TimeUnit.NANOSECONDS.toMillis(idleNanos) + " ms (--idle-timeout) after " + pipe.total() + " bytes"));
        ctx.close();
    }

    /** The callback a pipe for {@code ch} is built with. */
    static Runnable resumer(Channel[] ch) {
        return () -> {
            Channel c = ch[0];
            if (c != null) {
                c.config().setAutoRead(true);
            }
        };
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        lastActivity = System.nanoTime();
        try {
            byte[] b = new byte[buf.readableBytes()];
            buf.readBytes(b);
            if (pipe.offer(b)) {
                ctx.channel().config().setAutoRead(false);
            }
        } finally {
            buf.release();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        stopIdleCheck();
        pipe.finish();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        pipe.fail(new ReceiveError(ReceiveError.Kind.CONNECTION, "connection error: " + cause.getMessage(),
                cause instanceof IOException ? cause : new IOException(cause)));
        ctx.close();
    }
}
