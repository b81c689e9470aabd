package qmig.tools.receiver;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import qmig.stream.grammar.StreamSniffer;
import qmig.stream.multifd.MultifdInitPacket;
import qmig.stream.wire.WireReader;

/**
 * The first handler of every connection: sniffs the first 4 bytes ({@link StreamSniffer}, the
 * way an [8.0]+ destination peeks, spec/multifd.md §2) and routes — main channel to a new
 * {@link Migration}, multifd channel (once its 64-byte init packet is in) to the migration that
 * waits for its id, anything else closed with a typed error. The sniffed bytes stay in the
 * cumulation and reach the next handler when this one is removed.
 */
final class SniffHandler extends ByteToMessageDecoder {

    private static final int INIT_PACKET = 64;

    private final Receiver receiver;
    private boolean routed;
    private ScheduledFuture<?> deadline;

    SniffHandler(Receiver receiver) {
        this.receiver = receiver;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        long ms = receiver.config().sniffTimeout().toMillis();
        deadline = ctx.executor().schedule(() -> {
            if (!routed) {
                routed = true;
                receiver.reject(ctx.channel(), ReceiveError.Kind.INCOMPLETE_HEADER,
                        "incomplete header: no migration header within " + ms + " ms");
            }
        }, ms, TimeUnit.MILLISECONDS);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (routed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        int n = Math.min(4, in.readableBytes());
        byte[] head = new byte[n];
        in.getBytes(in.readerIndex(), head);
        StreamSniffer.Kind k = StreamSniffer.detect(head, 0, n);
        if (k == StreamSniffer.Kind.NEEDS_MORE) {
            return;
        }
        if (k == StreamSniffer.Kind.INVALID) {
            done();
            in.skipBytes(in.readableBytes());
            receiver.reject(ctx.channel(), ReceiveError.Kind.NOT_A_MIGRATION, String.format(
                    "not a migration stream: first bytes %s (expected 51 45 56 4d \"QEVM\" or the multifd magic 11 22 33 44)",
                    hex(head)));
            return;
        }
        if (k == StreamSniffer.Kind.MIGRATION) {
            done();
            receiver.mainChannel(ctx);
            return;
        }
        if (in.readableBytes() < INIT_PACKET) {
            return;
        }
        byte[] init = new byte[INIT_PACKET];
        in.getBytes(in.readerIndex(), init);
        done();
        MultifdInitPacket p;
        try {
            p = MultifdInitPacket.read(WireReader.of(init));
        } catch (java.io.IOException | RuntimeException e) {
            in.skipBytes(in.readableBytes());
            receiver.reject(ctx.channel(), ReceiveError.Kind.UNMATCHED_MULTIFD_CHANNEL,
                    "bad multifd init packet: " + e.getMessage());
            return;
        }
        receiver.multifdChannel(ctx, p);
    }

    private void done() {
        routed = true;
        if (deadline != null) {
            deadline.cancel(false);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (!routed) {
            done();
            ByteBuf c = internalBuffer();
            int have = c == null ? 0 : c.readableBytes();
            receiver.reject(ctx.channel(), ReceiveError.Kind.INCOMPLETE_HEADER, "incomplete header: " + have
                    + " bytes (expected: 4+ bytes, 64 for a multifd channel)");
        }
        super.channelInactive(ctx);
    }

    /** With TLS: a failed handshake (plain client, untrusted or missing certificate) refuses the connection. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent e && !e.isSuccess() && !routed) {
            done();
            receiver.reject(ctx.channel(), ReceiveError.Kind.TLS_REFUSED, "TLS handshake failed: " + tlsReason(e.cause()));
        }
        super.userEventTriggered(ctx, evt);
    }

    private static String tlsReason(Throwable t) {
        Throwable c = t;
        while (c instanceof DecoderException && c.getCause() != null) {
            c = c.getCause();
        }
        if (c instanceof NotSslRecordException) {
            return "the client does not speak TLS (first record is not a TLS record)";
        }
        return c.getClass().getSimpleName() + ": " + c.getMessage();
    }

    private static boolean isTls(Throwable t) {
        for (int depth = 0; t != null && depth < 8; t = t.getCause(), depth++) {
            if (t instanceof SSLException || t instanceof NotSslRecordException) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!routed) {
            done();
            if (isTls(cause)) {
                receiver.reject(ctx.channel(), ReceiveError.Kind.TLS_REFUSED, "TLS handshake failed: " + tlsReason(cause));
                return;
            }
            receiver.reject(ctx.channel(), ReceiveError.Kind.CONNECTION, "connection error before routing: " + cause);
        } else if (!isTls(cause)) {
            ctx.fireExceptionCaught(cause);
        }
    }

    private static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            s.append(s.length() == 0 ? "" : " ").append(String.format("%02x", x & 0xff));
        }
        return s.toString();
    }
}
