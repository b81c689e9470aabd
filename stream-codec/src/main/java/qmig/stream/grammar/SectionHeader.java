package qmig.stream.grammar;

/**
 * A section's identity. START and FULL records carry all four values on the wire; PART and
 * END records carry only the id, and the reader fills the rest from the matching START.
 *
 * @param type       which record type this header belongs to
 * @param sectionId  the source's handler number (spec/stream.md §5.3)
 * @param idstr      the handler name, e.g. {@code ram}, {@code 0000:00:1f.2/ich9_ahci}
 * @param instanceId distinguishes handlers with the same idstr
 * @param versionId  the source's version of the handler's format
 */
public record SectionHeader(SectionType type, int sectionId, String idstr, int instanceId, int versionId) {

    public SectionHeader {
        switch (type) {
            case SECTION_START, SECTION_FULL, SECTION_PART, SECTION_END -> { }
            default -> throw new IllegalArgumentException("not a section type: " + type);
        }
    }

    /** True for START and FULL, whose header carries idstr, instance and version on the wire. */
    public boolean isFull() {
        return type == SectionType.SECTION_START || type == SectionType.SECTION_FULL;
    }

    /** The record kind in lower case: {@code start}, {@code part}, {@code end} or {@code full}. */
    public String kind() {
        return switch (type) {
            case SECTION_START -> "start";
            case SECTION_PART -> "part";
            case SECTION_END -> "end";
            default -> "full";
        };
    }

    /** The section's unsigned id as written on the wire. */
    public long unsignedId() {
        return sectionId & 0xffffffffL;
    }

    /** The vmstate name part of the idstr: what follows the last {@code /} of a device path. */
    public String vmsdName() {
        return SectionHeader.vmsdNameOf(idstr);
    }

    /**
     * Strips a qdev path prefix: {@code 0000:00:1f.2/ich9_ahci} gives {@code ich9_ahci}. A path
     * contains ':' before its '/', so names without a path keep any '/' they have.
     */
    public static String vmsdNameOf(String idstr) {
        if (idstr == null) {
            return null;
        }
        int slash = idstr.indexOf('/');
        if (slash > 0 && idstr.substring(0, slash).indexOf(':') >= 0) {
            return idstr.substring(slash + 1);
        }
        return idstr;
    }
}
