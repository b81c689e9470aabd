package qmig.stream.memory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import qmig.stream.ram.BlockInfo;
import qmig.stream.wire.Limits;
import qmig.stream.wire.StreamFormatException;

/**
 * A guest's RAM as the destination of a migration holds it (spec/ram.md §9): the RAMBlocks the
 * MEM_SIZE list announced, in list order, each a sparse page image on the chosen {@link Backing}.
 * Blocks start zero-filled, as QEMU's destination memory does.
 *
 * <pre>{@code
 * try (GuestMemory mem = GuestMemory.create(MemoryOptions.heap())) {
 *     RamLoader.load(Path.of("vm.mig"), mem, Limits.DEFAULT);
 *     GuestPhysicalMemory phys = mem.physical(PhysicalMap.q35(mem.requireBlock("pc.ram").usedLength()));
 *     long pte = phys.readLongLE(0x1000);
 * }
 * }</pre>
 *
 * Not thread safe.
 */
public final class GuestMemory implements AutoCloseable {

    private final MemoryOptions options;
    private final Map<String, RamBlockImage> blocks = new LinkedHashMap<>();
    private final Map<String, String> fileNames = new HashMap<>();
    private long totalBytes;

    private GuestMemory(MemoryOptions options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    public static GuestMemory create(MemoryOptions options) throws IOException {
        if (options.backing() instanceof Backing.MappedFiles m) {
            Files.createDirectories(m.dir());
        }
        return new GuestMemory(options);
    }

    /** A heap-backed memory with the default limit. */
    public static GuestMemory onHeap() {
        return new GuestMemory(MemoryOptions.heap());
    }

    public MemoryOptions options() {
        return options;
    }

    /**
     * Adds a zero-filled block, or returns the existing one of the same length.
     *
     * @param at stream offset of the announcement for errors, or -1
     * @throws StreamFormatException.LimitExceeded past {@link MemoryOptions#maxGuestBytes()}
     * @throws StreamFormatException.Corrupt       a length that is not a multiple of 4096, or an
     *                                             existing block with another length
     */
    public RamBlockImage addBlock(String idstr, long usedLength, long at) throws IOException {
        RamBlockImage old = blocks.get(idstr);
        if (old != null) {
            if (old.usedLength() != usedLength) {
                throw StreamFormatException.corrupt(at, String.format(
                        "block '%s' announced with used_length 0x%x but the memory holds it with 0x%x (resizing is not supported)",
                        idstr, usedLength, old.usedLength()));
            }
            return old;
        }
        long total = usedLength < 0 || totalBytes + usedLength < 0 ? Long.MAX_VALUE : totalBytes + usedLength;
        Limits.check(at, "guest memory (RAMBlock '" + idstr + "' brings the total)", total,
                options.maxGuestBytes(), "MemoryOptions.maxGuestBytes");
        if ((usedLength & (RamBlockImage.PAGE - 1)) != 0) {
            throw StreamFormatException.corrupt(at, String.format(
                    "block '%s': used_length 0x%x is not a multiple of the 4096-byte page", idstr, usedLength));
        }
        long pages = usedLength / RamBlockImage.PAGE;
        BlockStore store;
        Backing b = options.backing();
        if (b instanceof Backing.Heap) {
            store = new BlockStore.HeapStore(pages);
        } else if (b instanceof Backing.OffHeap o) {
            store = new DirectStore(pages, o.chunkPages());
        } else if (b instanceof Backing.MappedFiles m) {
            store = new MappedStore(m.dir().resolve(fileName(idstr, at)), pages, m.windowBytes());
        } else {
            throw new AssertionError(b);
        }
        RamBlockImage img = new RamBlockImage(idstr, usedLength, store);
        blocks.put(idstr, img);
        totalBytes += usedLength;
        return img;
    }

    /** Adds a block made in memory (no stream offset). */
    public RamBlockImage addBlock(String idstr, long usedLength) throws IOException {
        return addBlock(idstr, usedLength, -1);
    }

    /** Applies a MEM_SIZE list: adds each block (existing blocks of equal length keep their content). */
    public void announce(List<BlockInfo> list, long at) throws IOException {
        // the whole list first, so that nothing is allocated for a list that will not fit
        Limits.check(at, "guest memory (MEM_SIZE list)", totalBytesAfter(list), options.maxGuestBytes(),
                "MemoryOptions.maxGuestBytes");
        for (BlockInfo bi : list) {
            addBlock(bi.idstr(), bi.usedLength(), at);
        }
    }

    private long totalBytesAfter(List<BlockInfo> list) {
        long t = totalBytes;
        for (BlockInfo bi : list) {
            if (!blocks.containsKey(bi.idstr())) {
                t += bi.usedLength();
                if (t < 0 || bi.usedLength() < 0) {
                    return Long.MAX_VALUE;
                }
            }
        }
        return t;
    }

    /** {@code <idstr>.bin} with '/' as '_' (stream-info.py's naming) and control characters as '_'. */
    public static String fileNameOf(String idstr) {
        StringBuilder sb = new StringBuilder(idstr.length() + 4);
        for (int i = 0; i < idstr.length(); i++) {
            char c = idstr.charAt(i);
            sb.append(c == '/' || c == '\\' || c < 0x20 || c == 0x7f ? '_' : c);
        }
        return sb.append(".bin").toString();
    }

    private String fileName(String idstr, long at) throws StreamFormatException {
        String name = fileNameOf(idstr);
        String other = fileNames.putIfAbsent(name, idstr);
        if (other != null) {
            throw StreamFormatException.corrupt(at, "blocks '" + other + "' and '" + idstr
                    + "' map to the same file name " + name);
        }
        return name;
    }

    public Optional<RamBlockImage> block(String idstr) {
        return Optional.ofNullable(blocks.get(idstr));
    }

    /** The block, or an {@code IllegalArgumentException} naming the known ones. */
    public RamBlockImage requireBlock(String idstr) {
        RamBlockImage b = blocks.get(idstr);
        if (b == null) {
            throw new IllegalArgumentException("no RAMBlock '" + idstr + "' (have " + blocks.keySet() + ")");
        }
        return b;
    }

    /** All blocks in announcement (MEM_SIZE) order. */
    public List<RamBlockImage> blocks() {
        return List.copyOf(blocks.values());
    }

    /** Sum of the used lengths. */
    public long totalBytes() {
        return totalBytes;
    }

    /** The MEM_SIZE list describing this memory. */
    public List<BlockInfo> blockInfos() {
        List<BlockInfo> out = new ArrayList<>();
        for (RamBlockImage b : blocks.values()) {
            out.add(new BlockInfo(b.idstr(), b.usedLength()));
        }
        return out;
    }

    /** A guest-physical view through {@code map}. */
    public GuestPhysicalMemory physical(PhysicalMap map) {
        return new GuestPhysicalMemory(this, map);
    }

    /** Pushes mapped pages to their files. */
    public void flush() throws IOException {
        for (RamBlockImage b : blocks.values()) {
            b.store().flush();
        }
    }

    /** Releases page memory; mapped files are flushed and kept. */
    @Override
    public void close() throws IOException {
        IOException first = null;
        for (RamBlockImage b : blocks.values()) {
            try {
                b.store().close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    @Override
    public String toString() {
        return "GuestMemory[" + options.backing() + ", " + blocks.values() + "]";
    }
}
