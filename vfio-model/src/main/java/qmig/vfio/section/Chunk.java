package qmig.vfio.section;

import java.util.Arrays;

/** One {@code DEV_DATA_STATE be64(n) bytes[n]} chunk: opaque device state. */
public record Chunk(byte[] bytes) {

    public Chunk {
        bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    public int length() {
        return bytes.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Chunk c && Arrays.equals(c.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "Chunk[size=" + bytes.length + "]";
    }
}
