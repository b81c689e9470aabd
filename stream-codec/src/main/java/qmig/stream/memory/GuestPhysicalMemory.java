package qmig.stream.memory;

import java.util.List;

/**
 * A {@link GuestMemory} seen through a {@link PhysicalMap}: reads by guest-physical address,
 * across page and range edges. Built for page-table walkers: {@link #isRam} answers without an
 * exception, {@link #readLongLE} reads an 8-byte entry with one range lookup (the last range hit
 * is cached) and no allocation.
 *
 * <p>Ranges whose block is missing from the memory are not RAM. A range that reaches past its
 * block's used length is a configuration error ({@code IllegalArgumentException} at construction).
 */
public final class GuestPhysicalMemory {

    private final PhysicalMap map;
    private final RamBlockImage[] blocks; // per range, null when the block is missing
    private int last = -1;

    GuestPhysicalMemory(GuestMemory memory, PhysicalMap map) {
        this.map = map;
        List<PhysicalMap.Range> rs = map.ranges();
        this.blocks = new RamBlockImage[rs.size()];
        for (int i = 0; i < blocks.length; i++) {
            PhysicalMap.Range r = rs.get(i);
            RamBlockImage b = memory.block(r.block()).orElse(null);
            if (b != null && r.blockOffset() + r.size() > b.usedLength()) {
                throw new IllegalArgumentException(r + " reaches past block '" + b.idstr() + "' (used_length 0x"
                        + Long.toHexString(b.usedLength()) + ")");
            }
            blocks[i] = b;
        }
    }

    public PhysicalMap map() {
        return map;
    }

    private int range(long gpa) {
        int l = last;
        if (l >= 0 && map.ranges().get(l).contains(gpa)) {
            return l;
        }
        int i = map.indexOf(gpa);
        if (i >= 0 && blocks[i] != null) {
            last = i;
            return i;
        }
        return -1;
    }

    /** Whether the byte at {@code gpa} is backed by a RAMBlock. */
    public boolean isRam(long gpa) {
        return range(gpa) >= 0;
    }

    /** Whether all of {@code [gpa, gpa+len)} is backed (possibly by several ranges). */
    public boolean isRam(long gpa, long len) {
        while (len > 0) {
            int i = range(gpa);
            if (i < 0) {
                return false;
            }
            long n = Math.min(len, map.ranges().get(i).end() - gpa);
            gpa += n;
            len -= n;
        }
        return true;
    }

    /** Where {@code gpa} lives, or null: the range (block, offset) holding it. */
    public PhysicalMap.Range locate(long gpa) {
        int i = range(gpa);
        return i < 0 ? null : map.ranges().get(i);
    }

    /** The RAMBlock offset of {@code gpa}, or -1 when it is not RAM. */
    public long blockOffset(long gpa) {
        int i = range(gpa);
        if (i < 0) {
            return -1;
        }
        PhysicalMap.Range r = map.ranges().get(i);
        return r.blockOffset() + (gpa - r.gpa());
    }

    /** Copies {@code len} bytes from {@code gpa}, across pages and ranges. */
    public void read(long gpa, byte[] dst, int off, int len) throws NotRamException {
        java.util.Objects.checkFromIndexSize(off, len, dst.length);
        while (len > 0) {
            int i = range(gpa);
            if (i < 0) {
                throw notRam(gpa);
            }
            PhysicalMap.Range r = map.ranges().get(i);
            int n = (int) Math.min(len, r.end() - gpa);
            blocks[i].read(r.blockOffset() + (gpa - r.gpa()), dst, off, n);
            gpa += n;
            off += n;
            len -= n;
        }
    }

    public byte[] read(long gpa, int len) throws NotRamException {
        byte[] b = new byte[len];
        read(gpa, b, 0, len);
        return b;
    }

    /** 8 bytes little-endian at {@code gpa} (a page-table entry). */
    public long readLongLE(long gpa) throws NotRamException {
        int i = range(gpa);
        if (i >= 0) {
            PhysicalMap.Range r = map.ranges().get(i);
            if (r.end() - gpa >= 8) {
                return blocks[i].readLongLE(r.blockOffset() + (gpa - r.gpa()));
            }
        }
        byte[] b = new byte[8];
        read(gpa, b, 0, 8);
        return (long) BlockStore.LE_LONG.get(b, 0);
    }

    /** 4 bytes little-endian at {@code gpa}. */
    public int readIntLE(long gpa) throws NotRamException {
        byte[] b = read(gpa, 4);
        return (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
    }

    private NotRamException notRam(long gpa) {
        int i = map.indexOf(gpa);
        if (i >= 0) {
            return new NotRamException(gpa, "block '" + map.ranges().get(i).block() + "' is not in the memory");
        }
        return new NotRamException(gpa, "no RAM range holds it");
    }
}
