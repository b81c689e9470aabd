package qmig.vfio.msi;

/** Where one MSI message goes: an APIC delivery, or nowhere (a remapping fault, a bad address). */
public sealed interface MsiRoute {

    /**
     * A message the local APICs accept.
     *
     * @param destination   APIC id (xAPIC: 8 bits; x2APIC through remapping: 32 bits)
     * @param vector        interrupt vector, 0..255
     * @param deliveryMode  data bits 10:8 (0 fixed, 1 lowest priority, 2 SMI, 4 NMI, 5 INIT, 7 ExtINT)
     * @param logical       destination mode: address bit 2
     * @param level         trigger mode: data bit 15
     * @param redirectionHint address bit 3
     * @param irteIndex     the interrupt-remapping entry used, -1 when the message was not remapped
     */
    record Delivered(long destination, int vector, int deliveryMode, boolean logical, boolean level,
            boolean redirectionHint, int irteIndex) implements MsiRoute {

        public boolean remapped() {
            return irteIndex >= 0;
        }

        /** The same delivery, noted as made through IRTE {@code index}. */
        public Delivered viaIrte(int index, long dest) {
            return new Delivered(dest, vector, deliveryMode, logical, level, redirectionHint, index);
        }

        @Override
        public String toString() {
            return String.format("dest 0x%x vector 0x%02x dlm %d%s%s%s", destination, vector, deliveryMode,
                    logical ? " logical" : "", level ? " level" : "", irteIndex >= 0 ? " via IRTE " + irteIndex : "");
        }
    }

    /** Not delivered: why (e.g. the remapping fault reason and detail). */
    record Blocked(String reason) implements MsiRoute {
        @Override
        public String toString() {
            return "blocked: " + reason;
        }
    }
}
