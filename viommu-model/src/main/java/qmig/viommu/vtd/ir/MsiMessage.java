package qmig.viommu.vtd.ir;

/**
 * An MSI message as a device writes it.
 *
 * @param address 64-bit address
 * @param data    32-bit data (unsigned in the low bits)
 */
public record MsiMessage(long address, int data) {
    @Override
    public String toString() {
        return String.format("MSI[addr 0x%x data 0x%x]", address, data);
    }
}
