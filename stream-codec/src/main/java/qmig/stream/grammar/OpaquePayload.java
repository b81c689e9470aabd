package qmig.stream.grammar;

/**
 * A section payload kept as bytes because no description could decode it, framed by its
 * footer (or by a trailer {@code size}). {@code reason} says why it was not decoded.
 */
public record OpaquePayload(byte[] bytes, String reason) implements SectionPayload {
}
