package qmig.stream.memory;

import java.util.Objects;

/**
 * How a {@link GuestMemory} stores pages and how much it accepts.
 *
 * @param backing       where pages live
 * @param maxGuestBytes largest sum of RAMBlock used lengths; checked when a block is announced,
 *                      before any page table is allocated ({@code --limit maxGuestBytes=N})
 */
public record MemoryOptions(Backing backing, long maxGuestBytes) {

    /** 1 TiB: page tables for that cost 4 MiB of references before any page arrives. */
    public static final long DEFAULT_MAX_GUEST_BYTES = 1L << 40;

    /** The largest limit one may set: 256 TiB (page-table directories stay int-indexed). */
    public static final long MAX_GUEST_BYTES_CEILING = 1L << 48;

    public MemoryOptions {
        Objects.requireNonNull(backing, "backing");
        if (maxGuestBytes < 0 || maxGuestBytes > MAX_GUEST_BYTES_CEILING) {
            throw new IllegalArgumentException("maxGuestBytes " + maxGuestBytes + " outside 0..2^48");
        }
    }

    public static MemoryOptions heap() {
        return new MemoryOptions(Backing.heap(), DEFAULT_MAX_GUEST_BYTES);
    }

    public static MemoryOptions of(Backing backing) {
        return new MemoryOptions(backing, DEFAULT_MAX_GUEST_BYTES);
    }

    public MemoryOptions withMaxGuestBytes(long v) {
        return new MemoryOptions(backing, v);
    }
}
