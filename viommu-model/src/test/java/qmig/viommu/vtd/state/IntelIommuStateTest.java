package qmig.viommu.vtd.state;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import qmig.stream.vmstate.VmStateCodec;
import qmig.stream.vmstate.VmStateValue;
import qmig.stream.wire.StreamFormatException;
import qmig.stream.wire.WireReader;
import qmig.viommu.vtd.VtdConfig;

class IntelIommuStateTest {

    /** A version-1 payload, one field per line. */
    static byte[] fixture() {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteBuffer b = ByteBuffer.allocate(36);
        b.putLong(0x620b000L);            // root
        b.putLong(0x4a00000L);            // intr_root
        b.putLong(0x49bc000L);            // iq
        b.putInt(65536);                  // intr_size
        b.putShort((short) 8);            // iq_head
        b.putShort((short) 8);            // iq_tail
        b.putShort((short) 256);          // iq_size
        b.putShort((short) 0);            // next_frcd_reg
        o.writeBytes(b.array());
        byte[] csr = new byte[Registers.SIZE];
        ByteBuffer c = ByteBuffer.wrap(csr).order(ByteOrder.LITTLE_ENDIAN);
        c.putInt(0x000, 0x10);                          // VER 1.0
        c.putLong(0x008, 0x00d2008c22260286L);          // CAP aw 39, CM
        c.putLong(0x010, 0x0000000000f00f4aL);          // ECAP
        c.putInt(0x01c, 0xc7000000);                    // GSTS TES|RTPS|QIES|IRES|IRTPS
        c.putLong(0x020, 0x620b000L);                   // RTADDR
        c.putLong(0x080, 8 << 4);                       // IQH
        c.putLong(0x088, 8 << 4);                       // IQT
        c.putLong(0x090, 0x49bc000L);                   // IQA
        c.putLong(0x0b8, 0x4a0000fL);                   // IRTA S=15
        c.putLong(0x228, 1L << 63 | 6L << 32 | 0x0008); // FRCD: F, reason READ, sid 00:01.0
        o.writeBytes(csr);                // csr[0x230]
        o.write(0x02);                    // iq_last_desc_type
        o.write(0x00);                    // unused (root_extended)
        o.write(1);                       // dmar_enabled
        o.write(1);                       // qi_enabled
        o.write(1);                       // intr_enabled
        o.write(0);                       // intr_eime
        return o.toByteArray();
    }

    @Test
    void decodesEveryFieldAndRegister() throws Exception {
        byte[] f = fixture();
        assertEquals(IntelIommuState.PAYLOAD_BYTES, f.length);
        VmStateCodec codec = new VmStateCodec();
        VmStateValue.Struct v = codec.load(WireReader.of(f), IntelIommuState.VMSD, 1);
        assertArrayEquals(f, codec.saveToBytes(IntelIommuState.VMSD, 1, v));
        IntelIommuState s = IntelIommuState.of(v);
        assertEquals(0x620b000L, s.root());
        assertEquals(65536, s.intrSize());
        assertEquals(256, s.iqSize());
        assertEquals(2, s.iqLastDescType());
        assertTrue(s.dmarEnabled() && s.qiEnabled() && s.intrEnabled());
        assertFalse(s.intrEime());
        Registers r = s.csr();
        assertEquals(0x10, r.ver());
        assertEquals("TES|RTPS|QIES|IRES|IRTPS", r.gstsFlags());
        assertEquals(39, r.capMgawBits());
        assertEquals(6, r.capNd());
        assertEquals(0x2, r.capSagaw());
        assertEquals(0x220, r.capFroOffset());
        assertEquals(3, r.capSllps());
        assertEquals(18, r.capMamv());
        assertTrue(r.capCm() && r.capPsi() && r.capDwd() && r.capDrd());
        assertEquals(1, r.capNfr());
        assertEquals(0xf0, r.ecapIroOffset());
        assertTrue(r.ecapQi() && r.ecapIr() && r.ecapPt());
        assertFalse(r.ecapSmts() || r.ecapEim());
        assertEquals(15, r.ecapMhmv());
        assertEquals(8, r.iqhIndex());
        assertEquals(8, r.iqtIndex());
        assertEquals(15, r.irtaS());
        assertEquals(0x4a00000L, r.irtaBase());
        assertTrue(r.frcdFault());
        assertEquals(6, r.frcdReason());
        assertEquals(0x0008, r.frcdSid());
        assertEquals(Register.values().length, r.all().size());
        assertEquals(VtdConfig.defaults().withCachingMode(true), VtdConfig.inferFrom(r));
        assertEquals(java.util.List.of(), VtdConfig.defaults().withCachingMode(true).mismatches(s));
        java.util.List<String> w = VtdConfig.defaults().withAwBits(48).withScalableMode(true).mismatches(s);
        assertEquals(4, w.size(), w.toString()); // aw-bits, caching-mode, SAGAW, x-scalable-mode
        assertTrue(w.get(0).startsWith("aw-bits: source CAP.MGAW says 39"), w.get(0));
    }

    @Test
    void everyCutFailsAsTruncated() {
        byte[] f = fixture();
        for (int cut : new int[] {0, f.length - 2, f.length / 2, 36, 596}) {
            byte[] part = Arrays.copyOf(f, cut);
            assertThrows(StreamFormatException.Truncated.class,
                    () -> new VmStateCodec().load(WireReader.of(part), IntelIommuState.VMSD, 1), "cut at " + cut);
        }
        byte[] second = Arrays.copyOfRange(f, f.length / 2, f.length);
        assertThrows(StreamFormatException.Truncated.class,
                () -> new VmStateCodec().load(WireReader.of(second), IntelIommuState.VMSD, 1));
    }

    @Test
    void configFromQemuDeviceOptions() {
        VtdConfig c = VtdConfig.fromDeviceOption("intel-iommu,intremap=on,caching-mode=on,aw-bits=48");
        assertEquals(0x00d2008c222f0686L, c.cap());
        assertEquals(0x0000000000f00f4aL, c.ecap());
        VtdConfig sm = VtdConfig.fromDeviceOption("intel-iommu,intremap=on,x-scalable-mode=on");
        assertEquals(0x0000480080f00f4aL, sm.ecap());
        assertEquals(0x00d2008c22260206L, VtdConfig.defaults().cap());
        assertThrows(IllegalArgumentException.class, () -> VtdConfig.fromDeviceOption("intel-iommu,aw-bits=57"));
    }
}
