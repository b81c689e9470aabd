package qmig.stream.multifd;

import java.util.Arrays;
import java.util.Objects;

/**
 * One data packet as it is on the wire: its header and its payload bytes (raw pages for
 * {@code none}, a piece of the channel's continuous zlib or zstd stream otherwise). The payload
 * is empty exactly when {@code normalPages == 0}.
 *
 * @param at      stream offset of the header's magic, or -1 for a packet built in memory
 * @param header  the 1344-byte header
 * @param payload the payload as sent
 */
public record MultifdPacket(long at, MultifdPacketHeader header, byte[] payload) {

    public MultifdPacket {
        Objects.requireNonNull(header, "header");
        Objects.requireNonNull(payload, "payload");
        if ((header.normalPages() == 0) != (payload.length == 0)) {
            throw new IllegalArgumentException("a payload is present iff normal_pages > 0");
        }
        payload = payload.clone();
    }

    @Override
    public byte[] payload() {
        return payload.clone();
    }

    /** Payload length without copying. */
    public int payloadLength() {
        return payload.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MultifdPacket p && at == p.at && header.equals(p.header) && Arrays.equals(payload, p.payload);
    }

    @Override
    public int hashCode() {
        return header.hashCode() * 31 + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return "MultifdPacket[at=" + at + ", " + header + ", payload=" + payload.length + " bytes]";
    }
}
