package qmig.stream.saved;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Counts the bytes taken from the stream below, from a start offset: the compressed offset for errors. */
final class CountingInputStream extends FilterInputStream {

    private long count;

    CountingInputStream(InputStream in, long start) {
        super(in);
        this.count = start;
    }

    long count() {
        return count;
    }

    @Override
    public int read() throws IOException {
        int b = in.read();
        if (b >= 0) {
            count++;
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n > 0) {
            count += n;
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        long k = in.skip(n);
        count += k;
        return k;
    }

    @Override
    public boolean markSupported() {
        return false;
    }
}
