package qmig.stream.multifd;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import qmig.stream.ram.BlockInfo;
import qmig.stream.ram.PageSink;

/**
 * A test-side guest memory: one zero-filled byte[] per RAMBlock from MEM_SIZE, pages applied in
 * the order they arrive (ram.md §9), and the per-block SHA-256 to compare two migrations.
 */
final class BlockImages implements PageSink {

    final Map<String, byte[]> blocks = new TreeMap<>();
    long pages;
    long zeros;
    long eos;

    @Override
    public void memSize(List<BlockInfo> list) {
        for (BlockInfo b : list) {
            blocks.putIfAbsent(b.idstr(), new byte[Math.toIntExact(b.usedLength())]);
        }
    }

    @Override
    public void zero(String block, long offset, int fill) {
        java.util.Arrays.fill(image(block, offset), (int) offset, (int) offset + 4096, (byte) fill);
        zeros++;
    }

    @Override
    public void page(String block, long offset, byte[] src, int srcOff) {
        System.arraycopy(src, srcOff, image(block, offset), (int) offset, 4096);
        pages++;
    }

    @Override
    public void xbzrle(String block, long offset, byte[] encoded, int off, int len) {
        throw new AssertionError("no XBZRLE expected");
    }

    @Override
    public void compressed(String block, long offset, byte[] zlib, int off, int len) {
        throw new AssertionError("no COMPRESS_PAGE expected");
    }

    @Override
    public void eos() {
        eos++;
    }

    private byte[] image(String block, long offset) {
        byte[] b = blocks.get(block);
        if (b == null || offset + 4096 > b.length) {
            throw new AssertionError("page outside MEM_SIZE: " + block + " 0x" + Long.toHexString(offset));
        }
        return b;
    }

    Map<String, String> sha256() {
        Map<String, String> m = new TreeMap<>();
        try {
            for (Map.Entry<String, byte[]> e : blocks.entrySet()) {
                m.put(e.getKey(), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(e.getValue())));
            }
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
        return m;
    }
}
