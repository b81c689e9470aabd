package qmig.viommu.vtd;

/** The outcome of {@link ContextResolver#lookup}: a context, or the fault QEMU would return. */
public sealed interface ContextLookup {

    /** Present, reserved bits clear, type and level valid. */
    record Found(DeviceContext context) implements ContextLookup {
    }

    /**
     * No usable context: {@code reason} is QEMU's fault (ROOT_ENTRY_P / CONTEXT_ENTRY_P are the
     * normal "not present" results).
     *
     * @param reason the fault
     * @param gpa    the address of the entry that caused it
     * @param detail what was wrong, for users
     */
    record Fault(FaultReason reason, long gpa, String detail) implements ContextLookup {
    }
}
