package qmig.tools.cli;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;
import qmig.stream.memory.MemoryOptions;
import qmig.stream.wire.Limits;
import qmig.stream.wire.StreamFormatException;
import qmig.viommu.vtd.WalkLimits;

/**
 * {@code --limit NAME=VALUE}: raises (or lowers) one of the decoder's {@link Limits}, or one of
 * the VT-d walk's {@link WalkLimits} ({@code maxEntryReads}, {@code maxTotalEntryReads}).
 */
public final class LimitOptions {

    /** The {@link WalkLimits} names {@code --limit} takes besides the {@link Limits} ones. */
    static final List<String> WALK = List.of("maxEntryReads", "maxTotalEntryReads");

    /** The {@link MemoryOptions} name: the guest RAM a MEM_SIZE list may announce. */
    static final String GUEST = "maxGuestBytes";

    @Option(names = "--limit", paramLabel = "NAME=VALUE",
            description = "set a decoder limit, e.g. --limit maxVmDescriptionBytes=268435456; names: "
                    + "maxBufferBytes, maxArrayElements, maxNestingDepth, maxVmDescriptionBytes, maxPackageBytes, "
                    + "maxRamBlocks, maxHeldSectionBytes, maxDecompressedBytes (decompressed size of a compressed saved stream,"
                    + " default 1 TiB), maxWrapperTableBytes (qcow2 L1/snapshot table, libvirt XML area); guest RAM:"
                    + " maxGuestBytes; VT-d walks: maxEntryReads, maxTotalEntryReads")
    Map<String, Long> limits = Map.of();

    public Limits apply(Limits base) {
        RecordComponent[] comps = Limits.class.getRecordComponents();
        Object[] values = new Object[comps.length];
        List<Class<?>> types = new ArrayList<>();
        for (String name : limits.keySet()) {
            boolean known = WALK.contains(name) || name.equals(GUEST);
            for (RecordComponent c : comps) {
                known |= c.getName().equals(name);
            }
            if (!known) {
                throw new IllegalArgumentException("unknown limit '" + name + "'");
            }
        }
        try {
            for (int i = 0; i < comps.length; i++) {
                RecordComponent c = comps[i];
                types.add(c.getType());
                Long v = limits.get(c.getName());
                Object cur = c.getAccessor().invoke(base);
                values[i] = v == null ? cur : c.getType() == int.class ? (Object) Math.toIntExact(v) : (Object) v;
            }
            return Limits.class.getDeclaredConstructor(types.toArray(new Class<?>[0])).newInstance(values);
        } catch (ReflectiveOperationException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IllegalArgumentException("bad --limit value: " + cause.getMessage(), cause);
        }
    }

    /** The walk limits with this option's {@code maxEntryReads} / {@code maxTotalEntryReads} applied. */
    public WalkLimits walk(WalkLimits base) {
        Long per = limits.get("maxEntryReads");
        Long total = limits.get("maxTotalEntryReads");
        return new WalkLimits(per == null ? base.maxEntryReads() : per,
                total == null ? base.maxTotalEntryReads() : total);
    }

    /** The memory options with this option's {@code maxGuestBytes} applied. */
    public MemoryOptions memory(MemoryOptions base) {
        Long v = limits.get(GUEST);
        return v == null ? base : base.withMaxGuestBytes(v);
    }

    /** The error line for a shell user, with the command-line form of the limit to raise. */
    static String describe(StreamFormatException e) {
        String m = e.getMessage();
        if (e instanceof StreamFormatException.LimitExceeded) {
            String prefix = m.contains("MemoryOptions.") ? "MemoryOptions." : "Limits.";
            int i = m.indexOf(prefix);
            if (i >= 0) {
                int j = i + prefix.length();
                int k = j;
                while (k < m.length() && Character.isJavaIdentifierPart(m.charAt(k))) {
                    k++;
                }
                m += "; on the command line: --limit " + m.substring(j, k) + "=N";
            }
        }
        return m;
    }
}
