package qmig.stream.multifd;

/** Wire constants of QEMU 7.2 multifd ({@code migration/multifd.h}, {@code multifd.c}). */
public final class MultifdConstants {

    /** {@code MULTIFD_MAGIC}: first be32 of the init packet and of every data packet. */
    public static final int MAGIC = 0x11223344;

    /** {@code MULTIFD_VERSION}. */
    public static final int VERSION = 1;

    /** {@code sizeof(MultiFDInit_t)}. */
    public static final int INIT_PACKET_SIZE = 64;

    /** x86 target page size in bytes. */
    public static final int PAGE_SIZE = 4096;

    /** {@code MULTIFD_PACKET_SIZE}: 512 KiB of pages per packet. */
    public static final int PACKET_SIZE = 512 * 1024;

    /** Offset slots per packet: {@code MULTIFD_PACKET_SIZE / page size} = 128. */
    public static final int PAGE_COUNT = PACKET_SIZE / PAGE_SIZE;

    /** Fixed part of {@code MultiFDPacket_t} before {@code offset[]}. */
    public static final int FIXED_HEADER_SIZE = 320;

    /** {@code packet_len}: fixed part plus 128 be64 offsets = 1344 bytes, always sent in full. */
    public static final int HEADER_SIZE = FIXED_HEADER_SIZE + 8 * PAGE_COUNT;

    /** Length of the NUL-padded {@code ramblock} field. */
    public static final int RAMBLOCK_FIELD = 256;

    /** {@code MULTIFD_FLAG_SYNC}. */
    public static final int FLAG_SYNC = 0x1;

    /** {@code MULTIFD_FLAG_COMPRESSION_MASK} (7.2: 3 bits). */
    public static final int COMPRESSION_MASK = 0x7 << 1;

    /** Every flag bit a 7.2 sender may set. */
    public static final int KNOWN_FLAGS = FLAG_SYNC | COMPRESSION_MASK;

    /**
     * The 7.2 receiver reads a compressed payload into a buffer of twice the packet size
     * ({@code zbuff_len = MULTIFD_PACKET_SIZE * 2}); a longer {@code next_packet_size} cannot be sent.
     */
    public static final int MAX_COMPRESSED_PAYLOAD = 2 * PACKET_SIZE;

    private MultifdConstants() {
    }
}
