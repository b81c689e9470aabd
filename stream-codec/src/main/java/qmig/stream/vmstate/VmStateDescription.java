package qmig.stream.vmstate;

import java.util.List;

/** CONTRACT STUB: a VMStateDescription as data. */
public record VmStateDescription(String name, int versionId, int minimumVersionId, List<Object> fields,
                                 List<VmStateDescription> subsections) {
}
