package qmig.stream.ram;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * One entry of the MEM_SIZE RAMBlock list (QEMU 7.2 {@code ram_save_setup}, spec/ram.md §4):
 * <pre>
 *   cstr8 idstr
 *   be64  used_length      bytes
 *   [be64 page_size]       iff postcopy-ram and the block's page size differs from the host's
 *   [be64 gpa]             iff x-ignore-shared (the MemoryRegion address)
 * </pre>
 * Whether the optional fields are on the wire is not in the stream; {@link RamChannelState} says.
 *
 * @param idstr      RAMBlock name, e.g. {@code pc.ram}
 * @param usedLength current length in bytes
 * @param pageSize   the block's page size when sent (postcopy)
 * @param gpa        the block's guest-physical address when sent (x-ignore-shared)
 */
public record BlockInfo(String idstr, long usedLength, OptionalLong pageSize, OptionalLong gpa) {

    public BlockInfo {
        Objects.requireNonNull(idstr, "idstr");
        Objects.requireNonNull(pageSize, "pageSize");
        Objects.requireNonNull(gpa, "gpa");
        if (idstr.length() > 255) {
            throw new IllegalArgumentException("RAMBlock idstr longer than 255 bytes: " + idstr);
        }
    }

    /** An entry without optional fields (the 7.2 default). */
    public BlockInfo(String idstr, long usedLength) {
        this(idstr, usedLength, OptionalLong.empty(), OptionalLong.empty());
    }

    @Override
    public String toString() {
        return "BlockInfo[" + idstr + ", 0x" + Long.toHexString(usedLength)
                + (pageSize.isPresent() ? ", page_size 0x" + Long.toHexString(pageSize.getAsLong()) : "")
                + (gpa.isPresent() ? ", gpa 0x" + Long.toHexString(gpa.getAsLong()) : "") + "]";
    }
}
