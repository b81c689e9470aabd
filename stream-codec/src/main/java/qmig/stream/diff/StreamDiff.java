package qmig.stream.diff;

import java.util.List;
import qmig.stream.vmstate.VmStateValue;

/**
 * What differs between stream A and stream B, in the order {@code qmig diff} reports it.
 *
 * @param header   the 8-byte header and what follows from the whole stream
 * @param config   the configuration section
 * @param sections the section lists
 * @param fields   per section present in both (in A's order) whose state differs: its first
 *                 differing field
 * @param ram      per RAMBlock of either stream that differs
 */
public record StreamDiff(HeaderDiff header, ConfigDiff config, SectionListDiff sections, List<FieldDiff> fields,
                         List<BlockDiff> ram) {

    public StreamDiff {
        fields = List.copyOf(fields);
        ram = List.copyOf(ram);
    }

    /** True when nothing differs. */
    public boolean equal() {
        return !header.differs() && !config.differs() && !sections.differs() && fields.isEmpty() && ram.isEmpty();
    }

    /**
     * @param versionA  file version (3 for every stream the reader accepts)
     * @param footersA  whether sections carry footers
     * @param completeA whether the section list ends with EOF
     */
    public record HeaderDiff(int versionA, int versionB, boolean footersA, boolean footersB, boolean completeA,
                             boolean completeB) {
        public boolean differs() {
            return versionA != versionB || footersA != footersB || completeA != completeB;
        }
    }

    /**
     * @param machineA the machine type, or null when the stream has no configuration section
     * @param fields   differing configuration fields other than the name, all of them
     */
    public record ConfigDiff(String machineA, String machineB, List<FieldDiff> fields) {
        public ConfigDiff {
            fields = List.copyOf(fields);
        }

        public boolean machineDiffers() {
            return !java.util.Objects.equals(machineA, machineB);
        }

        public boolean differs() {
            return machineDiffers() || !fields.isEmpty();
        }
    }

    /**
     * One section of a stream: its first record.
     *
     * @param instance the instance id, unsigned
     * @param offset   the stream offset of its first record
     */
    public record SectionRef(String idstr, long instance, long sectionId, int version, long offset) {
        /** {@code idstr/instance}, the key sections are matched by. */
        public String key() {
            return idstr + "/" + instance;
        }
    }

    /** A section found in both at a different place relative to the others. */
    public record Moved(SectionRef a, SectionRef b, int indexA, int indexB) {
    }

    public record VersionChange(SectionRef a, SectionRef b) {
    }

    /**
     * @param reordered common sections outside the longest common subsequence of both orders
     */
    public record SectionListDiff(int countA, int countB, List<SectionRef> missingInB, List<SectionRef> extraInB,
                                  List<Moved> reordered, List<VersionChange> versionChanged) {
        public SectionListDiff {
            missingInB = List.copyOf(missingInB);
            extraInB = List.copyOf(extraInB);
            reordered = List.copyOf(reordered);
            versionChanged = List.copyOf(versionChanged);
        }

        public boolean differs() {
            return !missingInB.isEmpty() || !extraInB.isEmpty() || !reordered.isEmpty() || !versionChanged.isEmpty();
        }
    }

    /**
     * A differing field.
     *
     * @param section  {@code idstr/instance}, or {@code configuration}
     * @param path     the field path ({@link FieldLeaf})
     * @param a        the value in A, or null when A has no such field
     * @param offsetA  its stream offset in A, or -1
     * @param further  how many more fields of the same section differ
     */
    public record FieldDiff(String section, String path, VmStateValue a, VmStateValue b, long offsetA, long offsetB,
                            long further) {
    }

    /**
     * A run of differing pages.
     *
     * @param firstPage the page index in the block
     */
    public record PageRange(long firstPage, long pages) {
        public long offset() {
            return firstPage * 4096;
        }

        /** The first byte after the run. */
        public long end() {
            return (firstPage + pages) * 4096;
        }
    }

    /**
     * A RAMBlock that differs.
     *
     * @param lengthA        used length in A, or -1 when A does not announce the block
     * @param differingPages pages (of those both have) whose final contents differ
     * @param runs           coalesced runs of differing pages
     * @param ranges         the first runs, at most the differ's limit
     */
    public record BlockDiff(String idstr, long lengthA, long lengthB, long differingPages, long runs,
                            List<PageRange> ranges) {
        public BlockDiff {
            ranges = List.copyOf(ranges);
        }
    }
}
