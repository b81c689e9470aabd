package qmig.stream.grammar;

import java.util.List;
import qmig.stream.json.Json;
import qmig.stream.json.JsonValue;

/**
 * One top-level element of a migration stream after the 8-byte header. Switch over it
 * without a default: the set is closed.
 */
public sealed interface StreamRecord {

    /** Byte offset of the record's first byte in the stream. -1 for records made in memory. */
    long offset();

    /** {@code 07} + the {@code configuration} vmstate (no version on the wire). */
    record Configuration(long offset, VmStatePayload payload) implements StreamRecord {
        /** The machine type name, e.g. {@code pc-q35-7.2}. */
        public String machineType() {
            return payload.value().bytesAsText("name");
        }
    }

    /** {@code 01}: the first chunk of an iterative handler, full header. */
    record SectionStart(long offset, SectionHeader header, SectionPayload payload, boolean footer)
            implements StreamRecord, Section {
    }

    /** {@code 04}: the whole state of a non-iterative handler, full header. */
    record SectionFull(long offset, SectionHeader header, SectionPayload payload, boolean footer)
            implements StreamRecord, Section {
    }

    /** {@code 02}: a further chunk of an iterative handler, short header. */
    record SectionPart(long offset, SectionHeader header, SectionPayload payload, boolean footer)
            implements StreamRecord, Section {
    }

    /** {@code 03}: the last chunk of an iterative handler, short header. */
    record SectionEnd(long offset, SectionHeader header, SectionPayload payload, boolean footer)
            implements StreamRecord, Section {
    }

    /**
     * {@code 08 be16 cmd be16 len bytes(len)}. A PACKAGED command carries its sub-stream's
     * records in {@code packaged} (empty for every other command).
     */
    record Command(long offset, int code, byte[] data, List<StreamRecord> packaged) implements StreamRecord {
        public Command {
            packaged = List.copyOf(packaged);
        }

        /** The known 7.2 command, or null. */
        public CommandType type() {
            return CommandType.fromCode(code);
        }
    }

    /** {@code 00}: the end of the section list. */
    record Eof(long offset) implements StreamRecord {
    }

    /**
     * {@code 06 be32 len json}: the VMDESCRIPTION trailer. {@code json} is the parsed tree (order
     * and duplicate keys kept). {@code text} is the exact JSON text read, or null for a trailer
     * made in memory: QEMU's own trailers are what {@link Json#writeQemu} writes for the tree, but
     * a trailer another writer spaced differently is still valid JSON that QEMU accepts, and the
     * text keeps its bytes. The encoder writes {@code text} when present, else the tree.
     */
    record VmDescription(long offset, JsonValue json, byte[] text) implements StreamRecord {
        public VmDescription(long offset, JsonValue json) {
            this(offset, json, null);
        }

        /** The bytes the encoder writes. */
        public byte[] bytes() {
            return text != null ? text.clone() : Json.writeQemu(json);
        }

        /** True when the tree alone, written the way QEMU writes JSON, gives the text read. */
        public boolean canonical() {
            return text == null || java.util.Arrays.equals(text, Json.writeQemu(json));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof VmDescription d && d.offset == offset && d.json.equals(json)
                    && java.util.Arrays.equals(d.text, text);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(offset, json) * 31 + java.util.Arrays.hashCode(text);
        }

        @Override
        public String toString() {
            return "VmDescription[offset=" + offset + ", " + (text == null ? "tree only" : text.length + " bytes") + "]";
        }
    }

    /** The common view of the four section records. */
    sealed interface Section permits SectionStart, SectionFull, SectionPart, SectionEnd {
        long offset();

        SectionHeader header();

        SectionPayload payload();

        boolean footer();
    }
}
