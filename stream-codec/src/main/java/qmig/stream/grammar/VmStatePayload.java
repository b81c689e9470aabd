package qmig.stream.grammar;

import java.util.Objects;
import qmig.stream.vmstate.VmStateDescription;
import qmig.stream.vmstate.VmStateValue;

/**
 * A vmstate-encoded section payload, decoded field by field.
 *
 * @param description the description that decoded it (and encodes it back)
 * @param version     the version it was decoded at (the section header's version_id)
 * @param value       the decoded fields and subsections
 * @param origin      where the description came from
 */
public record VmStatePayload(VmStateDescription description, int version, VmStateValue.Struct value,
                             DescriptionOrigin origin) implements SectionPayload {
    public VmStatePayload {
        Objects.requireNonNull(description);
        Objects.requireNonNull(value);
        Objects.requireNonNull(origin);
    }
}
