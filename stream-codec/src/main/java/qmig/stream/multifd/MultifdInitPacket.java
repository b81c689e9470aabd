package qmig.stream.multifd;

import java.io.IOException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import qmig.stream.wire.StreamFormatException;
import qmig.stream.wire.WireReader;
import qmig.stream.wire.WireWriter;

/**
 * The 64-byte {@code MultiFDInit_t} a 7.2 source writes first on every multifd channel
 * ({@code multifd_send_initial_packet}; spec/multifd.md §3).
 * <pre>
 *   +0  be32  magic      0x11223344
 *   +4  be32  version    1
 *   +8  16    uuid       the source's -uuid, zero when unset
 *   +24 u8    id         channel number 0..N-1
 *   +25 7     unused1    zero
 *   +32 32    unused2    zero (4 x u64)
 * </pre>
 *
 * @param uuid     16 bytes
 * @param id       channel id 0..255
 * @param reserved the 39 bytes of unused1 and unused2 as received (zero from 7.2), kept so a
 *                 packet writes back byte for byte
 */
public record MultifdInitPacket(byte[] uuid, int id, byte[] reserved) {

    public static final int RESERVED = 39;

    public MultifdInitPacket {
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(reserved, "reserved");
        if (uuid.length != 16 || reserved.length != RESERVED || id < 0 || id > 0xff) {
            throw new IllegalArgumentException("init packet: uuid of 16 bytes, id 0..255 and 39 reserved bytes");
        }
        uuid = uuid.clone();
        reserved = reserved.clone();
    }

    /** What 7.2 sends: unused fields zero. */
    public MultifdInitPacket(byte[] uuid, int id) {
        this(uuid, id, new byte[RESERVED]);
    }

    @Override
    public byte[] uuid() {
        return uuid.clone();
    }

    @Override
    public byte[] reserved() {
        return reserved.clone();
    }

    /** Mirrors {@code multifd_recv_initial_packet}: magic, then version; uuid and id are the caller's to judge. */
    public static MultifdInitPacket read(WireReader in) throws IOException {
        long at = in.position();
        int magic = in.be32("multifd init packet magic");
        if (magic != MultifdConstants.MAGIC) {
            throw StreamFormatException.mismatch(at, "multifd init packet magic", MultifdConstants.MAGIC, magic & 0xffffffffL);
        }
        int version = in.be32("multifd init packet version");
        if (version != MultifdConstants.VERSION) {
            throw StreamFormatException.unsupportedVersion(at + 4, "multifd init packet version: expected 0x1, found 0x"
                    + Integer.toHexString(version));
        }
        byte[] uuid = in.bytes(16, "multifd init packet uuid");
        int id = in.u8("multifd init packet channel id");
        byte[] reserved = in.bytes(RESERVED, "multifd init packet unused fields");
        return new MultifdInitPacket(uuid, id, reserved);
    }

    public void write(WireWriter out) throws IOException {
        out.be32(MultifdConstants.MAGIC).be32(MultifdConstants.VERSION).bytes(uuid).u8(id).bytes(reserved);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MultifdInitPacket p && id == p.id && Arrays.equals(uuid, p.uuid)
                && Arrays.equals(reserved, p.reserved);
    }

    @Override
    public int hashCode() {
        return (id * 31 + Arrays.hashCode(uuid)) * 31 + Arrays.hashCode(reserved);
    }

    @Override
    public String toString() {
        return "MultifdInitPacket[id=" + id + ", uuid=" + HexFormat.of().formatHex(uuid) + "]";
    }
}
