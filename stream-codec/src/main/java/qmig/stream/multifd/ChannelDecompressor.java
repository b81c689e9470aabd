package qmig.stream.multifd;

import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;
import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import qmig.stream.wire.StreamFormatException;

/**
 * The receiving half of one channel's payload stream. zlib and zstd keep one decompression
 * stream per channel for the whole migration (7.2 {@code zlib_recv_setup}/{@code zstd_recv_setup}
 * create it once and never reset it), so every payload of a channel must pass through the same
 * instance, in order. Output is written into a caller's buffer of exactly
 * {@code pages × 4096} bytes; a payload that would yield more (a bomb) or less is corrupt, as
 * 7.2's "packet size received %u size expected %u".
 */
public abstract sealed class ChannelDecompressor implements AutoCloseable
        permits ChannelDecompressor.None, ChannelDecompressor.Zlib, ChannelDecompressor.Zstd {

    public static ChannelDecompressor of(MultifdCompression c) {
        if (c == MultifdCompression.ZLIB) {
            return new Zlib();
        }
        if (c == MultifdCompression.ZSTD) {
            return new Zstd();
        }
        return new None();
    }

    public abstract MultifdCompression compression();

    /**
     * Turns {@code payload[0, len)} into {@code pages} pages at {@code out[0, pages × 4096)}.
     *
     * @param at stream offset of the payload, for errors
     */
    public abstract void decompress(long at, byte[] payload, int len, int pages, byte[] out) throws StreamFormatException;

    @Override
    public void close() {
    }

    static StreamFormatException.Corrupt sizeMismatch(long at, String method, long got, long expected, String more) {
        return StreamFormatException.corrupt(at, "multifd " + method + " payload: packet size received " + got
                + (more.isEmpty() ? "" : more) + " size expected " + expected);
    }

    /** {@code none}: the payload is the pages. */
    public static final class None extends ChannelDecompressor {
        @Override
        public MultifdCompression compression() {
            return MultifdCompression.NONE;
        }

        @Override
        public void decompress(long at, byte[] payload, int len, int pages, byte[] out) throws StreamFormatException {
            int expected = pages * MultifdConstants.PAGE_SIZE;
            if (len != expected) {
                throw sizeMismatch(at, "none", len, expected, "");
            }
            System.arraycopy(payload, 0, out, 0, len);
        }
    }

    /** One {@link Inflater} (zlib format) for the channel's lifetime ({@code multifd-zlib.c}). */
    public static final class Zlib extends ChannelDecompressor {
        private final Inflater inflater = new Inflater(false);
        private final byte[] probe = new byte[1];

        @Override
        public MultifdCompression compression() {
            return MultifdCompression.ZLIB;
        }

        @Override
        public void decompress(long at, byte[] payload, int len, int pages, byte[] out) throws StreamFormatException {
            int expected = pages * MultifdConstants.PAGE_SIZE;
            inflater.setInput(payload, 0, len);
            int produced = 0;
            try {
                while (produced < expected) {
                    int n = inflater.inflate(out, produced, expected - produced);
                    produced += n;
                    if (n == 0 && produced < expected) {
                        if (inflater.finished()) {
                            throw StreamFormatException.corrupt(at, "multifd zlib payload ends the channel's deflate"
                                    + " stream (7.2 never finishes it) after " + produced + " of " + expected + " bytes");
                        }
                        if (inflater.needsInput() || inflater.needsDictionary()) {
                            throw sizeMismatch(at, "zlib", produced, expected, " (input exhausted)");
                        }
                    }
                }
                // the rest must be the Z_SYNC_FLUSH marker (an empty stored block): it yields nothing
                while (!inflater.needsInput() && !inflater.finished()) {
                    int n = inflater.inflate(probe, 0, 1);
                    if (n > 0) {
                        throw sizeMismatch(at, "zlib", expected + 1L, expected, " or more");
                    }
                    if (!inflater.needsInput()) {
                        throw StreamFormatException.corrupt(at, "multifd zlib payload: "
                                + inflater.getRemaining() + " bytes left after the packet's pages");
                    }
                }
            } catch (DataFormatException e) {
                throw StreamFormatException.corrupt(at, "multifd zlib payload: " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            inflater.end();
        }
    }

    /** One zstd decompression stream for the channel's lifetime ({@code multifd-zstd.c}). */
    public static final class Zstd extends ChannelDecompressor {
        private final ZstdDecompressCtx ctx = new ZstdDecompressCtx();
        private final ByteBuffer src = ByteBuffer.allocateDirect(MultifdConstants.MAX_COMPRESSED_PAYLOAD);
        private final ByteBuffer dst = ByteBuffer.allocateDirect(MultifdConstants.PACKET_SIZE);
        private final ByteBuffer probe = ByteBuffer.allocateDirect(1);

        @Override
        public MultifdCompression compression() {
            return MultifdCompression.ZSTD;
        }

        @Override
        public void decompress(long at, byte[] payload, int len, int pages, byte[] out) throws StreamFormatException {
            int expected = pages * MultifdConstants.PAGE_SIZE;
            if (len > src.capacity()) {
                throw StreamFormatException.corrupt(at, "multifd zstd payload of " + len + " bytes exceeds "
                        + src.capacity());
            }
            src.clear();
            src.put(payload, 0, len).flip();
            dst.clear().limit(expected);
            try {
                while (dst.hasRemaining()) {
                    int in0 = src.position();
                    int out0 = dst.position();
                    ctx.decompressDirectByteBufferStream(dst, src);
                    if (src.position() == in0 && dst.position() == out0) {
                        throw sizeMismatch(at, "zstd", dst.position(), expected, " (input exhausted)");
                    }
                }
                // whatever is left (block headers of the flush) must yield nothing
                while (true) {
                    int in0 = src.position();
                    probe.clear();
                    ctx.decompressDirectByteBufferStream(probe, src);
                    if (probe.position() > 0) {
                        throw sizeMismatch(at, "zstd", expected + 1L, expected, " or more");
                    }
                    if (!src.hasRemaining()) {
                        break;
                    }
                    if (src.position() == in0) {
                        throw StreamFormatException.corrupt(at, "multifd zstd payload: " + src.remaining()
                                + " bytes left after the packet's pages");
                    }
                }
            } catch (ZstdException e) {
                throw StreamFormatException.corrupt(at, "multifd zstd payload: " + e.getMessage(), e);
            }
            dst.flip();
            dst.get(out, 0, expected);
        }

        @Override
        public void close() {
            ctx.close();
        }
    }
}
