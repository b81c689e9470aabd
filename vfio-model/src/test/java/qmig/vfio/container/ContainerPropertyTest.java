package qmig.vfio.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The container against a page-level reference: random map/unmap sequences over a small IOVA
 * space; after every step the container's mappings equal the reference's, and every failure is
 * the errno the reference predicts.
 */
class ContainerPropertyTest {

    record Op(boolean map, int page, int pages) {
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Op> op = Combinators.combine(Arbitraries.of(true, false), Arbitraries.integers().between(0, 63),
                Arbitraries.integers().between(1, 8)).as(Op::new);
        return op.list().ofMinSize(1).ofMaxSize(60);
    }

    @Property(tries = 300)
    void containerMatchesAPageModel(@ForAll("ops") List<Op> ops) throws Exception {
        int limit = 12;
        VfioContainer c = new VfioContainer(ContainerConfig.defaults().withEntryLimit(limit));
        TreeMap<Integer, Integer> ref = new TreeMap<>(); // first page -> page count
        for (Op o : ops) {
            long iova = o.page() * 0x1000L;
            long size = o.pages() * 0x1000L;
            int first = o.page();
            int last = o.page() + o.pages() - 1;
            if (o.map()) {
                boolean overlap = ref.entrySet().stream()
                        .anyMatch(e -> e.getKey() <= last && e.getKey() + e.getValue() - 1 >= first);
                Errno expected = overlap ? Errno.EEXIST : ref.size() >= limit ? Errno.ENOSPC : null;
                Errno got = null;
                try {
                    c.map(iova, size, iova + 0x100000, false);
                } catch (VfioDmaException e) {
                    got = e.errno();
                }
                assertEquals(expected, got);
                if (expected == null) {
                    ref.put(first, o.pages());
                }
            } else {
                boolean bisect = ref.entrySet().stream().anyMatch(e -> {
                    int s = e.getKey();
                    int l = s + e.getValue() - 1;
                    return s < first && l >= first || s <= last && l > last;
                });
                long removed = 0;
                List<Integer> gone = new ArrayList<>();
                for (var e : ref.entrySet()) {
                    if (e.getKey() >= first && e.getKey() + e.getValue() - 1 <= last) {
                        removed += e.getValue() * 0x1000L;
                        gone.add(e.getKey());
                    }
                }
                Errno got = null;
                long n = -1;
                try {
                    n = c.unmap(iova, size);
                } catch (VfioDmaException e) {
                    got = e.errno();
                }
                if (bisect) {
                    assertEquals(Errno.EINVAL, got);
                } else {
                    assertEquals(null, got);
                    assertEquals(removed, n);
                    gone.forEach(ref::remove);
                }
            }
            List<DmaMapping> expected = new ArrayList<>();
            ref.forEach((p, n) -> expected.add(new DmaMapping(p * 0x1000L, n * 0x1000L, p * 0x1000L + 0x100000, false)));
            assertEquals(expected, List.copyOf(c.mappings()));
            assertTrue(c.size() <= limit);
        }
    }
}
