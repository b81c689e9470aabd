package qmig.stream.vmstate;

/**
 * The versions at which a field is on the wire: {@code from} ≤ v ≤ {@code to}. vmstate.h only
 * knows a lower bound ({@code VMSTATE_*_V(f, s, v)}: "v+"); an upper bound expresses the
 * retired-field hacks such as fw_cfg's {@code is_version_1}.
 */
public record VersionRange(int from, int to) {
    public static final VersionRange ALL = new VersionRange(0, Integer.MAX_VALUE);

    public VersionRange {
        if (from > to) {
            throw new IllegalArgumentException("empty version range " + from + "-" + to);
        }
    }

    /** "v+": present from version {@code v} on. */
    public static VersionRange since(int v) {
        return v <= 0 ? ALL : new VersionRange(v, Integer.MAX_VALUE);
    }

    public static VersionRange only(int v) {
        return new VersionRange(v, v);
    }

    public boolean contains(int v) {
        return v >= from && v <= to;
    }

    @Override
    public String toString() {
        return to == Integer.MAX_VALUE ? from + "+" : from == to ? Integer.toString(from) : from + "-" + to;
    }
}
