package qmig.vfio.bench;

import java.util.List;
import java.util.SplittableRandom;
import qmig.vfio.container.ContainerConfig;
import qmig.vfio.container.VfioContainer;
import qmig.vfio.notify.DmaMapEvent;
import qmig.vfio.notify.RamOracle;
import qmig.vfio.notify.RamSection;
import qmig.vfio.notify.VfioListener;

/**
 * The benchmarks' guest: 4 GiB of RAM laid out as q35 does for 4 GiB (2 GiB below 4 GiB at
 * ram_addr 0, 2 GiB from 4 GiB at ram_addr 2 GiB), 1,048,576 pages of 4 KiB.
 */
final class Guest4g {

    static final long PAGE = 0x1000;
    static final int PAGES = 1 << 20;
    static final long LOW = 0x8000_0000L;
    static final long HIGH_GPA = 0x1_0000_0000L;
    static final RamOracle RAM = RamOracle.of(List.of(
            new RamSection(0, LOW, "pc.ram", 0, 0, false),
            new RamSection(HIGH_GPA, LOW, "pc.ram", LOW, LOW, false)));
    /** One container entry per page, plus room: the kernel's dma_entry_limit raised for the run. */
    static final ContainerConfig CONFIG = ContainerConfig.defaults().withEntryLimit(PAGES + 16);

    private Guest4g() {
    }

    /** The GPA of guest page {@code i}. */
    static long gpa(long i) {
        long a = i * PAGE;
        return a < LOW ? a : a - LOW + HIGH_GPA;
    }

    /**
     * One MAP event per guest page, 4 KiB each, as the VT-d replay of an identity-mapped domain
     * delivers them (IOVA = GPA, ascending); {@code shuffled} permutes the order.
     */
    static DmaMapEvent[] mapEvents(boolean shuffled) {
        DmaMapEvent[] out = new DmaMapEvent[PAGES];
        for (int i = 0; i < PAGES; i++) {
            long g = gpa(i);
            out[i] = DmaMapEvent.map(g, g, PAGE, true, true);
        }
        if (shuffled) {
            SplittableRandom r = new SplittableRandom(6);
            for (int i = PAGES - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                DmaMapEvent t = out[i];
                out[i] = out[j];
                out[j] = t;
            }
        }
        return out;
    }

    /** A listener already in vIOMMU mode (the two VT-d notifiers, no RAM mappings). */
    static VfioListener viommuListener() throws Exception {
        VfioListener l = new VfioListener("0000:00:01.0", new VfioContainer(CONFIG), RAM, true);
        l.switchToIommu(VfioListener.VTD_SECTIONS);
        return l;
    }

    /** {@code PAGES / 100} distinct random guest pages (1%), ascending. */
    static int[] onePercent() {
        SplittableRandom r = new SplittableRandom(1);
        return r.ints(0, PAGES).distinct().limit(PAGES / 100).sorted().toArray();
    }
}
