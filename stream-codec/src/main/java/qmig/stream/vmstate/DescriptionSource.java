package qmig.stream.vmstate;

import java.util.ArrayList;
import java.util.List;

/**
 * Finds descriptions for a section. A source may offer several candidates (a schema that does
 * not pin down every layout); the stream reader tries them in order and keeps the first whose
 * decoding ends exactly on the section's footer.
 */
public interface DescriptionSource {
    List<VmStateDescription> candidates(String idstr, int instanceId, int versionId);

    /**
     * Which versions of the section's VMSD this source covers, as a phrase for error messages
     * ("the bundled QEMU 7.2 schema (pc-q35-7.2) covers 'timer' versions 1 to 2"), or null when
     * the source cannot say.
     */
    default String coverage(String idstr) {
        return null;
    }

    /** This source's candidates, then {@code next}'s. */
    default DescriptionSource orElse(DescriptionSource next) {
        DescriptionSource self = this;
        return (idstr, instanceId, versionId) -> {
            List<VmStateDescription> out = new ArrayList<>(self.candidates(idstr, instanceId, versionId));
            out.addAll(next.candidates(idstr, instanceId, versionId));
            return out;
        };
    }
}
