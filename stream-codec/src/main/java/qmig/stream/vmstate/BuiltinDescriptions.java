package qmig.stream.vmstate;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import qmig.stream.grammar.SectionHeader;

/**
 * Descriptions transcribed from the QEMU 7.2 sources, for sections every x86 stream has, and a
 * registry to which device models add theirs ({@link #register}).
 */
public final class BuiltinDescriptions {
    private BuiltinDescriptions() {
    }

    /**
     * {@code configuration} (migration/savevm.c, vmstate_configuration; stream.md §4). The saver
     * uses version 1, the loader 0; no field is version gated.
     * <pre>
     * be32  len                       machine type name length
     * bytes name[len]                 e.g. "pc-q35-7.2", no NUL
     * subsections configuration/target-page-bits, /capabilities, /uuid
     * </pre>
     */
    public static final VmStateDescription CONFIGURATION = VmStateDescription.builder("configuration")
            .version(1).minimumVersion(0)
            .field(Field.uint32("len"))
            .field(Field.vbuffer("name", "len"))
            .subsection(VmStateDescription.builder("configuration/target-page-bits").version(1)
                    .field(Field.uint32("target_page_bits"))
                    .build())
            .subsection(VmStateDescription.builder("configuration/capabilities").version(1)
                    .field(Field.uint32("caps_count"))
                    .field(Field.of("capabilities", Codecs.CAPABILITY, 0).varray("caps_count"))
                    .build())
            .subsection(VmStateDescription.builder("configuration/uuid").version(1)
                    .field(Field.buffer("uuid", 16))
                    .build())
            .build();

    /**
     * {@code timer} (softmmu/cpu-timers.c, vmstate_timers), version 2, minimum 1.
     * <pre>
     * be64 cpu_ticks_offset
     * 8    unused                     retired field
     * be64 cpu_clock_offset           version 2+
     * subsection timer/icount         only with -icount
     * </pre>
     */
    public static final VmStateDescription TIMER = VmStateDescription.builder("timer")
            .version(2).minimumVersion(1)
            .field(Field.int64("cpu_ticks_offset"))
            .field(Field.unused(8))
            .field(Field.int64("cpu_clock_offset").since(2))
            .subsection(VmStateDescription.builder("timer/icount").version(1)
                    .field(Field.int64("qemu_icount_bias"))
                    .field(Field.int64("qemu_icount"))
                    .subsection(VmStateDescription.builder("timer/icount/warp_timer").version(1)
                            .field(Field.int64("vm_clock_warp_start"))
                            .field(Field.timer("icount_warp_timer"))
                            .build())
                    .subsection(VmStateDescription.builder("timer/icount/timers").version(1)
                            .field(Field.timer("icount_rt_timer"))
                            .field(Field.timer("icount_vm_timer"))
                            .build())
                    .subsection(VmStateDescription.builder("timer/icount/shift").version(2)
                            .field(Field.int16("icount_time_shift"))
                            .field(Field.int64("last_delta"))
                            .build())
                    .build())
            .build();

    /**
     * {@code globalstate} (migration/global_state.c), version 1, no subsections.
     * <pre>
     * be32  size                      strlen(runstate) + 1
     * bytes runstate[100]             NUL padded run state name
     * </pre>
     */
    public static final VmStateDescription GLOBALSTATE = VmStateDescription.builder("globalstate")
            .version(1)
            .field(Field.uint32("size"))
            .field(Field.buffer("runstate", 100))
            .build();

    private static final Map<String, List<VmStateDescription>> REGISTRY = new ConcurrentHashMap<>();

    static {
        register(CONFIGURATION);
        register(TIMER);
        register(GLOBALSTATE);
    }

    /** Adds a description, found by its VMSD name; later registrations of a name come first. */
    public static void register(VmStateDescription d) {
        REGISTRY.computeIfAbsent(d.name(), k -> new CopyOnWriteArrayList<>()).add(0, d);
    }

    /** The registered descriptions named {@code vmsdName}, newest registration first. */
    public static List<VmStateDescription> named(String vmsdName) {
        return List.copyOf(REGISTRY.getOrDefault(vmsdName, List.of()));
    }

    /**
     * Candidates by the section's VMSD name (the idstr without a qdev path) whose
     * [minimumVersionId, versionId] holds the section's version.
     */
    public static DescriptionSource source() {
        return (idstr, instanceId, versionId) -> {
            List<VmStateDescription> out = new ArrayList<>();
            for (VmStateDescription d : named(SectionHeader.vmsdNameOf(idstr))) {
                if (d.acceptsVersion(versionId)) {
                    out.add(d);
                }
            }
            return out;
        };
    }
}
