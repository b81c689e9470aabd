package qmig.tools.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import qmig.tools.report.StreamReport.Item;

/** The item cap: a long live migration's many RAM parts merge into runs before anything is cut. */
class ReportCollectorTest {

    static Item part(int i, long offset, long size) {
        return new Item(i, offset, size, "part", 2, "ram", 0, 4, "ram", 1, true);
    }

    @Test
    void underTheCapNothingChanges() {
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < ReportCollector.MAX_ITEMS; i++) {
            items.add(part(i, i * 100L, 100));
        }
        assertSame(items, ReportCollector.cap(items));
    }

    @Test
    void runsOfOneSectionMergeAndKeepTheirBytes() {
        List<Item> items = new ArrayList<>();
        long off = 0;
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 4000; i++) {
                items.add(part(items.size(), off, 1000));
                off += 1000;
            }
            items.add(new Item(items.size(), off, 50, "full", 7, "timer", 0, 2, "timer", 1, true));
            off += 50;
        }
        List<Item> capped = ReportCollector.cap(items);
        assertEquals(6, capped.size(), "three runs of parts, three device sections");
        assertEquals(4000, capped.get(0).count());
        assertEquals(4_000_000, capped.get(0).size());
        assertEquals(0, capped.get(0).offset());
        assertEquals(4_000_050, capped.get(2).offset());
        assertEquals(12_003, capped.stream().mapToLong(Item::count).sum(), "every record is accounted for");
        assertEquals("timer", capped.get(5).idstr());
    }

    @Test
    void pastTheCapTheRestIsCut() {
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < ReportCollector.MAX_ITEMS + 10; i++) {
            items.add(new Item(i, i * 10L, 10, "full", i, "dev" + i, 0, 1, "", 1, true));
        }
        assertEquals(ReportCollector.MAX_ITEMS, ReportCollector.cap(items).size());
    }
}
