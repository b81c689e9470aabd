package qmig.vfio.msi;

import java.util.ArrayList;
import java.util.List;
import qmig.vfio.section.VfioPciConfig;

/**
 * The interrupt routes a loaded config payload sets up. After loading, QEMU re-enables MSI if the
 * MSI capability is enabled, else MSI-X if that is enabled (vfio.md §6); INTx needs no route.
 * <ul>
 *   <li>MSI: every enabled vector {@code i} of {@code n} (Multiple Message Enable) sends the
 *       capability's address with data {@code (data & ~(n-1)) | i} (PCI Local Bus 3.0 §6.8.1.6),
 *       masked or not.</li>
 *   <li>MSI-X: every table entry whose vector is not masked, when the function is not masked
 *       (Message Control bit 14); a masked vector gets its route when unmasked.</li>
 * </ul>
 */
public final class MsiRoutes {

    /** Which capability a route comes from. */
    public enum Kind {
        MSI, MSIX
    }

    /** Vector {@code vector} of the device sends {@code (address, data)}, which goes to {@code route}. */
    public record VectorRoute(Kind kind, int vector, long address, int data, MsiRoute route) {
        @Override
        public String toString() {
            return String.format("%s %d: addr 0x%x data 0x%x -> %s", kind, vector, address, data, route);
        }
    }

    private MsiRoutes() {
    }

    /** The routes of {@code cfg} for a device with requester id {@code sourceId}. */
    public static List<VectorRoute> resolve(VfioPciConfig cfg, MsiRouter router, int sourceId) {
        List<VectorRoute> out = new ArrayList<>();
        VfioPciConfig.Msi msi = cfg.msi();
        if (msi != null && msi.enabled()) {
            int n = msi.vectorsEnabled();
            for (int i = 0; i < n; i++) {
                int data = (msi.data() & ~(n - 1)) | i;
                out.add(new VectorRoute(Kind.MSI, i, msi.address(), data, router.route(msi.address(), data, sourceId)));
            }
            return out;
        }
        if (Boolean.TRUE.equals(cfg.msixEnabled()) && !cfg.msixFunctionMasked()) {
            for (VfioPciConfig.MsixEntry e : cfg.msixEntries()) {
                if (!e.masked()) {
                    out.add(new VectorRoute(Kind.MSIX, e.vector(), e.address(), e.data(),
                            router.route(e.address(), e.data(), sourceId)));
                }
            }
        }
        return out;
    }
}
