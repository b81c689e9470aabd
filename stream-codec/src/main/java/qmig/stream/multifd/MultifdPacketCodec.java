package qmig.stream.multifd;

import java.io.IOException;
import qmig.stream.wire.Limits;
import qmig.stream.wire.StreamFormatException;
import qmig.stream.wire.WireReader;
import qmig.stream.wire.WireWriter;

/**
 * Reads and writes 7.2 multifd data packets (spec/multifd.md §4), mirroring the checks of
 * {@code multifd_recv_unfill_packet} and the compression-specific {@code recv_pages}, plus two
 * stricter ones: unknown flag bits and page offsets that are not page aligned are corrupt.
 * Every count is checked before anything is allocated for it.
 */
public final class MultifdPacketCodec {

    private MultifdPacketCodec() {
    }

    /**
     * Reads the 1344-byte header (the whole offset array, whatever {@code pages_alloc} says).
     * <pre>
     *   magic version flags pages_alloc normal_pages next_packet_size packet_num unused[32] ramblock[256] offset[128]
     * </pre>
     */
    public static MultifdPacketHeader readHeader(WireReader in) throws IOException {
        long at = in.position();
        int magic = in.be32("multifd packet magic");
        if (magic != MultifdConstants.MAGIC) {
            throw StreamFormatException.mismatch(at, "multifd packet magic", MultifdConstants.MAGIC, magic & 0xffffffffL);
        }
        int version = in.be32("multifd packet version");
        if (version != MultifdConstants.VERSION) {
            throw StreamFormatException.unsupportedVersion(at + 4, "multifd packet version: expected 0x1, found 0x"
                    + Integer.toHexString(version));
        }
        int flags = in.be32("multifd packet flags");
        if ((flags & ~MultifdConstants.KNOWN_FLAGS) != 0) {
            throw StreamFormatException.corrupt(at + 8, "multifd packet flags 0x" + Integer.toHexString(flags)
                    + ": bits 0x" + Integer.toHexString(flags & ~MultifdConstants.KNOWN_FLAGS)
                    + " are unknown to 7.2 (SYNC 0x1, compression 0xe)");
        }
        long pagesAlloc = in.be32u("multifd packet pages_alloc");
        if (pagesAlloc > MultifdConstants.PAGE_COUNT) {
            throw StreamFormatException.corrupt(at + 12, "multifd packet pages_alloc " + pagesAlloc
                    + " exceeds the " + MultifdConstants.PAGE_COUNT + " page slots of a 512 KiB packet");
        }
        long normal = in.be32u("multifd packet normal_pages");
        if (normal > pagesAlloc) {
            throw StreamFormatException.corrupt(at + 16, "multifd packet normal_pages " + normal
                    + " exceeds pages_alloc " + pagesAlloc);
        }
        long nextPacketSize = in.be32u("multifd packet next_packet_size");
        long packetNum = in.be64("multifd packet packet_num");
        byte[] unused = in.bytes(32, "multifd packet unused");
        byte[] ramblock = in.bytes(MultifdConstants.RAMBLOCK_FIELD, "multifd packet ramblock");
        long[] offsets = new long[MultifdConstants.PAGE_COUNT];
        for (int i = 0; i < offsets.length; i++) {
            offsets[i] = in.be64("multifd packet offset[" + i + "]");
        }
        for (int i = 0; i < normal; i++) {
            if ((offsets[i] & (MultifdConstants.PAGE_SIZE - 1)) != 0) {
                throw StreamFormatException.corrupt(at + MultifdConstants.FIXED_HEADER_SIZE + 8L * i,
                        "multifd packet offset[" + i + "] 0x" + Long.toHexString(offsets[i]) + " is not page aligned");
            }
        }
        return new MultifdPacketHeader(flags, (int) pagesAlloc, (int) normal, nextPacketSize, packetNum, unused,
                ramblock, offsets);
    }

    /**
     * The compression of a packet that carries pages, checked against the configured one
     * ({@code null}: accept any known method). Packets without pages are not checked: 7.2 sets
     * the bits only when it prepares pages.
     */
    public static MultifdCompression compression(long at, MultifdPacketHeader h, MultifdCompression expected)
            throws StreamFormatException {
        MultifdCompression c = MultifdCompression.ofFlags(at + 8, h.flags());
        if (expected != null && c != expected) {
            throw StreamFormatException.corrupt(at + 8, "multifd packet flags received 0x"
                    + Integer.toHexString(h.compressionBits()) + " flags expected 0x" + Integer.toHexString(expected.flag())
                    + " (multifd-compression " + expected.parameter() + ")");
        }
        return c;
    }

    /**
     * Payload bytes that follow a header: none for an empty packet, {@code normal_pages × 4096}
     * for {@code none} (7.2 ignores next_packet_size there), {@code next_packet_size} otherwise.
     */
    public static int payloadLength(long at, MultifdPacketHeader h, MultifdCompression c, Limits limits)
            throws StreamFormatException {
        if (h.normalPages() == 0) {
            return 0;
        }
        if (c == MultifdCompression.NONE) {
            return h.normalPages() * MultifdConstants.PAGE_SIZE;
        }
        long n = h.nextPacketSize();
        Limits.check(at + 20, "multifd packet next_packet_size", n, limits.maxBufferBytes(), "Limits.maxBufferBytes");
        if (n > MultifdConstants.MAX_COMPRESSED_PAYLOAD) {
            throw StreamFormatException.corrupt(at + 20, "multifd packet next_packet_size " + n
                    + " exceeds the 7.2 receive buffer of " + MultifdConstants.MAX_COMPRESSED_PAYLOAD + " bytes");
        }
        if (n == 0) {
            throw StreamFormatException.corrupt(at + 20, "multifd packet with " + h.normalPages()
                    + " pages has an empty " + c.parameter() + " payload");
        }
        return (int) n;
    }

    /** Reads one whole packet: header, then its raw payload. */
    public static MultifdPacket readPacket(WireReader in, Limits limits, MultifdCompression expected) throws IOException {
        long at = in.position();
        MultifdPacketHeader h = readHeader(in);
        if (h.normalPages() == 0) {
            return new MultifdPacket(at, h, new byte[0]);
        }
        MultifdCompression c = compression(at, h, expected);
        int len = payloadLength(at, h, c, limits);
        return new MultifdPacket(at, h, in.bytes(len, "multifd packet payload (" + c.parameter() + ")"));
    }

    public static void writeHeader(WireWriter out, MultifdPacketHeader h) throws IOException {
        out.be32(MultifdConstants.MAGIC).be32(MultifdConstants.VERSION).be32(h.flags()).be32(h.pagesAlloc())
                .be32(h.normalPages()).be32(h.nextPacketSize()).be64(h.packetNum()).bytes(h.unused()).bytes(h.ramblock());
        for (int i = 0; i < MultifdConstants.PAGE_COUNT; i++) {
            out.be64(h.offset(i));
        }
    }

    public static void writePacket(WireWriter out, MultifdPacket p) throws IOException {
        writeHeader(out, p.header());
        out.bytes(p.payload());
    }
}
