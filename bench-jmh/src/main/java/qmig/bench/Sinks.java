package qmig.bench;

import java.io.IOException;
import qmig.stream.memory.Backing;
import qmig.stream.memory.GuestMemory;
import qmig.stream.memory.MemoryOptions;
import qmig.stream.memory.RamLoader;
import qmig.stream.ram.PageSink;

/** The page sinks a benchmark decodes into, by {@code @Param} name. */
final class Sinks {

    private Sinks() {
    }

    /**
     * {@code none}: {@link PageSink#NONE}, which wants no content (the codec skips page bodies);
     * {@code heap} / {@code offheap}: a {@link RamLoader} applying every page to a
     * {@link GuestMemory} on that {@link Backing}, as {@code qmig extract-ram} does. The memory
     * is kept across invocations, so later invocations overwrite pages in place.
     */
    static PageSink open(String sink) throws IOException {
        if (sink.equals("none")) {
            return PageSink.NONE;
        }
        Backing backing;
        if (sink.equals("heap")) {
            backing = new Backing.Heap();
        } else if (sink.equals("offheap")) {
            backing = Backing.offHeap();
        } else {
            throw new IllegalArgumentException("sink '" + sink + "' (expected none, heap or offheap)");
        }
        return new RamLoader(GuestMemory.create(MemoryOptions.of(backing)));
    }

    static void close(PageSink sink) throws IOException {
        if (sink instanceof RamLoader loader) {
            loader.close();
            loader.memory().close();
        }
    }
}
