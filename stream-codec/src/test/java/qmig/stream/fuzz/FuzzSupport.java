package qmig.stream.fuzz;

import java.io.IOException;
import java.io.InputStream;
import qmig.stream.wire.Limits;
import qmig.stream.wire.StreamFormatException;

/**
 * The properties every fuzz target asserts. A decoder given any bytes either returns or throws
 * a {@link StreamFormatException} whose offset lies inside the input; anything else
 * (IndexOutOfBounds, NullPointer, IllegalArgument, Arithmetic, OutOfMemory, a hang that
 * Jazzer's timeout catches) escapes as a finding.
 */
public final class FuzzSupport {

    /** Limits small enough that a declared length above them is reached in a few bytes of fuzz input. */
    public static final Limits TINY = new Limits(4096, 256, 16, 4096, 4096, 16, 4096);

    /** What a bounded-read check allows beyond the input and the largest limit: WireReader's buffer and a header. */
    public static final long SLACK = 8192;

    private FuzzSupport() {
    }

    @FunctionalInterface
    public interface Decode {
        void run() throws Exception;
    }

    /** Runs {@code d}; a {@link StreamFormatException} must carry an offset in {@code [0, length]} (or -1 when {@code allowUnknown}). */
    public static StreamFormatException decodesOrFailsTyped(long length, boolean allowUnknown, Decode d) {
        try {
            d.run();
            return null;
        } catch (StreamFormatException e) {
            long off = e.offset();
            boolean inside = off >= 0 && off <= length;
            if (!inside && !(allowUnknown && off == -1)) {
                throw new AssertionError("offset " + off + " outside the input of " + length + " bytes: " + e, e);
            }
            return e;
        } catch (RuntimeException | Error e) {
            throw e; // a finding: Jazzer reports it with the input
        } catch (Exception e) {
            throw new AssertionError("not a StreamFormatException: " + e, e);
        }
    }

    public static StreamFormatException decodesOrFailsTyped(byte[] input, Decode d) {
        return decodesOrFailsTyped(input.length, false, d);
    }

    /**
     * The input followed by up to {@code fillerCap} bytes of {@code filler}: a decoder that
     * honours its limits stops within the input, the largest limit and {@link #SLACK}
     * whatever length the input declares.
     */
    public static CountingInputStream endless(byte[] input, int filler, long fillerCap) {
        return new CountingInputStream(input, filler, fillerCap);
    }

    /** Asserts the source gave no more than {@code input + limit + SLACK} bytes. */
    public static void assertBoundedRead(CountingInputStream in, long inputLength, long limit) {
        long bound = inputLength + limit + SLACK;
        if (in.count() > bound) {
            throw new AssertionError("read " + in.count() + " bytes of an endless source after " + inputLength
                    + " input bytes; bound " + bound);
        }
    }

    /** An input stream over bytes then a filler byte, counting what was read. */
    public static final class CountingInputStream extends InputStream {
        private final byte[] head;
        private final int filler;
        private final long total;
        private long pos;

        CountingInputStream(byte[] head, int filler, long fillerCap) {
            this.head = head;
            this.filler = filler;
            this.total = head.length + fillerCap;
        }

        public long count() {
            return pos;
        }

        @Override
        public long skip(long n) {
            long k = Math.max(0, Math.min(n, total - pos));
            pos += k;
            return k;
        }

        @Override
        public int read() {
            if (pos >= total) {
                return -1;
            }
            int b = pos < head.length ? head[(int) pos] & 0xff : filler;
            pos++;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (pos >= total) {
                return -1;
            }
            int n = (int) Math.min(len, total - pos);
            for (int i = 0; i < n; i++) {
                b[off + i] = pos < head.length ? head[(int) pos] : (byte) filler;
                pos++;
            }
            return n;
        }
    }
}
