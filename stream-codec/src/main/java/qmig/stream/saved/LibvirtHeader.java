package qmig.stream.saved;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import qmig.stream.wire.Limits;
import qmig.stream.wire.StreamFormatException;
import qmig.stream.wire.Where;

/**
 * The header of a libvirt save image ({@code virsh save}, {@code managedsave}, external memory
 * snapshots), libvirt's {@code qemu_saveimage.h}; {@code spec/saved-streams.md} §4.
 *
 * <pre>
 *   0  16  magic        "LibvirtQemudSave" (complete) / "LibvirtQemudPart" (still being written)
 *  16  u32 version      2 (1 still accepted; never decompressed)
 *  20  u32 data_len     XML + cookie + padding after the header
 *  24  u32 was_running
 *  28  u32 format       0 raw, 1 gzip, 2 bzip2, 3 xz, 4 lzop, 5 zstd, 6 sparse (mapped-ram)
 *  32  u32 cookieOffset offset of the cookie in the data area, 0 = none
 *  36  56  unused
 *  92      domain XML NUL [cookie XML NUL] padding     (data_len bytes)
 *  92+data_len          the QEMU stream, to the end of the file
 * </pre>
 * Integers are in the writer's byte order: little-endian from x86; a version other than 1 or 2
 * is tried again byte-swapped, as libvirt does.
 *
 * @param offset       file offset of the magic
 * @param complete     false for {@code LibvirtQemudPart}: libvirt had not finished writing the image
 * @param bigEndian    whether the integers were big-endian
 * @param version      1 or 2
 * @param dataLen      bytes of the data area
 * @param wasRunning   whether the domain was running when saved
 * @param format       the compression code (0–5; 6 is rejected)
 * @param cookieOffset the cookie's offset inside the data area, 0 for none
 * @param domainXml    the domain XML (without its NUL)
 * @param cookieXml    the cookie XML, or null
 */
public record LibvirtHeader(long offset, boolean complete, boolean bigEndian, int version, long dataLen,
                            boolean wasRunning, int format, long cookieOffset, String domainXml, String cookieXml) {

    public static final int HEADER_BYTES = 92;
    public static final String MAGIC = "LibvirtQemudSave";
    public static final String MAGIC_PARTIAL = "LibvirtQemudPart";

    /** libvirt's names of the {@code format} values. */
    static final String[] FORMATS = {"raw", "gzip", "bzip2", "xz", "lzop", "zstd", "sparse"};

    /** File offset where the QEMU stream starts. */
    public long streamOffset() {
        return offset + HEADER_BYTES + dataLen;
    }

    public String formatName() {
        return format >= 0 && format < FORMATS.length ? FORMATS[format] : "format " + format;
    }

    /** The form the stream after the header should have, or null when any may be there (version 1). */
    SavedForm expectedForm() {
        if (version == 1) {
            return SavedForm.RAW;
        }
        return switch (format) {
            case 0 -> SavedForm.RAW;
            case 1 -> SavedForm.GZIP;
            case 2 -> SavedForm.BZIP2;
            case 3 -> SavedForm.XZ;
            case 4 -> SavedForm.LZOP;
            case 5 -> SavedForm.ZSTD;
            default -> null;
        };
    }

    /** {@code libvirt save image v2, format xz, was_running=1, domain XML 1234 bytes, cookie 345 bytes}. */
    public String summary() {
        return "libvirt save image v" + version + (complete ? "" : " INCOMPLETE (magic " + MAGIC_PARTIAL
                + ": libvirt had not finished writing it)") + ", format " + formatName() + ", was_running="
                + (wasRunning ? 1 : 0) + ", domain XML " + domainXml.length() + " bytes"
                + (cookieXml == null ? "" : ", cookie " + cookieXml.length() + " bytes")
                + (bigEndian ? ", big-endian header" : "") + "; stream at offset " + streamOffset();
    }

    /**
     * Reads the header and data area from {@code in}, which is at file offset {@code at}; on
     * return {@code in} is at the stream's start.
     *
     * @param fileSize the size of the file when the header is read from the file itself, or -1
     */
    static LibvirtHeader read(InputStream in, long at, long fileSize, Limits limits) throws IOException {
        byte[] h = in.readNBytes(HEADER_BYTES);
        if (h.length < HEADER_BYTES) {
            throw StreamFormatException.truncated(Where.inFile(0, at + h.length),
                    "truncated libvirt save image header (expected " + HEADER_BYTES + " bytes, got " + h.length + ")");
        }
        String magic = new String(h, 0, 16, StandardCharsets.ISO_8859_1);
        boolean complete = magic.equals(MAGIC);
        if (!complete && !magic.equals(MAGIC_PARTIAL)) {
            throw StreamFormatException.corrupt(Where.inFile(0, at), "not a libvirt save image: magic '" + magic + "'");
        }
        ByteBuffer b = ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN);
        long version = b.getInt(16) & 0xffffffffL;
        if (version != 1 && version != 2) {
            b.order(ByteOrder.BIG_ENDIAN);
            version = b.getInt(16) & 0xffffffffL;
            if (version != 1 && version != 2) {
                throw StreamFormatException.unsupportedVersion(Where.inFile(0, at + 16),
                        "libvirt save image version 0x" + Integer.toHexString(b.order(ByteOrder.LITTLE_ENDIAN).getInt(16))
                                + " (little-endian) is neither 1 nor 2 in either byte order");
            }
        }
        boolean big = b.order() == ByteOrder.BIG_ENDIAN;
        long dataLen = b.getInt(20) & 0xffffffffL;
        long wasRunning = b.getInt(24) & 0xffffffffL;
        long format = b.getInt(28) & 0xffffffffL;
        long cookieOffset = b.getInt(32) & 0xffffffffL;
        if (format == 6) {
            throw StreamFormatException.unsupportedVersion(Where.inFile(0, at + 28),
                    "libvirt save image format 6 (sparse: a QEMU mapped-ram stream, QEMU 9.0 and later) is not supported");
        }
        if (format > 6) {
            throw StreamFormatException.unsupportedVersion(Where.inFile(0, at + 28),
                    "libvirt save image format " + format + " is unknown (expected 0 raw .. 5 zstd)");
        }
        if (fileSize >= 0 && at + HEADER_BYTES + dataLen > fileSize) {
            throw StreamFormatException.truncated(Where.inFile(0, at + 20), "libvirt save image data_len " + dataLen
                    + " puts the stream at offset " + (at + HEADER_BYTES + dataLen) + ", past the end of the file ("
                    + fileSize + " bytes)");
        }
        if (cookieOffset > dataLen) {
            throw StreamFormatException.corrupt(Where.inFile(0, at + 32), "libvirt save image cookieOffset "
                    + cookieOffset + " is outside the data area of " + dataLen + " bytes");
        }
        if (dataLen > limits.maxWrapperTableBytes()) {
            throw StreamFormatException.limitExceeded(Where.inFile(0, at + 20), "libvirt save image data_len", dataLen,
                    limits.maxWrapperTableBytes(), "Limits.maxWrapperTableBytes");
        }
        byte[] data = in.readNBytes((int) dataLen);
        if (data.length < dataLen) {
            throw StreamFormatException.truncated(Where.inFile(0, at + HEADER_BYTES + data.length),
                    "truncated libvirt save image data area (expected " + dataLen + " bytes, got " + data.length + ")");
        }
        int xmlEnd = cookieOffset != 0 ? (int) cookieOffset : data.length;
        String xml = cString(data, 0, xmlEnd);
        String cookie = cookieOffset != 0 ? cString(data, (int) cookieOffset, data.length) : null;
        return new LibvirtHeader(at, complete, big, (int) version, dataLen, wasRunning != 0, (int) format,
                cookieOffset, xml, cookie);
    }

    private static String cString(byte[] d, int from, int to) {
        int e = from;
        while (e < to && d[e] != 0) {
            e++;
        }
        return new String(d, from, e - from, StandardCharsets.UTF_8);
    }

    /** The 92-byte header libvirt writes, for tests and tools that build images. */
    public static byte[] header(boolean complete, boolean bigEndian, int version, long dataLen, boolean wasRunning,
                                int format, long cookieOffset) {
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES).order(bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        b.put((complete ? MAGIC : MAGIC_PARTIAL).getBytes(StandardCharsets.ISO_8859_1));
        b.putInt(version).putInt((int) dataLen).putInt(wasRunning ? 1 : 0).putInt(format).putInt((int) cookieOffset);
        return b.array();
    }
}
