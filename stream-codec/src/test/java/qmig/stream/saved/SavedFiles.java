package qmig.stream.saved;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import qmig.stream.grammar.MigrationStream;
import qmig.stream.grammar.ReaderOptions;
import qmig.stream.wire.Limits;

/** Builds saved forms with Debian's own compressors and libvirt's header layout; decodes them back. */
final class SavedFiles {

    private SavedFiles() {
    }

    /** Runs {@code cmd} with {@code stdin} and returns its stdout (fails on a non-zero exit). */
    static byte[] run(byte[] stdin, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Thread feeder = new Thread(() -> {
            try (OutputStream o = p.getOutputStream()) {
                o.write(stdin);
            } catch (IOException e) {
                // the reader sees the process fail
            }
        });
        feeder.start();
        byte[] out;
        try (InputStream in = p.getInputStream()) {
            out = in.readAllBytes();
        }
        feeder.join();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed");
        }
        return out;
    }

    /** {@code stream} compressed by Debian's binary for {@code form}, as libvirt runs it ({@code xz -c -3}). */
    static byte[] compress(SavedForm form, byte[] stream) throws IOException, InterruptedException {
        return switch (form) {
            case RAW -> stream;
            case GZIP -> run(stream, "gzip", "-c");
            case BZIP2 -> run(stream, "bzip2", "-c");
            case XZ -> run(stream, "xz", "-c", "-3");
            case LZOP -> run(stream, "lzop", "-c");
            case ZSTD -> run(stream, "zstd", "-q", "-c");
            case LZ4 -> run(stream, "lz4", "-q", "-c");
            default -> throw new IllegalArgumentException(form.name());
        };
    }

    /** libvirt's format code for a compressor. */
    static int libvirtFormat(SavedForm f) {
        return switch (f) {
            case RAW -> 0;
            case GZIP -> 1;
            case BZIP2 -> 2;
            case XZ -> 3;
            case LZOP -> 4;
            case ZSTD -> 5;
            default -> throw new IllegalArgumentException(f.name());
        };
    }

    static final String DOMAIN_XML = "<domain type='kvm'>\n  <name>saved</name>\n  <memory unit='KiB'>65536</memory>\n"
            + "  <os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>\n</domain>\n";
    static final String COOKIE_XML = "<cookie>\n  <cpu mode='custom' match='exact'><model>qemu64</model></cpu>\n"
            + "  <slirpHelper/>\n</cookie>\n";

    /** A libvirt save image as current libvirt writes it: header, XML NUL, cookie NUL, 64 KiB of zeros, stream. */
    static byte[] libvirtImage(boolean complete, boolean bigEndian, int version, int format, byte[] payload) {
        byte[] xml = (DOMAIN_XML + "\0").getBytes(StandardCharsets.UTF_8);
        byte[] cookie = (COOKIE_XML + "\0").getBytes(StandardCharsets.UTF_8);
        int dataLen = xml.length + cookie.length + 65536;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.writeBytes(LibvirtHeader.header(complete, bigEndian, version, dataLen, true, format, xml.length));
        o.writeBytes(xml);
        o.writeBytes(cookie);
        o.writeBytes(new byte[65536]);
        o.writeBytes(payload);
        return o.toByteArray();
    }

    static Path write(Path dir, String name, byte[] b) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, b);
        return p;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }

    /** The stream decoded through {@link SavedStream#reader} and re-encoded. */
    static byte[] reencode(Path file) throws IOException {
        return reencode(file, null);
    }

    static byte[] reencode(Path file, String snapshot) throws IOException {
        try (SavedStream s = SavedStream.open(file, Limits.DEFAULT, snapshot)) {
            return MigrationStream.readAll(s.reader(ReaderOptions.defaults())).toBytes();
        }
    }

    static List<SavedForm> kinds(Path file) throws IOException {
        try (SavedStream s = SavedStream.open(file, Limits.DEFAULT)) {
            return s.layers().stream().map(Layer::kind).toList();
        }
    }
}
