package qmig.stream.grammar;

import java.util.List;
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
     * and duplicate keys kept); the encoder writes it back in QEMU's compact JSON form.
     */
    record VmDescription(long offset, JsonValue json) implements StreamRecord {
    }

    /** The common view of the four section records. */
    sealed interface Section permits SectionStart, SectionFull, SectionPart, SectionEnd {
        long offset();

        SectionHeader header();

        SectionPayload payload();

        boolean footer();
    }
}
