package qmig.vfio.msi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import qmig.testdata.Captures;
import qmig.viommu.mem.LoadedCapture;
import qmig.viommu.mem.SparseDmaMemory;
import qmig.viommu.vtd.IntelIommu;
import qmig.viommu.vtd.VtdConfig;
import qmig.viommu.vtd.ir.InterruptRemapper;
import qmig.viommu.vtd.ir.Irte;
import qmig.viommu.vtd.state.IntelIommuState;
import qmig.vfio.section.VfioPciConfig;

class MsiRoutesTest {

    /** Requester id of 00:01.0. */
    static final int SID_0001 = 0x0008;

    // ---- config builders: conventional header, MSI at 0x40 (64-bit, per-vector mask), MSI-X at 0x60

    static byte[] header(int msiCtl, long msiAddr, int msiData, int msixCtl) {
        byte[] c = new byte[256];
        le(c, 0x00, 0x8086, 2);
        le(c, 0x02, 0x10ca, 2);
        le(c, 0x06, 0x0010, 2);         // status: capabilities list
        c[0x34] = 0x40;
        c[0x40] = 0x05;                 // MSI
        c[0x41] = 0x60;
        le(c, 0x42, msiCtl, 2);
        le(c, 0x44, msiAddr, 4);        // address low
        le(c, 0x48, msiAddr >>> 32, 4); // address high
        le(c, 0x4c, msiData, 2);
        c[0x60] = 0x11;                 // MSI-X
        le(c, 0x62, msixCtl, 2);
        return c;
    }

    /** MSI-X table of {@code addrs.length} entries (data = vector, vector control from {@code masked}). */
    static VfioPciConfig withTable(byte[] cfg, long[] addrs, int[] datas, boolean[] masked) {
        byte[] t = new byte[addrs.length * 16];
        for (int v = 0; v < addrs.length; v++) {
            le(t, v * 16, addrs[v], 4);
            le(t, v * 16 + 4, addrs[v] >>> 32, 4);
            le(t, v * 16 + 8, datas[v], 4);
            le(t, v * 16 + 12, masked[v] ? 1 : 0, 4);
        }
        return new VfioPciConfig(2, cfg, new int[4], t, new byte[(addrs.length + 7) / 8]);
    }

    static void le(byte[] b, int o, long v, int n) {
        for (int i = 0; i < n; i++) {
            b[o + i] = (byte) (v >>> (8 * i));
        }
    }

    @Test
    void identityDecodesCompatibilityFormat() {
        MsiRoute.Delivered d = assertInstanceOf(MsiRoute.Delivered.class,
                MsiRouter.identity().route(0xfee0_300cL, 0xc1_31, SID_0001));
        assertEquals(3, d.destination());
        assertEquals(0x31, d.vector());
        assertEquals(1, d.deliveryMode());       // lowest priority
        assertTrue(d.logical());
        assertTrue(d.redirectionHint());
        assertTrue(d.level());
        assertFalse(d.remapped());
        // x2APIC destination bits 31:8 in the high address dword
        assertEquals(0x1234_5678L, ((MsiRoute.Delivered) MsiRouter.decode(0x1234_5600_fee7_8000L, 0x40)).destination());
        assertInstanceOf(MsiRoute.Blocked.class, MsiRouter.identity().route(0xfed0_0000L, 0x40, SID_0001));
    }

    @Test
    void multiMessageMsiSendsOneRoutePerEnabledVector() {
        // enable, 4 capable (MMC=2), 4 enabled (MME=2), 64-bit; data 0x4062 -> vectors 0x60..0x63
        byte[] cfg = header(0x0001 | 2 << 1 | 2 << 4 | 0x80, 0xfee0_1000L, 0x4062, 0x0001);
        VfioPciConfig c = withTable(cfg, new long[] {0xfee0_0000L, 0xfee0_0000L}, new int[] {1, 2},
                new boolean[] {false, false});
        List<MsiRoutes.VectorRoute> r = MsiRoutes.resolve(c, MsiRouter.identity(), SID_0001);
        assertEquals(4, r.size(), "MSI enabled wins over MSI-X");
        for (int i = 0; i < 4; i++) {
            assertEquals(MsiRoutes.Kind.MSI, r.get(i).kind());
            assertEquals(0x4060 | i, r.get(i).data());
            MsiRoute.Delivered d = (MsiRoute.Delivered) r.get(i).route();
            assertEquals(0x60 + i, d.vector());
            assertEquals(1, d.destination());
        }
    }

    @Test
    void msixRoutesSkipMaskedVectorsAndAMaskedFunction() {
        long[] a = {0xfee0_0000L, 0xfee0_1000L, 0xfee0_2000L};
        int[] d = {0x41, 0x42, 0x43};
        byte[] on = header(0x0080, 0, 0, 0x8002);    // MSI off; MSI-X enabled, 3 vectors
        List<MsiRoutes.VectorRoute> r = MsiRoutes.resolve(withTable(on, a, d, new boolean[] {false, true, false}),
                MsiRouter.identity(), SID_0001);
        assertEquals(List.of(0, 2), r.stream().map(MsiRoutes.VectorRoute::vector).toList());
        assertEquals(2, ((MsiRoute.Delivered) r.get(1).route()).destination());
        byte[] fmask = header(0x0080, 0, 0, 0xc002);  // function mask
        assertTrue(MsiRoutes.resolve(withTable(fmask, a, d, new boolean[3]), MsiRouter.identity(), SID_0001).isEmpty());
        byte[] off = header(0x0080, 0, 0, 0x0002);
        assertTrue(MsiRoutes.resolve(withTable(off, a, d, new boolean[3]), MsiRouter.identity(), SID_0001).isEmpty());
    }

    /** Remappable-format address for IRTE {@code handle} (handle[14:0] bits 19:5, handle[15] bit 2, bit 4 set). */
    static long remappable(int handle) {
        return 0xfee0_0000L | (long) (handle & 0x7fff) << 5 | 0x10 | (long) (handle >>> 15) << 2;
    }

    @Test
    void theLinuxCapturesIrtResolvesRemappableMsix() throws Exception {
        IntelIommu.registerDescriptions();
        LoadedCapture lc = LoadedCapture.read(Captures.Q35_LINUX_VIOMMU.bytes());
        IntelIommuState s = IntelIommuState.find(lc.stream());
        InterruptRemapper ir = new IntelIommu(s, VtdConfig.inferFrom(s.csr()), lc.memory()).interrupts();
        assertTrue(ir.enabled(), "Linux turned interrupt remapping on");
        List<Irte> mine = new ArrayList<>();
        for (Irte e : ir.presentEntries()) {
            if (e.sourceValidationType() == 0 || e.sourceId() == SID_0001) {
                mine.add(e);
            }
        }
        assertFalse(mine.isEmpty());
        // an MSI-X table as the guest driver programs it: one remappable message per IRTE, plus a
        // handle whose entry is not present (faults) and one compatibility-format entry (passes unchanged)
        int n = mine.size() + 2;
        long[] addrs = new long[n];
        int[] datas = new int[n];
        for (int v = 0; v < mine.size(); v++) {
            addrs[v] = remappable(mine.get(v).index());
        }
        addrs[n - 2] = remappable(0xfff0);
        addrs[n - 1] = 0xfee0_2000L;
        datas[n - 1] = 0x4055;
        byte[] cfg = header(0x0080, 0, 0, 0x8000 | (n - 1));
        VfioPciConfig c = withTable(cfg, addrs, datas, new boolean[n]);

        List<MsiRoutes.VectorRoute> routes = MsiRoutes.resolve(c, new VtdMsiRouter(ir), SID_0001);
        assertEquals(n, routes.size());
        for (int v = 0; v < mine.size(); v++) {
            Irte e = mine.get(v);
            MsiRoute.Delivered d = assertInstanceOf(MsiRoute.Delivered.class, routes.get(v).route(), routes.get(v).toString());
            assertEquals(e.index(), d.irteIndex());
            assertEquals(e.vector(), d.vector());
            assertEquals(e.deliveryMode(), d.deliveryMode());
            assertEquals(e.destMode() == 1, d.logical());
            assertEquals(e.triggerMode() == 1, d.level());
            assertEquals(e.destination(s.intrEime()), d.destination());
        }
        MsiRoute.Blocked fault = assertInstanceOf(MsiRoute.Blocked.class, routes.get(n - 2).route());
        assertTrue(fault.reason().contains("IR_ENTRY_P"), fault.reason());
        MsiRoute.Delivered compat = assertInstanceOf(MsiRoute.Delivered.class, routes.get(n - 1).route());
        assertEquals(-1, compat.irteIndex());
        assertEquals(0x55, compat.vector());
        assertEquals(2, compat.destination());
        // the same table without interrupt remapping reads the remappable addresses as compatibility
        // format: none of them names the IRTE's vector
        List<MsiRoutes.VectorRoute> plain = MsiRoutes.resolve(c, MsiRouter.identity(), SID_0001);
        assertEquals(-1, ((MsiRoute.Delivered) plain.get(0).route()).irteIndex());
    }

    @Test
    void aRemappingFaultBlocksTheRoute() {
        SparseDmaMemory m = SparseDmaMemory.withRam(1 << 20);
        long irt = 0x10000;
        // IRTE 0: present, vector 0x61, SVT=1 SQ=0 SID 00:02.0 (0x0010)
        m.writeLongLE(irt, 1 | 0x61L << 16);
        m.writeLongLE(irt + 8, 1L << 18 | 0x0010);
        InterruptRemapper ir = new InterruptRemapper(m, irt, 4, true, false);
        byte[] cfg = header(0x0080 | 1, remappable(0), 0, 0);
        VfioPciConfig c = withTable(cfg, new long[] {0xfee00000L}, new int[] {0}, new boolean[1]);
        MsiRoute wrongSid = MsiRoutes.resolve(c, new VtdMsiRouter(ir), SID_0001).get(0).route();
        assertTrue(((MsiRoute.Blocked) wrongSid).reason().contains("IR_SID_ERR"), wrongSid.toString());
        MsiRoute ok = MsiRoutes.resolve(c, new VtdMsiRouter(ir), 0x0010).get(0).route();
        assertEquals(0x61, ((MsiRoute.Delivered) ok).vector());
        assertEquals(0, ((MsiRoute.Delivered) ok).irteIndex());
    }
}
