package qmig.stream.vmstate;

/**
 * A {@code field_exists(opaque, version)} predicate, evaluated over the fields decoded so far
 * in the same object (and, on save, over the same values), so load and save agree.
 */
@FunctionalInterface
public interface FieldExists {
    boolean test(VmStateValue.Struct decodedSoFar, int version);
}
