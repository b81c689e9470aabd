package qmig.stream.multifd;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

/** Hand-written multifd packets, one commented field per line (spec/multifd.md §3-4). */
final class MultifdFixtures {

    private MultifdFixtures() {
    }

    /** Channel 1's init packet as observed (spec/multifd.md §3). */
    static final byte[] INIT = cat(
            hex("11223344"),                         // magic MULTIFD_MAGIC
            hex("00000001"),                         // version 1
            hex("00112233445566778899aabbccddeeff"), // uuid
            hex("01"),                               // id: channel 1
            zeros(7),                                // unused1
            zeros(32));                              // unused2 (4 x u64)

    /** Offset of normal_pages in a data packet. */
    static final int NORMAL_PAGES_AT = 16;

    /** A {@code none} packet with two pages of pc.ram: 0xaa at 0x0, 0x55 at 0x6000. */
    static final byte[] NONE_PACKET = cat(
            hex("11223344"),                 // +0    magic
            hex("00000001"),                 // +4    version 1
            hex("00000000"),                 // +8    flags: compression none, no SYNC
            hex("00000080"),                 // +12   pages_alloc 128
            hex("00000002"),                 // +16   normal_pages 2
            hex("00002000"),                 // +20   next_packet_size 8192 (7.2 ignores it for none)
            hex("0000000000000002"),         // +24   packet_num 2
            zeros(32),                       // +32   unused
            ascii("pc.ram"), zeros(250),     // +64   ramblock, NUL padded to 256
            hex("0000000000000000"),         // +320  offset[0] 0x0
            hex("0000000000006000"),         // +328  offset[1] 0x6000
            zeros(8 * 126),                  // +336  offset[2..127]: unused slots
            fill(4096, 0xaa),                // +1344 page for offset 0x0
            fill(4096, 0x55));               // +5440 page for offset 0x6000

    /** The SYNC packet 7.2 sends next on that channel: no pages, stale name, offsets and size. */
    static final byte[] SYNC_PACKET = cat(
            hex("11223344"),                 // +0    magic
            hex("00000001"),                 // +4    version 1
            hex("00000001"),                 // +8    flags: SYNC only (no send_prepare, so no compression bits)
            hex("00000080"),                 // +12   pages_alloc 128
            hex("00000000"),                 // +16   normal_pages 0: no payload
            hex("00002000"),                 // +20   next_packet_size: stale 8192
            hex("0000000000000005"),         // +24   packet_num 5
            zeros(32),                       // +32   unused
            ascii("pc.ram"), zeros(250),     // +64   ramblock: stale
            hex("0000000000000000"),         // +320  offset[0]: stale
            hex("0000000000006000"),         // +328  offset[1]: stale
            zeros(8 * 126));                 // +336  offset[2..127]

    /** A channel: init, the data packet, the SYNC packet. */
    static final byte[] CHANNEL = cat(INIT, NONE_PACKET, SYNC_PACKET);

    static byte[] hex(String h) {
        return HexFormat.of().parseHex(h);
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] zeros(int n) {
        return new byte[n];
    }

    static byte[] fill(int n, int b) {
        byte[] a = new byte[n];
        Arrays.fill(a, (byte) b);
        return a;
    }

    static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** A copy with the be32 at {@code at} replaced. */
    static byte[] withBe32(byte[] b, int at, long v) {
        byte[] c = b.clone();
        c[at] = (byte) (v >>> 24);
        c[at + 1] = (byte) (v >>> 16);
        c[at + 2] = (byte) (v >>> 8);
        c[at + 3] = (byte) v;
        return c;
    }

    /** A copy with the be64 at {@code at} replaced. */
    static byte[] withBe64(byte[] b, int at, long v) {
        byte[] c = withBe32(b, at, v >>> 32);
        return withBe32(c, at + 4, v);
    }
}
