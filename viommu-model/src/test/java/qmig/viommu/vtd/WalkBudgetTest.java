package qmig.viommu.vtd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A post-load replay walks every device with a present context; a guest that gives thousands of
 * devices one large (or cyclic) table multiplies the per-walk budget. {@link WalkLimits#maxTotalEntryReads()}
 * bounds the walks of one IOMMU together.
 */
class WalkBudgetTest {

    /**
     * 200 devices on bus 0 sharing one 4-level table whose entry 0 points back at itself: each walk
     * reads 512 entries per level, about 2,048, far within its own budget.
     */
    private static IntelIommu cyclicForManyDevices(WalkLimits limits) throws Exception {
        Tables t = new Tables();
        long l4 = t.alloc();
        t.pte(l4, 0, l4 | 3);                            // entry 0 points back at the table
        IntelIommu iommu = new IntelIommu(Tables.state(t.root, true, false), Tables.cfg().withAwBits(48), t.mem,
                ReplayOptions.QEMU_7_2.withLimits(limits));
        for (int devfn = 0; devfn < 200; devfn++) {
            t.context(new Bdf(0, devfn), 0, 4, 1, l4);
            iommu.addressSpace(new Bdf(0, devfn));
        }
        return iommu;
    }

    @Test
    void theWalksOfAllDevicesShareATotalBudget() throws Exception {
        // 200 walks of ~2,048 reads each fit 2^20 per walk; the total of 2^16 stops the replay after ~32 devices
        IntelIommu i = cyclicForManyDevices(new WalkLimits(1L << 20, 1L << 16));
        List<Bdf> replayed = new ArrayList<>();
        VtdException.LimitExceeded e = assertTimeoutPreemptively(Duration.ofSeconds(30), () ->
                assertThrows(VtdException.LimitExceeded.class, () -> i.postLoad(new ReplayingListener((b, n, ev) -> {
                    if (replayed.isEmpty() || !replayed.get(replayed.size() - 1).equals(b)) {
                        replayed.add(b);
                    }
                }))));
        assertTrue(e.getMessage().contains("WalkLimits.maxTotalEntryReads"), e.getMessage());
        assertTrue(replayed.size() >= 10 && replayed.size() <= 40, "devices replayed before the budget ran out: " + replayed.size());
    }

    @Test
    void withTheDefaultsTheSameReplayCompletes() throws Exception {
        IntelIommu i = cyclicForManyDevices(WalkLimits.DEFAULT);
        List<Bdf> mapped = new ArrayList<>();
        i.postLoad(new ReplayingListener((b, n, ev) -> {
            if (ev.type() == IotlbEvent.Type.MAP && !mapped.contains(b)) {
                mapped.add(b);
            }
        }));
        assertEquals(200, mapped.size());
    }

    @Test
    void aPerWalkLimitAloneGetsTheDefaultTotal() {
        assertEquals(WalkLimits.DEFAULT_TOTAL, new WalkLimits(1 << 20).maxTotalEntryReads());
        assertEquals(1L << 40, new WalkLimits(1L << 40).maxTotalEntryReads());
        assertThrows(IllegalArgumentException.class, () -> new WalkLimits(1, 0));
    }
}
