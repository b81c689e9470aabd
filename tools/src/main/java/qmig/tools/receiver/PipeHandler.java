package qmig.tools.receiver;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.io.IOException;

/**
 * Moves a routed connection's bytes into its {@link BytePipe}. Backpressure: when the pipe is
 * above its high mark autoRead goes off (TCP then pushes back on the source); the pipe's drain
 * callback turns it on again.
 */
final class PipeHandler extends ChannelInboundHandlerAdapter {

    private final BytePipe pipe;

    PipeHandler(BytePipe pipe) {
        this.pipe = pipe;
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
