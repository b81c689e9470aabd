package qmig.stream.ram;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.function.Predicate;

/**
 * What the loader of one channel remembers between {@code ram} sections (QEMU 7.2
 * {@code mis->last_recv_block[channel]} and the RAMBlock list): the blocks announced by MEM_SIZE
 * (idstr to used length, in list order), and the channel's last block, to which a CONTINUE record
 * refers. A PART section routinely starts with a CONTINUE record that points at the block of the
 * previous section's last page, so one instance must live as long as the channel.
 *
 * <p>It also says which optional MEM_SIZE fields are on the wire, because the stream does not:
 * a {@code page_size} for a block iff the capability {@code postcopy-ram} is on and that block's
 * page size differs from the host's (hugepages); a {@code gpa} iff {@code x-ignore-shared} is on.
 * Both are off by default, as in 7.2 without those capabilities.
 *
 * <p>{@link RamSectionCodec#read} updates the state only when a section was read through its EOS,
 * so a caller that retries a section after {@code Truncated} (more bytes arrived) sees the state
 * as it was before the section.
 */
public final class RamChannelState {

    private final Predicate<String> pageSizePresent;
    private final boolean gpaPresent;
    private final Map<String, Long> blocks = new LinkedHashMap<>();
    private String lastBlock;

    /** No optional MEM_SIZE fields (7.2 without postcopy-ram and x-ignore-shared). */
    public RamChannelState() {
        this(idstr -> false, false);
    }

    /**
     * @param pageSizePresent for a block idstr, whether its MEM_SIZE entry carries a {@code be64 page_size}
     *                        (postcopy-ram on and the block's page size is not the host's)
     * @param gpaPresent      whether every MEM_SIZE entry carries a {@code be64 gpa} (x-ignore-shared on)
     */
    public RamChannelState(Predicate<String> pageSizePresent, boolean gpaPresent) {
        this.pageSizePresent = Objects.requireNonNull(pageSizePresent, "pageSizePresent");
        this.gpaPresent = gpaPresent;
    }

    public boolean pageSizePresent(String idstr) {
        return pageSizePresent.test(idstr);
    }

    public boolean gpaPresent() {
        return gpaPresent;
    }

    /** The announced blocks, idstr to used length, in MEM_SIZE order (read-only view). */
    public Map<String, Long> blocks() {
        return Collections.unmodifiableMap(blocks);
    }

    /** The used length MEM_SIZE announced for a block. */
    public OptionalLong usedLength(String idstr) {
        Long len = blocks.get(idstr);
        return len == null ? OptionalLong.empty() : OptionalLong.of(len);
    }

    /** The block a CONTINUE record on this channel refers to, or null before the first named page. */
    public String lastBlock() {
        return lastBlock;
    }

    /** Forgets the last block (QEMU re-initialising its RAM state). The block list stays. */
    public void resetLastBlock() {
        lastBlock = null;
    }

    /** Called by the codec at EOS: commits a section's MEM_SIZE entries (may be null) and last block. */
    void commit(Map<String, Long> announced, String last) {
        if (announced != null) {
            blocks.putAll(announced);
        }
        lastBlock = last;
    }

    @Override
    public String toString() {
        return "RamChannelState[blocks=" + blocks.keySet() + ", lastBlock=" + lastBlock + "]";
    }
}
