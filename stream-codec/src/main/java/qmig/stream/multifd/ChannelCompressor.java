package qmig.stream.multifd;

import com.github.luben.zstd.EndDirective;
import com.github.luben.zstd.ZstdCompressCtx;
import java.nio.ByteBuffer;
import java.util.zip.Deflater;

/**
 * The sending half of one channel's payload stream, mirroring 7.2's {@code send_prepare}
 * methods call for call: zlib keeps one deflate stream (zlib format, level
 * {@code multifd-zlib-level}) and deflates page by page, {@code Z_NO_FLUSH} except
 * {@code Z_SYNC_FLUSH} on a packet's last page; zstd keeps one never-ended frame (level
 * {@code multifd-zstd-level}) fed with {@code ZSTD_e_continue}, {@code ZSTD_e_flush} on the last page.
 */
public abstract sealed class ChannelCompressor implements AutoCloseable
        permits ChannelCompressor.None, ChannelCompressor.Zlib, ChannelCompressor.Zstd {

    /** Default {@code multifd-zlib-level} and {@code multifd-zstd-level}. */
    public static final int DEFAULT_LEVEL = 1;

    public static ChannelCompressor of(MultifdCompression c, int level) {
        if (c == MultifdCompression.ZLIB) {
            return new Zlib(level);
        }
        if (c == MultifdCompression.ZSTD) {
            return new Zstd(level);
        }
        return new None();
    }

    public abstract MultifdCompression compression();

    /** The payload for {@code pages} pages at {@code src[off, off + pages × 4096)}; {@code pages} ≥ 1. */
    public abstract byte[] compress(byte[] src, int off, int pages);

    @Override
    public void close() {
    }

    public static final class None extends ChannelCompressor {
        @Override
        public MultifdCompression compression() {
            return MultifdCompression.NONE;
        }

        @Override
        public byte[] compress(byte[] src, int off, int pages) {
            byte[] out = new byte[pages * MultifdConstants.PAGE_SIZE];
            System.arraycopy(src, off, out, 0, out.length);
            return out;
        }
    }

    public static final class Zlib extends ChannelCompressor {
        private final Deflater deflater;
        private final byte[] buf = new byte[MultifdConstants.MAX_COMPRESSED_PAYLOAD];

        Zlib(int level) {
            deflater = new Deflater(level, false);
        }

        @Override
        public MultifdCompression compression() {
            return MultifdCompression.ZLIB;
        }

        @Override
        public byte[] compress(byte[] src, int off, int pages) {
            int out = 0;
            for (int i = 0; i < pages; i++) {
                int flush = i == pages - 1 ? Deflater.SYNC_FLUSH : Deflater.NO_FLUSH;
                deflater.setInput(src, off + i * MultifdConstants.PAGE_SIZE, MultifdConstants.PAGE_SIZE);
                do {
                    out += deflater.deflate(buf, out, buf.length - out, flush);
                } while (!deflater.needsInput() && out < buf.length);
                if (!deflater.needsInput()) {
                    throw new IllegalStateException("deflate failed to compress all input");
                }
            }
            byte[] r = new byte[out];
            System.arraycopy(buf, 0, r, 0, out);
            return r;
        }

        @Override
        public void close() {
            deflater.end();
        }
    }

    public static final class Zstd extends ChannelCompressor {
        private final ZstdCompressCtx ctx = new ZstdCompressCtx();
        private final ByteBuffer in = ByteBuffer.allocateDirect(MultifdConstants.PAGE_SIZE);
        private final ByteBuffer out = ByteBuffer.allocateDirect(MultifdConstants.MAX_COMPRESSED_PAYLOAD);

        Zstd(int level) {
            ctx.setLevel(level);
        }

        @Override
        public MultifdCompression compression() {
            return MultifdCompression.ZSTD;
        }

        @Override
        public byte[] compress(byte[] src, int off, int pages) {
            out.clear();
            for (int i = 0; i < pages; i++) {
                EndDirective op = i == pages - 1 ? EndDirective.FLUSH : EndDirective.CONTINUE;
                in.clear();
                in.put(src, off + i * MultifdConstants.PAGE_SIZE, MultifdConstants.PAGE_SIZE).flip();
                boolean done;
                do {
                    done = ctx.compressDirectByteBufferStream(out, in, op);
                } while (!done && in.hasRemaining() && out.hasRemaining());
                if (in.hasRemaining()) {
                    throw new IllegalStateException("zstd compressStream buffer too small");
                }
                if (op == EndDirective.FLUSH) {
                    while (!done && out.hasRemaining()) {
                        done = ctx.compressDirectByteBufferStream(out, in, op);
                    }
                }
            }
            out.flip();
            byte[] r = new byte[out.remaining()];
            out.get(r);
            return r;
        }

        @Override
        public void close() {
            ctx.close();
        }
    }
}
