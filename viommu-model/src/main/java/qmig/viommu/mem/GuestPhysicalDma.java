package qmig.viommu.mem;

import java.util.Objects;
import qmig.stream.memory.GuestPhysicalMemory;
import qmig.stream.memory.NotRamException;
import qmig.viommu.DmaMemory;
import qmig.viommu.DmaReadException;

/**
 * The stream codec's guest-physical view ({@code GuestMemory} through a pc/q35
 * {@code PhysicalMap}) as the VT-d walker reads it: every RAMBlock the map places is RAM, every
 * other address fails as an unassigned region does in QEMU.
 *
 * @param phys the loaded guest memory seen through its machine's physical map
 */
public record GuestPhysicalDma(GuestPhysicalMemory phys) implements DmaMemory {

    public GuestPhysicalDma {
        Objects.requireNonNull(phys, "phys");
    }

    @Override
    public boolean isRam(long gpa) {
        return phys.isRam(gpa);
    }

    @Override
    public long readLongLE(long gpa) throws DmaReadException {
        try {
            return phys.readLongLE(gpa);
        } catch (NotRamException e) {
            throw new DmaReadException(gpa, 8);
        }
    }
}
