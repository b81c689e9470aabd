package qmig.stream.ram;

import java.io.IOException;
import java.util.List;
import java.util.Objects;

/**
 * A {@link PageSink} that passes every call to another one. Subclasses override only the calls
 * they add work to (a sync point at EOS, block bookkeeping at MEM_SIZE) and call {@code super}.
 */
public class ForwardingPageSink implements PageSink {

    protected final PageSink out;

    public ForwardingPageSink(PageSink out) {
        this.out = Objects.requireNonNull(out, "out");
    }

    @Override
    public boolean wantsContent() {
        return out.wantsContent();
    }

    @Override
    public void memSize(List<BlockInfo> blocks) throws IOException {
        out.memSize(blocks);
    }

    @Override
    public void zero(String block, long offset, int fill) throws IOException {
        out.zero(block, offset, fill);
    }

    @Override
    public void page(String block, long offset, byte[] src, int srcOff) throws IOException {
        out.page(block, offset, src, srcOff);
    }

    @Override
    public void xbzrle(String block, long offset, byte[] encoded, int off, int len) throws IOException {
        out.xbzrle(block, offset, encoded, off, len);
    }

    @Override
    public void compressed(String block, long offset, byte[] zlib, int off, int len) throws IOException {
        out.compressed(block, offset, zlib, off, len);
    }

    @Override
    public void multifdFlush() throws IOException {
        out.multifdFlush();
    }

    @Override
    public void eos() throws IOException {
        out.eos();
    }
}
