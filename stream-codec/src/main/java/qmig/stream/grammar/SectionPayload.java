package qmig.stream.grammar;

/** What a section record carries. The set is closed: switch over it without a default. */
public sealed interface SectionPayload permits VmStatePayload, RamPayload, OpaquePayload {
}
