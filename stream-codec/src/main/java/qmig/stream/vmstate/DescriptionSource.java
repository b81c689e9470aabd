package qmig.stream.vmstate;

import java.util.List;

/**
 * Finds descriptions for a section. A source may offer several candidates (a schema that does
 * not pin down every layout); the stream reader tries them in order and keeps the first whose
 * decoding ends exactly on the section's footer.
 */
public interface DescriptionSource {
    List<VmStateDescription> candidates(String idstr, int instanceId, int versionId);
}
