package qmig.vfio.msi;

import qmig.viommu.vtd.ir.InterruptRemapper;
import qmig.viommu.vtd.ir.IrResult;
import qmig.viommu.vtd.ir.MsiMessage;

/**
 * Test-scope adapter: {@link MsiRouter} over the VT-d model's {@link InterruptRemapper}
 * ({@code vtd_interrupt_remap_msi}). A remapped message is decoded as the standard MSI the
 * remapper rebuilt, with the IRTE and its (EIME-aware) destination; a fault blocks the route.
 */
final class VtdMsiRouter implements MsiRouter {

    private final InterruptRemapper ir;

    VtdMsiRouter(InterruptRemapper ir) {
        this.ir = ir;
    }

    @Override
    public MsiRoute route(long addr, int data, int sourceId) {
        IrResult r = ir.remapMsi(new MsiMessage(addr, data), sourceId);
        if (r instanceof IrResult.Fault f) {
            return new MsiRoute.Blocked("interrupt remapping fault " + f.reason() + ": " + f.detail());
        }
        if (!(r instanceof IrResult.Remapped rm)) {
            throw new IllegalStateException("remapMsi returned " + r);
        }
        MsiRoute route = MsiRouter.decode(rm.message().address(), rm.message().data());
        if (rm.irte() != null && route instanceof MsiRoute.Delivered d) {
            return d.viaIrte(rm.irte().index(), rm.destination());
        }
        return route;
    }
}
