package qmig.tools.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import qmig.testdata.RepoPaths;

/** {@code qmig vfio} on the booted Linux capture and {@code qmig blockers} on rows of vfio.md §9. */
class VfioCliTest {

    static String capture(String name) {
        return Path.of(RepoPaths.root().toString(), "testdata/captures/qemu-7.2/q35", name).toString();
    }

    @Test
    void virtioNetAsAVfioDeviceGetsTheReplayedMappings() {
        QmigCliTest.Run r = QmigCliTest.run("vfio", capture("q35-linux-viommu.mig.xz"), "--device", "00:01.0");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("00:01.0 (behind the vIOMMU): 322 mappings, 1318912 bytes"), r.out());
        assertTrue(r.out().contains("IOVA ranges: 0xffebd000-0xffff7fff, 0xffff9000-0xffffffff"), r.out());
        assertTrue(r.out().contains("device state: RUNNING(0x1) -> RESUMING(0x4) -> RUNNING(0x1)"), r.out());
        assertTrue(!r.out().contains("problem:"), r.out());
    }

    @Test
    void withoutAVIommuTheDeviceMapsGuestRamDirectly() {
        QmigCliTest.Run r = QmigCliTest.run("vfio", capture("q35-plain.mig.xz"), "--device", "00:01.0", "--json");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("\"viommu\": false, \"mappings\": 1, \"mapped_bytes\": 67108864"), r.out());
    }

    @Test
    void blockersFollowTheVersionTable() {
        QmigCliTest.Run v72 = QmigCliTest.run("blockers", "--qemu", "7.2");
        assertEquals(1, v72.exit());
        assertEquals("blocked: VFIO device doesn't support migration", v72.out().trim());
        QmigCliTest.Run v72on = QmigCliTest.run("blockers", "--qemu", "7.2", "--enable-migration", "on", "--viommu");
        assertEquals(0, v72on.exit(), "7.2 has no vIOMMU check");
        QmigCliTest.Run v81 = QmigCliTest.run("blockers", "--qemu", "8.1", "--viommu");
        assertEquals(1, v81.exit());
        assertTrue(v81.out().contains("Migration is currently not supported with vIOMMU enabled"), v81.out());
        QmigCliTest.Run bad = QmigCliTest.run("blockers", "--qemu", "6.0");
        assertEquals(Qmig.EXIT_USAGE, bad.exit());
    }
}
