package qmig.viommu.mem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import qmig.stream.grammar.MigrationStream;
import qmig.stream.grammar.ReaderOptions;
import qmig.stream.memory.GuestMemory;
import qmig.stream.memory.PhysicalMap;
import qmig.stream.memory.RamLoader;
import qmig.stream.wire.Limits;
import qmig.stream.wire.WireReader;
import qmig.testdata.Captures;
import qmig.viommu.DmaReadException;
import qmig.viommu.report.DeviceReport;
import qmig.viommu.report.VtdReport;
import qmig.viommu.vtd.IntelIommu;
import qmig.viommu.vtd.VtdConfig;
import qmig.viommu.vtd.state.IntelIommuState;

/**
 * The stream codec's {@code GuestMemory} through the q35 map walks the same tables as the
 * q35-only {@link SparseDmaMemory}: the replay of the booted Linux capture gives every device the
 * same mappings either way (00:01.0 has 322).
 */
class GuestPhysicalDmaTest {

    @Test
    void replayOverGuestMemoryEqualsReplayOverSparseMemory() throws Exception {
        IntelIommu.registerDescriptions();
        byte[] bytes = Captures.Q35_LINUX_VIOMMU.bytes();
        VtdReport sparse = VtdReport.of(bytes, true);
        try (GuestMemory mem = GuestMemory.onHeap()) {
            String machine;
            try (RamLoader l = new RamLoader(mem)) {
                machine = l.readStream(WireReader.of(bytes), Limits.DEFAULT);
            }
            PhysicalMap map = PhysicalMap.forMachine(machine, mem);
            IntelIommuState s = IntelIommuState.find(MigrationStream.read(bytes, ReaderOptions.defaults()));
            GuestPhysicalDma dma = new GuestPhysicalDma(mem.physical(map));
            VtdReport viaGuest = VtdReport.of(new IntelIommu(s, VtdConfig.inferFrom(s.csr()), dma), true);
            assertEquals(sparse.devices().size(), viaGuest.devices().size());
            for (int i = 0; i < sparse.devices().size(); i++) {
                DeviceReport a = sparse.devices().get(i);
                DeviceReport b = viaGuest.devices().get(i);
                assertEquals(a.bdf(), b.bdf());
                assertEquals(a.events(), b.events(), a.bdf().toString());
            }
            assertTrue(viaGuest.devices().stream().anyMatch(d -> d.bdf().toString().equals("00:01.0")
                    && d.mappings() == 322));
            // the hole below 4 GiB is not RAM: a table pointer there fails as QEMU's MEMTX error
            assertTrue(dma.isRam(0x1000));
            assertThrows(DmaReadException.class, () -> dma.readLongLE(0xfec00000L));
        }
    }
}
