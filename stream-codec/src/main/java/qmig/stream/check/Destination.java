package qmig.stream.check;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import qmig.stream.grammar.MigrationStream;
import qmig.stream.grammar.RamPayload;
import qmig.stream.grammar.SectionHeader;
import qmig.stream.grammar.StreamRecord;
import qmig.stream.json.JsonValue.JObject;
import qmig.stream.ram.BlockInfo;
import qmig.stream.ram.RamRecord;
import qmig.stream.vmdesc.DumpVmstateSchema;
import qmig.stream.vmdesc.VmDescriptionIndex;
import qmig.stream.wire.StreamFormatException;

/**
 * What a destination QEMU has registered: its machine type, its savevm handlers (idstr,
 * instance, version) and its RAMBlocks. A {@code -dump-vmstate} schema lists device classes, not
 * instances, and lacks the {@code vmstate_register()} handlers (vmstate.md §10), so the instance
 * set comes from elsewhere:
 * <ul>
 *   <li>{@link #fromStream}: a stream saved by a VM started with the destination's exact
 *       configuration (a paused {@code -S} VM migrated to {@code exec:cat > f}); every section
 *       it wrote is a handler, its MEM_SIZE list gives the RAMBlocks;</li>
 *   <li>{@link #bundled}: the default VM of the machine type, as the bundled real captures of
 *       {@code pc-q35-7.2} and {@code pc-i440fx-7.2} ({@code -nodefaults -m 64M}) show it, plus
 *       devices added with {@link #withDevice}.</li>
 * </ul>
 * Only handlers that wrote a section are seen; a handler whose top-level {@code needed} was
 * false when the instance stream was saved is missing from the set.
 *
 * @param machine machine type name of the destination ({@code pc-q35-7.2})
 * @param from    where the instance set came from, for the report
 * @param handlers savevm handlers
 * @param blocks  RAMBlocks
 * @param layouts the instance stream's VMDESCRIPTION trailer (exact field layouts), or null
 */
public record Destination(String machine, String from, List<Handler> handlers, List<Block> blocks,
                          VmDescriptionIndex layouts) {

    public Destination {
        Objects.requireNonNull(machine);
        Objects.requireNonNull(from);
        handlers = List.copyOf(handlers);
        blocks = List.copyOf(blocks);
    }

    /**
     * A savevm handler ({@code SaveStateEntry}).
     *
     * @param idstr            exact idstr, or for a device added by type the VMSD name any qdev
     *                         path may precede ({@code anyPath})
     * @param instanceId       instance id (ignored when {@code anyPath})
     * @param versionId        {@code se->version_id}: the highest section version it loads
     * @param minimumVersionId the VMSD's {@code minimum_version_id}, or -1 when not known
     * @param vmsdName         the name in QEMU's too-old/too-new messages
     * @param anyPath          matches one section of that VMSD name under any qdev path
     * @param description      the device class's {@code -dump-vmstate} Description when the class is
     *                         known ({@link #withDevice}), else null (looked up by VMSD name)
     */
    public record Handler(String idstr, int instanceId, int versionId, int minimumVersionId, String vmsdName,
                          boolean anyPath, JObject description) {
        boolean matches(String id, int instance) {
            if (anyPath) {
                return SectionHeader.vmsdNameOf(id).equals(idstr);
            }
            return idstr.equals(id) && instance == instanceId;
        }

        String label() {
            return anyPath ? "*/" + idstr : "'" + idstr + "'/" + instanceId;
        }
    }

    /**
     * A RAMBlock.
     *
     * @param idstr      name, or for a device added by type the suffix {@code /<type>.rom}
     * @param usedLength bytes, or -1 when any size is taken
     * @param resizeable {@code RAM_RESIZEABLE}: a different size is a resize, not an error (the
     *                   fw_cfg blobs {@code /rom@etc/...})
     * @param anyPath    matches one block named {@code <path>/<idstr>}
     */
    public record Block(String idstr, long usedLength, boolean resizeable, boolean anyPath) {
        boolean matches(String id) {
            return anyPath ? id.endsWith("/" + idstr) : idstr.equals(id);
        }
    }

    /** The handler of a section, as {@code find_se} looks it up, or null. */
    Handler find(String idstr, int instanceId, List<Handler> used) {
        for (Handler h : handlers) {
            if (!h.anyPath() && h.matches(idstr, instanceId)) {
                return h;
            }
        }
        for (Handler h : handlers) {
            if (h.anyPath() && !used.contains(h) && h.matches(idstr, instanceId)) {
                used.add(h);
                return h;
            }
        }
        return null;
    }

    Block block(String idstr, List<Block> used) {
        for (Block b : blocks) {
            if (!b.anyPath() && b.matches(idstr)) {
                return b;
            }
        }
        for (Block b : blocks) {
            if (b.anyPath() && !used.contains(b) && b.matches(idstr)) {
                used.add(b);
                return b;
            }
        }
        return null;
    }

    /**
     * The instance set of a stream saved by a VM with the destination's configuration. Minimum
     * versions come from {@code schema} (may be null) by VMSD name; {@code ram} loads version 4 only.
     */
    public static Destination fromStream(MigrationStream s, DumpVmstateSchema schema, String label)
            throws StreamFormatException {
        String machine = null;
        List<Handler> hs = new ArrayList<>();
        List<Block> bs = new ArrayList<>();
        for (StreamRecord r : s.records()) {
            if (r instanceof StreamRecord.Configuration c) {
                machine = c.machineType();
            } else if (r instanceof StreamRecord.Section sec && sec.header().isFull()) {
                SectionHeader h = sec.header();
                hs.add(handler(h.idstr(), h.instanceId(), h.versionId(), schema));
                if (h.idstr().equals("ram") && sec.payload() instanceof RamPayload p && bs.isEmpty()) {
                    for (RamRecord rr : p.records()) {
                        if (rr instanceof RamRecord.MemSize ms) {
                            for (BlockInfo b : ms.blocks()) {
                                bs.add(new Block(b.idstr(), b.usedLength(), resizeable(b.idstr()), false));
                            }
                            break;
                        }
                    }
                }
            }
        }
        if (machine == null) {
            machine = schema != null && schema.machine() != null ? schema.machine() : "(unknown)";
        }
        VmDescriptionIndex layouts = s.trailer() == null ? null : VmDescriptionIndex.of(s.trailer().json());
        return new Destination(machine, label, hs, bs, layouts);
    }

    /**
     * The default VM of a 7.2 machine type (pc-q35-7.2, pc-i440fx-7.2, q35, pc…) from the bundled
     * capture's instance list, or null for another machine type.
     */
    public static Destination bundled(String machineType, DumpVmstateSchema schema) throws IOException {
        String m = machineType.toLowerCase(Locale.ROOT);
        String file = DumpVmstateSchema.bundledMachine(machineType);
        if (file == null) {
            return null;
        }
        try (InputStream in = Destination.class.getResourceAsStream("/qmig/stream/check/" + file + ".instances.tsv")) {
            if (in == null) {
                return null;
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String machine = file;
            String args = "";
            List<Handler> hs = new ArrayList<>();
            List<Block> bs = new ArrayList<>();
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split("\t");
                switch (f[0]) {
                    case "machine" -> machine = f[1];
                    case "args" -> args = f[1];
                    case "section" -> hs.add(handler(f[1], Integer.parseInt(f[2]), Integer.parseInt(f[3]), schema));
                    case "ramblock" -> bs.add(new Block(f[1], Long.decode(f[2]), resizeable(f[1]), false));
                    default -> throw new IOException("bad line in bundled instance list " + file + ": " + line);
                }
            }
            String from = "the bundled " + machine + " capture (" + args + ")";
            if (m.startsWith("pc-") && !m.equals(machine)) {
                // another version of the machine type: same devices, its own name in the configuration check
                from += " as " + machineType;
                machine = machineType;
            }
            return new Destination(machine, from, hs, bs, null);
        }
    }

    /**
     * Adds a device by QOM type, as {@code -device TYPE} would: one handler of the type's VMSD
     * (looked up in {@code schema}; for {@code X-pci} also the {@code X-device} class, as virtio
     * proxies have no VMSD of their own) under any qdev path, and an option ROM RAMBlock
     * {@code <path>/TYPE.rom} of any size, which the stream may or may not have.
     *
     * @throws IllegalArgumentException when the schema has no VMSD for the type
     */
    public Destination withDevice(String qomType, DumpVmstateSchema schema) {
        JObject cls = schema.classes().get(qomType);
        if ((cls == null || cls.getObject("Description") == null) && qomType.endsWith("-pci")) {
            cls = schema.classes().get(qomType.substring(0, qomType.length() - 4) + "-device");
        }
        if (cls == null || cls.getObject("Description") == null) {
            throw new IllegalArgumentException("the schema has no vmstate for device type '" + qomType + "'");
        }
        JObject d = cls.getObject("Description");
        List<Handler> hs = new ArrayList<>(handlers);
        hs.add(new Handler(d.getString("name"), 0, (int) d.getLong("version_id", 0),
                (int) d.getLong("minimum_version_id", 0), d.getString("name"), true, d));
        List<Block> bs = new ArrayList<>(blocks);
        bs.add(new Block(qomType + ".rom", -1, false, true));
        return new Destination(machine, from + " + -device " + qomType, hs, bs, layouts);
    }

    /** The same destination with {@code pc.ram} of {@code bytes} (QEMU's {@code -m}). */
    public Destination withRamSize(long bytes) {
        List<Block> bs = new ArrayList<>();
        for (Block b : blocks) {
            bs.add(b.idstr().equals("pc.ram") ? new Block("pc.ram", bytes, false, false) : b);
        }
        return new Destination(machine, from + ", pc.ram 0x" + Long.toHexString(bytes), handlers, bs, layouts);
    }

    private static Handler handler(String idstr, int instance, int version, DumpVmstateSchema schema) {
        String vmsd = SectionHeader.vmsdNameOf(idstr);
        int min = -1;
        if (idstr.equals("ram")) {
            min = 4; // ram_load takes version 4 only
        } else if (schema != null && schema.vmsd(vmsd) != null) {
            min = (int) schema.vmsd(vmsd).getLong("minimum_version_id", -1);
        }
        return new Handler(idstr, instance, version, min, vmsd, false, null);
    }

    /** fw_cfg's ROM blobs ({@code rom_add_blob}: ACPI tables, loader, RSDP) are resizeable RAMBlocks. */
    static boolean resizeable(String block) {
        return block.startsWith("/rom@");
    }
}
