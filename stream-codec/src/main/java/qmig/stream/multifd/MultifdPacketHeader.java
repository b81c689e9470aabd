package qmig.stream.multifd;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * The 1344-byte header of a 7.2 data packet ({@code MultiFDPacket_t}, spec/multifd.md §4),
 * kept field for field, stale fields included: a 7.2 sender re-uses one buffer per channel, so
 * with {@code normalPages == 0} the ramblock name, the offsets and {@code nextPacketSize} are
 * leftovers of the channel's previous packet, as are offsets beyond {@code normalPages}.
 * <pre>
 *   +0   be32 magic 0x11223344      +4  be32 version 1
 *   +8   be32 flags                 +12 be32 pages_alloc (128)
 *   +16  be32 normal_pages          +20 be32 next_packet_size (payload bytes)
 *   +24  be64 packet_num            +32 32 bytes unused
 *   +64  256  ramblock idstr, NUL padded
 *   +320 128 x be64 offset[]        byte offsets inside the RAMBlock
 * </pre>
 *
 * @param flags          SYNC (0x1) and compression bits
 * @param pagesAlloc     capacity of offset[] the sender claims (0..128)
 * @param normalPages    pages carried (0..pagesAlloc)
 * @param nextPacketSize be32 payload length, unsigned (meaningful for zlib/zstd with pages)
 * @param packetNum      source-global sequence number
 * @param unused         the 32 unused bytes as received
 * @param ramblock       the 256-byte name field as received
 * @param offsets        all 128 offset slots as received
 */
public record MultifdPacketHeader(int flags, int pagesAlloc, int normalPages, long nextPacketSize, long packetNum,
                                  byte[] unused, byte[] ramblock, long[] offsets) {

    public MultifdPacketHeader {
        Objects.requireNonNull(unused, "unused");
        Objects.requireNonNull(ramblock, "ramblock");
        Objects.requireNonNull(offsets, "offsets");
        if (unused.length != 32 || ramblock.length != MultifdConstants.RAMBLOCK_FIELD
                || offsets.length != MultifdConstants.PAGE_COUNT) {
            throw new IllegalArgumentException("header arrays: unused 32, ramblock 256, offsets 128");
        }
        if (pagesAlloc < 0 || pagesAlloc > MultifdConstants.PAGE_COUNT || normalPages < 0 || normalPages > pagesAlloc) {
            throw new IllegalArgumentException("pages_alloc " + pagesAlloc + " / normal_pages " + normalPages
                    + " outside 0 <= normal <= alloc <= 128");
        }
        if (nextPacketSize < 0 || nextPacketSize > 0xffffffffL) {
            throw new IllegalArgumentException("next_packet_size " + nextPacketSize);
        }
        unused = unused.clone();
        ramblock = ramblock.clone();
        offsets = offsets.clone();
    }

    public boolean sync() {
        return (flags & MultifdConstants.FLAG_SYNC) != 0;
    }

    /** The compression bits, unvalidated. */
    public int compressionBits() {
        return flags & MultifdConstants.COMPRESSION_MASK;
    }

    /** The block name up to the first NUL, byte 255 treated as NUL as the 7.2 receiver forces it. */
    public String blockName() {
        int n = 0;
        while (n < MultifdConstants.RAMBLOCK_FIELD - 1 && ramblock[n] != 0) {
            n++;
        }
        return new String(ramblock, 0, n, StandardCharsets.ISO_8859_1);
    }

    /** Offset slot {@code i} (0..127). */
    public long offset(int i) {
        return offsets[i];
    }

    @Override
    public byte[] unused() {
        return unused.clone();
    }

    @Override
    public byte[] ramblock() {
        return ramblock.clone();
    }

    @Override
    public long[] offsets() {
        return offsets.clone();
    }

    /** A 256-byte NUL-padded field as {@code strncpy(…, idstr, 256)} leaves it. */
    public static byte[] ramblockField(String idstr) {
        byte[] name = idstr.getBytes(StandardCharsets.ISO_8859_1);
        if (name.length > MultifdConstants.RAMBLOCK_FIELD) {
            throw new IllegalArgumentException("RAMBlock idstr longer than 256 bytes: " + idstr);
        }
        return Arrays.copyOf(name, MultifdConstants.RAMBLOCK_FIELD);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MultifdPacketHeader h && flags == h.flags && pagesAlloc == h.pagesAlloc
                && normalPages == h.normalPages && nextPacketSize == h.nextPacketSize && packetNum == h.packetNum
                && Arrays.equals(unused, h.unused) && Arrays.equals(ramblock, h.ramblock)
                && Arrays.equals(offsets, h.offsets);
    }

    @Override
    public int hashCode() {
        return Objects.hash(flags, pagesAlloc, normalPages, nextPacketSize, packetNum) * 31
                + Arrays.hashCode(offsets) + Arrays.hashCode(ramblock);
    }

    @Override
    public String toString() {
        return "MultifdPacketHeader[flags=0x" + Integer.toHexString(flags) + ", pages_alloc=" + pagesAlloc
                + ", normal_pages=" + normalPages + ", next_packet_size=" + nextPacketSize + ", packet_num="
                + packetNum + ", ramblock=" + blockName() + "]";
    }
}
