package qmig.vfio.section;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** vfio.md §6 load checks: read-only checked config bytes must match the destination device. */
class ConfigLoadCheckTest {

    static final String DEV = "0000:00:03.0/vfio";

    static VfioPciConfig incoming(byte[] cfg) {
        VfioPciConfig base = Fixtures.pcieState();
        return new VfioPciConfig(2, cfg, base.irqState(), base.msixTable(), base.msixPba());
    }

    @Test
    void anIdenticalDeviceLoads() {
        assertDoesNotThrow(() -> ConfigLoadCheck.check(DEV, Fixtures.pcieState(),
                DestinationConfig.identityChecked(Fixtures.pcieConfig())));
    }

    @Test
    void aDifferentDeviceIdIsBadConfigDataAtOffset2() {
        byte[] cfg = Fixtures.pcieConfig();
        Fixtures.le16(cfg, 0x02, 0x2515);   // device id 8086:2515 instead of 8086:1520
        BadConfigDataException e = assertThrows(BadConfigDataException.class, () -> ConfigLoadCheck.check(DEV,
                incoming(cfg), DestinationConfig.identityChecked(Fixtures.pcieConfig())));
        assertEquals(DEV, e.device());
        assertEquals(0x02, e.offset());
        assertEquals(List.of(0x02, 0x03), e.offsets());
        assertEquals(DEV + ": Bad config data at config offset 0x2: read 0x15, device 0x20 (cmask 0xff wmask 0x00"
                + " w1cmask 0x00); 2 bytes differ", e.getMessage());
    }

    @Test
    void writableAndWriteOneToClearBitsMayDiffer() {
        byte[] own = Fixtures.pcieConfig();
        byte[] cmask = new byte[4096];
        byte[] wmask = new byte[4096];
        byte[] w1c = new byte[4096];
        java.util.Arrays.fill(cmask, 0, 0x40, (byte) 0xff);   // the whole header is checked...
        wmask[0x04] = 0x07;                                     // ...but command bits 2:0 are writable
        w1c[0x07] = (byte) 0xf9;                                // and status error bits are W1C
        wmask[0x3c] = (byte) 0xff;                              // interrupt line
        DestinationConfig dest = new DestinationConfig(own, cmask, wmask, w1c);
        byte[] cfg = own.clone();
        cfg[0x04] = 0x07;
        cfg[0x07] = (byte) 0xf9;
        cfg[0x3c] = 0x0b;
        cfg[0x80] = 0x55;                                       // outside cmask
        assertDoesNotThrow(() -> ConfigLoadCheck.check(DEV, incoming(cfg), dest));
        cfg[0x04] = 0x0f;                                       // bit 3 is read-only and checked
        BadConfigDataException e = assertThrows(BadConfigDataException.class,
                () -> ConfigLoadCheck.check(DEV, incoming(cfg), dest));
        assertEquals(0x04, e.offset());
        cfg[0x04] = 0x07;
        cfg[0x07] = 0x02;                                       // status bit 1 is not W1C
        assertEquals(0x07, assertThrows(BadConfigDataException.class,
                () -> ConfigLoadCheck.check(DEV, incoming(cfg), dest)).offset());
    }

    @Test
    void aCapabilityPointerChangeIsCaught() {
        byte[] cfg = Fixtures.pcieConfig();
        cfg[0x34] = 0x60;    // MSI-X first: same vectors, different layout
        assertEquals(0x34, assertThrows(BadConfigDataException.class, () -> ConfigLoadCheck.check(DEV, incoming(cfg),
                DestinationConfig.identityChecked(Fixtures.pcieConfig()))).offset());
    }

    @Test
    void configSpaceSizesMustMatch() {
        BadConfigDataException e = assertThrows(BadConfigDataException.class, () -> ConfigLoadCheck.check(DEV,
                Fixtures.pcieState(), DestinationConfig.identityChecked(Fixtures.pciConfig())));
        assertEquals(DEV + ": config space of 4096 bytes in the stream, the device has 256", e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new DestinationConfig(new byte[256], new byte[256], new byte[4096], new byte[256]));
    }
}
