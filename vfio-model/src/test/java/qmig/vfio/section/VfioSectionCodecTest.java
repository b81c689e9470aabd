package qmig.vfio.section;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import qmig.stream.grammar.SectionHeader;
import qmig.stream.grammar.SectionType;
import qmig.stream.wire.StreamFormatException;

class VfioSectionCodecTest {

    static final String ID = "0000:00:05.0/vfio";
    static final VfioSectionCodec V1 = new VfioSectionCodec(VfioCodecOptions.v1());
    static final VfioSectionCodec V2 = new VfioSectionCodec(VfioCodecOptions.v2());

    static SectionHeader h(SectionType t) {
        return new SectionHeader(t, 42, ID, 0, 1);
    }

    static byte[] be64(long... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 8);
        for (long x : v) {
            b.putLong(x);
        }
        return b.array();
    }

    static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }

    @Test
    void flagsHaveTheirWireValuesAndTheSetIsClosed() {
        assertEquals(0xffffffffef100001L, VfioMigFlag.END_OF_STATE.wire());
        assertEquals(0xffffffffef100004L, VfioMigFlag.DEV_DATA_STATE.wire());
        assertEquals(0xffffffffef100006L, VfioMigFlag.DEV_CONFIG_LOAD_READY.wire());
        for (VfioMigFlag f : VfioMigFlag.values()) {
            assertEquals(f, VfioMigFlag.fromWire(f.wire()));
        }
        assertNull(VfioMigFlag.fromWire(0xffffffffef100000L));
        assertNull(VfioMigFlag.fromWire(0xffffffffef100007L));
        assertNull(VfioMigFlag.fromWire(0x00000000ef100001L));
    }

    @Test
    void startIsSetupThenEnd() throws Exception {
        byte[] b = be64(0xffffffffef100003L,  // DEV_SETUP_STATE
                0xffffffffef100001L);         // END_OF_STATE
        assertEquals(new VfioPayload.Setup(), V1.decode(h(SectionType.SECTION_START), b, 0));
        assertArrayEquals(b, V1.encode(SectionType.SECTION_START, new VfioPayload.Setup()));
    }

    @Test
    void v1PartWithAZeroLengthChunkEndsIteration() throws Exception {
        byte[] b = be64(0xffffffffef100004L,  // DEV_DATA_STATE
                0,                            // be64 data_size = 0
                0xffffffffef100001L);         // END_OF_STATE
        VfioPayload p = V1.decode(h(SectionType.SECTION_PART), b, 0);
        assertEquals(new VfioPayload.Chunks(List.of(new Chunk(new byte[0])), VfioMigFlag.END_OF_STATE), p);
        assertArrayEquals(b, V1.encode(SectionType.SECTION_PART, p));
        // protocol v2 chunks are never empty
        StreamFormatException e = assertThrows(StreamFormatException.Corrupt.class,
                () -> V2.decode(h(SectionType.SECTION_PART), b, 0x100));
        assertTrue(e.getMessage().contains("'" + ID + "'"), e.getMessage());
        assertEquals(0x108, e.offset());
    }

    @Test
    void v2PartMayEndWithInitDataSent() throws Exception {
        byte[] b = cat(be64(0xffffffffef100004L, 3), new byte[] {1, 2, 3}, be64(0xffffffffef100005L));
        VfioPayload p = V2.decode(h(SectionType.SECTION_PART), b, 0);
        assertEquals(VfioMigFlag.DEV_INIT_DATA_SENT, ((VfioPayload.Chunks) p).terminator());
        assertArrayEquals(b, V2.encode(SectionType.SECTION_PART, p));
        // not in v1, and not in an END section
        assertThrows(StreamFormatException.Corrupt.class, () -> V1.decode(h(SectionType.SECTION_PART), b, 0));
        assertThrows(StreamFormatException.Corrupt.class, () -> V2.decode(h(SectionType.SECTION_END), b, 0));
    }

    @Test
    void endDrainsChunks() throws Exception {
        byte[] b = cat(be64(0xffffffffef100004L, 2), new byte[] {9, 8},
                be64(0xffffffffef100004L, 1), new byte[] {7},
                be64(0xffffffffef100001L));
        VfioPayload.Chunks p = (VfioPayload.Chunks) V2.decode(h(SectionType.SECTION_END), b, 0);
        assertEquals(3, p.dataBytes());
        assertArrayEquals(b, V2.encode(SectionType.SECTION_END, p));
    }

    @Test
    void configPayloadRoundTripsWithMsiAndMsix() throws Exception {
        VfioPciConfig cfg = Fixtures.pcieState();
        byte[] b = V1.encode(SectionType.SECTION_FULL, new VfioPayload.Config(cfg));
        assertEquals(8 + 4 + 4096 + 16 + 64 + 1 + 8, b.length);
        VfioPayload.Config d = (VfioPayload.Config) V1.decode(h(SectionType.SECTION_FULL), b, 0);
        assertEquals(cfg, d.config());
        assertTrue(d.config().express());
        assertEquals(0x8086, d.config().vendorId());
        VfioPciConfig.Msi msi = d.config().msi();
        assertTrue(msi.enabled());
        assertTrue(msi.address64());
        assertEquals(0xfee01000L, msi.address());
        assertEquals(0x4021, msi.data());
        assertEquals(1, msi.mask());
        assertTrue(d.config().msixEnabled());
        List<VfioPciConfig.MsixEntry> v = d.config().msixEntries();
        assertEquals(4, v.size());
        assertEquals(0xfee03000L, v.get(3).address());
        assertEquals(0x43, v.get(3).data());
        assertTrue(v.get(3).masked());
        assertTrue(v.get(3).pending());
        assertFalse(v.get(0).pending());
        assertArrayEquals(b, V1.encode(SectionType.SECTION_FULL, d));
    }

    @Test
    void plainPciConfigIs256Bytes() throws Exception {
        VfioPciConfig cfg = new VfioPciConfig(2, Fixtures.pciConfig(), new int[4], null, null);
        byte[] b = V2.encode(SectionType.SECTION_FULL, new VfioPayload.Config(cfg));
        assertEquals(8 + 4 + 256 + 16 + 8, b.length);
        assertEquals(cfg, ((VfioPayload.Config) V2.decode(h(SectionType.SECTION_FULL), b, 0)).config());
    }

    @Test
    void multifdFullPayloadsAreALoneMarker() throws Exception {
        byte[] end = be64(0xffffffffef100001L);
        assertEquals(new VfioPayload.Marker(VfioMigFlag.END_OF_STATE), V2.decode(h(SectionType.SECTION_FULL), end, 0));
        byte[] ready = be64(0xffffffffef100006L);
        assertArrayEquals(ready, V2.encode(SectionType.SECTION_FULL, V2.decode(h(SectionType.SECTION_FULL), ready, 0)));
        assertThrows(StreamFormatException.Corrupt.class, () -> V1.decode(h(SectionType.SECTION_FULL), end, 0));
    }

    // ---- bad input ------------------------------------------------------------------------------

    @Test
    void unknownTagNamesDeviceAndOffset() {
        byte[] b = be64(0xffffffffef100003L, 0xffffffffef10000fL);
        StreamFormatException e = assertThrows(StreamFormatException.Corrupt.class,
                () -> V1.decode(h(SectionType.SECTION_START), b, 0x2000));
        assertEquals("section 42 '0000:00:05.0/vfio'/0 at 0x2008: Unknown tag 0xffffffffef10000f, expected END_OF_STATE",
                e.getMessage());
    }

    @Test
    void wrongMarkerInStartIsCorrupt() {
        byte[] b = be64(0xffffffffef100002L, 0xffffffffef100001L);
        StreamFormatException e = assertThrows(StreamFormatException.Corrupt.class,
                () -> V1.decode(h(SectionType.SECTION_START), b, 0));
        assertTrue(e.getMessage().contains("unexpected DEV_CONFIG_STATE"), e.getMessage());
    }

    @Test
    void missingEndOfStateIsTruncated() {
        byte[] b = cat(be64(0xffffffffef100004L, 2), new byte[] {1, 2});
        StreamFormatException e = assertThrows(StreamFormatException.Truncated.class,
                () -> V2.decode(h(SectionType.SECTION_END), b, 0x40));
        assertEquals(0x40 + 18, e.offset());
        assertTrue(e.getMessage().contains(ID), e.getMessage());
    }

    @Test
    void oversizeChunkIsRejectedBeforeAllocation() {
        byte[] b = be64(0xffffffffef100004L, 0x7fff_ffff_ffffL);
        StreamFormatException e = assertThrows(StreamFormatException.LimitExceeded.class,
                () -> V2.decode(h(SectionType.SECTION_END), b, 0));
        assertTrue(e.getMessage().contains("VfioCodecOptions.maxChunkBytes"), e.getMessage());
        assertTrue(e.getMessage().contains("data[0]"), e.getMessage());
        assertEquals(8, e.offset());
        byte[] neg = be64(0xffffffffef100004L, -1L);
        assertThrows(StreamFormatException.LimitExceeded.class, () -> V1.decode(h(SectionType.SECTION_PART), neg, 0));
        // a chunk one byte above a small limit
        VfioSectionCodec small = new VfioSectionCodec(VfioCodecOptions.v2().withMaxChunkBytes(2));
        byte[] three = cat(be64(0xffffffffef100004L, 3), new byte[] {1, 2, 3}, be64(0xffffffffef100001L));
        assertThrows(StreamFormatException.LimitExceeded.class, () -> small.decode(h(SectionType.SECTION_END), three, 0));
    }

    @Test
    void configPayloadOfTheWrongSizeIsCorruptAtTheEndMarker() {
        byte[] good = V1.encode(SectionType.SECTION_FULL, new VfioPayload.Config(Fixtures.pcieState()));
        // one byte missing from the PBA: the END marker is read one byte early
        byte[] shortCfg = cat(Arrays.copyOf(good, good.length - 9), be64(0xffffffffef100001L));
        StreamFormatException e = assertThrows(StreamFormatException.Corrupt.class,
                () -> V1.decode(h(SectionType.SECTION_FULL), shortCfg, 0x500));
        assertTrue(e.getMessage().contains("config payload of the wrong size for 4096 config bytes and 4 MSI-X vectors"),
                e.getMessage());
        assertEquals(0x500 + good.length - 8, e.offset());
        // the same bytes read as plain PCI (256 bytes) are also the wrong size
        VfioSectionCodec pci = new VfioSectionCodec(VfioCodecOptions.v1().withConfigSize(VfioCodecOptions.ConfigSize.PCI));
        assertThrows(StreamFormatException.Corrupt.class, () -> pci.decode(h(SectionType.SECTION_FULL), good, 0));
        // an extra byte after END
        byte[] extra = cat(good, new byte[] {0});
        assertThrows(StreamFormatException.Corrupt.class, () -> V1.decode(h(SectionType.SECTION_FULL), extra, 0));
    }

    @Test
    void badIrqStateAndVersionAreCorrupt() {
        byte[] good = V1.encode(SectionType.SECTION_FULL, new VfioPayload.Config(Fixtures.pcieState()));
        byte[] irq = good.clone();
        irq[8 + 4 + 4096 + 3] = 2;
        StreamFormatException e = assertThrows(StreamFormatException.Corrupt.class,
                () -> V1.decode(h(SectionType.SECTION_FULL), irq, 0));
        assertTrue(e.getMessage().contains("config.irq_state[0]"), e.getMessage());
        byte[] ver = good.clone();
        ver[11] = 3;
        assertThrows(StreamFormatException.Corrupt.class, () -> V1.decode(h(SectionType.SECTION_FULL), ver, 0));
    }

    @Test
    void everyCutOfEveryPayloadIsTruncated() {
        byte[] full = V1.encode(SectionType.SECTION_FULL, new VfioPayload.Config(Fixtures.pcieState()));
        byte[] end = cat(be64(0xffffffffef100004L, 2), new byte[] {9, 8}, be64(0xffffffffef100001L));
        byte[] start = be64(0xffffffffef100003L, 0xffffffffef100001L);
        Object[][] cases = {{SectionType.SECTION_FULL, full}, {SectionType.SECTION_END, end},
            {SectionType.SECTION_START, start}};
        for (Object[] c : cases) {
            byte[] b = (byte[]) c[1];
            for (int cut : new int[] {0, b.length / 2, b.length - 2, b.length - 1}) {
                byte[] cutB = Arrays.copyOf(b, cut);
                assertInstanceOf(StreamFormatException.Truncated.class, assertThrows(StreamFormatException.class,
                        () -> V1.decode(h((SectionType) c[0]), cutB, 0)), c[0] + " cut at " + cut);
            }
        }
    }
}
