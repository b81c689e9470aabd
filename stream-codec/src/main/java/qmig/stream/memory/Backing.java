package qmig.stream.memory;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the pages of a {@link GuestMemory} live. Whatever the backing, a page never written (or
 * written with zeros) costs no page memory.
 * <ul>
 *   <li>{@link Heap}: one {@code byte[4096]} per non-zero page;</li>
 *   <li>{@link OffHeap}: direct {@code ByteBuffer} chunks of {@code chunkPages} pages, allocated
 *       when a page first needs a slot; freed slots are reused;</li>
 *   <li>{@link MappedFiles}: one sparse file per RAMBlock in {@code dir}
 *       ({@code <idstr with '/' as '_'>.bin}, the naming of {@code stream-info.py --ram-out}),
 *       memory-mapped in windows; for guests larger than the heap. The files stay after
 *       {@link GuestMemory#close()} and are then the block images.</li>
 * </ul>
 */
public sealed interface Backing permits Backing.Heap, Backing.OffHeap, Backing.MappedFiles {

    /** One array per non-zero page on the Java heap. */
    record Heap() implements Backing {
    }

    /** @param chunkPages pages per direct buffer (1..32768: up to 128 MiB) */
    record OffHeap(int chunkPages) implements Backing {
        public OffHeap {
            if (chunkPages < 1 || chunkPages > 32768) {
                throw new IllegalArgumentException("chunkPages " + chunkPages + " outside 1..32768");
            }
        }
    }

    /**
     * @param dir        directory receiving one {@code .bin} file per block (created if missing;
     *                   existing files of the same name are truncated)
     * @param windowBytes bytes per mapping window, a multiple of 4096 up to 1 GiB
     */
    record MappedFiles(Path dir, long windowBytes) implements Backing {
        public MappedFiles {
            Objects.requireNonNull(dir, "dir");
            if (windowBytes < 4096 || windowBytes > (1L << 30) || windowBytes % 4096 != 0) {
                throw new IllegalArgumentException("windowBytes " + windowBytes + " must be a multiple of 4096 in 4 KiB..1 GiB");
            }
        }
    }

    static Backing heap() {
        return new Heap();
    }

    /** Off-heap with 1 MiB chunks. */
    static Backing offHeap() {
        return new OffHeap(256);
    }

    /** Sparse files in {@code dir}, mapped in 64 MiB windows. */
    static Backing mappedFiles(Path dir) {
        return new MappedFiles(dir, 64L << 20);
    }

    /**
     * The CLI's default for a guest of {@code guestBytes}: the heap when the guest needs at most a
     * quarter of the maximum heap, otherwise sparse files in {@code spillDir}.
     */
    static Backing auto(long guestBytes, Path spillDir) {
        return guestBytes <= Runtime.getRuntime().maxMemory() / 4 ? heap() : mappedFiles(spillDir);
    }
}
