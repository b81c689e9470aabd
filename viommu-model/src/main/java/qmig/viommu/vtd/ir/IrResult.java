package qmig.viommu.vtd.ir;

import qmig.viommu.vtd.FaultReason;

/** The outcome of an IRTE lookup or an MSI remap. */
public sealed interface IrResult {

    /**
     * Remapped (or passed through unchanged).
     *
     * @param message      the message delivered to the APIC
     * @param irte         the entry used, or null when the message passed through unchanged
     * @param destination  the destination id taken from the IRTE (EIME rules), -1 for pass-through
     */
    record Remapped(MsiMessage message, Irte irte, long destination) implements IrResult {
    }

    /** Faulted as QEMU reports it. */
    record Fault(FaultReason reason, String detail) implements IrResult {
    }

    /** A valid entry, for {@link InterruptRemapper#irte}. */
    record Entry(Irte irte) implements IrResult {
    }
}
