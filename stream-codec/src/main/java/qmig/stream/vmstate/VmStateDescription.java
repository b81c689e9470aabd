package qmig.stream.vmstate;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A {@code VMStateDescription} as data (QEMU 7.2 {@code include/migration/vmstate.h}): the wire
 * encoding is its present fields in order, then its present subsections.
 *
 * @param name             the VMSD name: section idstr suffix, or subsection wire name
 * @param versionId        the newest version (what a saver writes)
 * @param minimumVersionId the oldest version a loader accepts
 * @param fields           ordered fields
 * @param subsections      subsection VMSDs, looked up by name on load (vmstate.md §7.2)
 */
public record VmStateDescription(String name, int versionId, int minimumVersionId, List<Field> fields,
                                 List<VmStateDescription> subsections) {

    public VmStateDescription {
        Objects.requireNonNull(name);
        fields = List.copyOf(fields);
        subsections = List.copyOf(subsections);
        if (minimumVersionId > versionId) {
            throw new IllegalArgumentException(name + ": minimum version " + minimumVersionId + " > version " + versionId);
        }
    }

    public boolean acceptsVersion(int v) {
        return v >= minimumVersionId && v <= versionId;
    }

    /** The subsection VMSD with that exact name, or null. */
    public VmStateDescription subsection(String subName) {
        for (VmStateDescription s : subsections) {
            if (s.name().equals(subName)) {
                return s;
            }
        }
        return null;
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** Builds a description the way a VMSD initializer reads. */
    public static final class Builder {
        private final String name;
        private int version;
        private int minimum = -1;
        private final List<Field> fields = new ArrayList<>();
        private final List<VmStateDescription> subsections = new ArrayList<>();

        private Builder(String name) {
            this.name = name;
        }

        public Builder version(int v) {
            this.version = v;
            return this;
        }

        public Builder minimumVersion(int v) {
            this.minimum = v;
            return this;
        }

        public Builder field(Field f) {
            fields.add(f);
            return this;
        }

        public Builder fields(List<Field> fs) {
            fields.addAll(fs);
            return this;
        }

        public Builder subsection(VmStateDescription s) {
            subsections.add(s);
            return this;
        }

        public VmStateDescription build() {
            return new VmStateDescription(name, version, minimum < 0 ? version : minimum, fields, subsections);
        }
    }
}
