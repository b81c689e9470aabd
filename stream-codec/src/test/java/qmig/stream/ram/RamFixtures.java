package qmig.stream.ram;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.Deflater;

/**
 * Commented byte fixtures of ram section payloads (spec/ram.md §13), built field by field.
 * {@link #recordStarts} keeps the offset of each record's be64 header, for tests that flip flags.
 */
final class RamFixtures {

    static final int PAGE = 4096;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final List<Integer> recordStarts = new ArrayList<>();

    /** A record header {@code be64 offset|flags}; marks a record start. */
    RamFixtures rec(long offset, int flags) {
        recordStarts.add(out.size());
        return be64(offset | flags);
    }

    RamFixtures be64(long v) {
        for (int s = 56; s >= 0; s -= 8) {
            out.write((int) (v >>> s));
        }
        return this;
    }

    RamFixtures be32(int v) {
        for (int s = 24; s >= 0; s -= 8) {
            out.write(v >>> s);
        }
        return this;
    }

    RamFixtures be16(int v) {
        out.write(v >>> 8);
        out.write(v);
        return this;
    }

    RamFixtures u8(int v) {
        out.write(v);
        return this;
    }

    RamFixtures cstr8(String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        out.write(b.length);
        out.writeBytes(b);
        return this;
    }

    RamFixtures bytes(byte[] b) {
        out.writeBytes(b);
        return this;
    }

    byte[] build() {
        return out.toByteArray();
    }

    List<Integer> recordStarts() {
        return List.copyOf(recordStarts);
    }

    /** A recognisable page: byte i = seed + i. */
    static byte[] pattern(int seed) {
        byte[] p = new byte[PAGE];
        for (int i = 0; i < PAGE; i++) {
            p[i] = (byte) (seed + i);
        }
        return p;
    }

    static byte[] zlib(byte[] page) {
        Deflater d = new Deflater(1);
        try {
            d.setInput(page);
            d.finish();
            byte[] buf = new byte[8192];
            int n = d.deflate(buf);
            return java.util.Arrays.copyOf(buf, n);
        } finally {
            d.end();
        }
    }

    // ---- the fixtures -------------------------------------------------------------------------

    /** START payload of a -m 128 pc-q35-7.2 guest (spec/ram.md §13). */
    static RamFixtures start() {
        return new RamFixtures()
                .rec(0x8082000L, 0x04)                                   // total 0x8082000 | MEM_SIZE
                .cstr8("pc.ram").be64(0x8000000L)                        // 06 "pc.ram"
                .cstr8("/rom@etc/acpi/tables").be64(0x20000L)            // 14 "/rom@etc/acpi/tables"
                .cstr8("pc.bios").be64(0x40000L)                         // 07 "pc.bios"
                .cstr8("pc.rom").be64(0x20000L)                          // 06 "pc.rom"
                .cstr8("/rom@etc/table-loader").be64(0x1000L)            // 15 "/rom@etc/table-loader"
                .cstr8("/rom@etc/acpi/rsdp").be64(0x1000L)               // 12 "/rom@etc/acpi/rsdp"
                .rec(0, 0x10);                                           // EOS
    }

    /** PART payload: ZERO naming pc.ram, ZERO|CONTINUE, PAGE|CONTINUE, PAGE naming pc.bios, ZERO|CONTINUE. */
    static RamFixtures part() {
        return new RamFixtures()
                .rec(0x0, 0x02).cstr8("pc.ram").u8(0x00)                 // page 0x0: ZERO, names pc.ram
                .rec(0x1000, 0x22).u8(0x00)                              // page 0x1000: ZERO|CONTINUE
                .rec(0x2000, 0x28).bytes(pattern(7))                     // page 0x2000: PAGE|CONTINUE + 4096 bytes
                .rec(0x3f000, 0x08).cstr8("pc.bios").bytes(pattern(9))   // pc.bios page 0x3f000: PAGE, names pc.bios
                .rec(0x3e000, 0x22).u8(0x00)                             // pc.bios page 0x3e000: ZERO|CONTINUE
                .rec(0, 0x10);                                           // EOS
    }

    /** Like {@link #xbzrle()} but the first encoding has a stray byte where a zero run should start. */
    static RamFixtures xbzrleBadDelta() {
        return new RamFixtures()
                .rec(0x2000, 0x60).u8(0x01).be16(5)                      // XBZRLE|CONTINUE, ENCODING_FLAG_XBZRLE, n = 5
                .u8(0x10).u8(0x02).u8(0xaa).u8(0xbb)                     //   zrun 16, nzrun 2: aa bb
                .u8(0x00)                                                //   (extra byte: makes the next run a bad one)
                .rec(0x1000, 0x40).cstr8("pc.rom").u8(0x01).be16(7)      // XBZRLE naming pc.rom, n = 7
                .u8(0x80).u8(0x01).u8(0x01).u8(0xcc)                     //   zrun 128 (2-byte uleb), nzrun 1: cc
                .u8(0x05).u8(0x01).u8(0xdd)                              //   zrun 5, nzrun 1: dd
                .rec(0, 0x10);                                           // EOS
    }

    /** XBZRLE records: one CONTINUE (onto the last block of an earlier section), one naming pc.rom. */
    static RamFixtures xbzrle() {
        return new RamFixtures()
                .rec(0x2000, 0x60).u8(0x01).be16(4)                      // XBZRLE|CONTINUE, n = 4
                .u8(0x10).u8(0x02).u8(0xaa).u8(0xbb)                     //   zrun 16, nzrun 2: aa bb
                .rec(0x1000, 0x40).cstr8("pc.rom").u8(0x01).be16(7)      // XBZRLE naming pc.rom, n = 7
                .u8(0x80).u8(0x01).u8(0x01).u8(0xcc)                     //   zrun 128 (2-byte uleb), nzrun 1: cc
                .u8(0x05).u8(0x01).u8(0xdd)                              //   zrun 5, nzrun 1: dd
                .rec(0, 0x10);                                           // EOS
    }

    /** With capability compress: the first page of the block goes as PAGE, the next as COMPRESS_PAGE|CONTINUE. */
    static RamFixtures compressed() {
        byte[] z = zlib(pattern(3));
        return new RamFixtures()
                .rec(0x5000, 0x08).cstr8("pc.ram").bytes(pattern(1))     // PAGE naming pc.ram
                .rec(0x6000, 0x120).be32(z.length).bytes(z)              // COMPRESS_PAGE|CONTINUE, be32 n, zlib 78 01 ...
                .rec(0x7000, 0x120).be32(0)                              // COMPRESS_PAGE|CONTINUE with n = 0 (accepted by the loader)
                .rec(0, 0x10);                                           // EOS
    }

    /** [8.1] flush mode START tail and odd-but-legal flag forms: EOS|CONTINUE. */
    static RamFixtures flush() {
        return new RamFixtures()
                .rec(0x4000, 0x22).u8(0x00)                              // ZERO|CONTINUE
                .rec(0, 0x200)                                           // MULTIFD_FLUSH
                .rec(0, 0x30);                                           // EOS|CONTINUE (loader ignores CONTINUE here)
    }
}
