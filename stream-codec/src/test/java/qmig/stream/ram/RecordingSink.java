package qmig.stream.ram;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Logs every sink call as a line and counts pages per block the way stream-info.py does. */
final class RecordingSink implements PageSink {

    final List<String> log = new ArrayList<>();
    /** block to {normal (PAGE, XBZRLE, COMPRESS_PAGE), zero} page counts. */
    final Map<String, long[]> counts = new LinkedHashMap<>();
    private final boolean wantsContent;

    RecordingSink(boolean wantsContent) {
        this.wantsContent = wantsContent;
    }

    @Override
    public boolean wantsContent() {
        return wantsContent;
    }

    @Override
    public void memSize(List<BlockInfo> blocks) {
        for (BlockInfo b : blocks) {
            counts.putIfAbsent(b.idstr(), new long[2]);
        }
        log.add("memSize " + blocks.size());
    }

    @Override
    public void zero(String block, long offset, int fill) {
        counts.computeIfAbsent(block, k -> new long[2])[1]++;
        log.add("zero " + block + " 0x" + Long.toHexString(offset) + " " + fill);
    }

    @Override
    public void page(String block, long offset, byte[] src, int srcOff) {
        counts.computeIfAbsent(block, k -> new long[2])[0]++;
        log.add("page " + block + " 0x" + Long.toHexString(offset) + (src == null ? " skipped" : " " + (src[srcOff] & 0xff)));
    }

    @Override
    public void xbzrle(String block, long offset, byte[] encoded, int off, int len) {
        counts.computeIfAbsent(block, k -> new long[2])[0]++;
        log.add("xbzrle " + block + " 0x" + Long.toHexString(offset) + " " + len);
    }

    @Override
    public void compressed(String block, long offset, byte[] zlib, int off, int len) {
        counts.computeIfAbsent(block, k -> new long[2])[0]++;
        log.add("compressed " + block + " 0x" + Long.toHexString(offset) + " " + len + (zlib == null ? " skipped" : ""));
    }

    @Override
    public void multifdFlush() {
        log.add("flush");
    }

    @Override
    public void eos() {
        log.add("eos");
    }
}
