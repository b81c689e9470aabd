/**
 * The forms saved migration streams take on disk ({@code spec/saved-streams.md}), detected by
 * content, never by file name: raw {@code exec:}/{@code fd:} files, compressed pipelines (gzip,
 * bzip2, xz, lzop, zstd, lz4 frame; nested), libvirt save images ({@code LibvirtQemudSave},
 * libvirt's {@code qemu_saveimage.c}), qcow2 internal snapshots ({@code docs/interop/qcow2.txt},
 * QEMU 7.2 {@code block/qcow2-snapshot.c}) and a stream at an unknown offset inside another file.
 *
 * <p>{@link qmig.stream.saved.SavedStream#open} peels the layers off one by one and gives the
 * migration stream as an {@link java.io.InputStream}, streamed (nothing is inflated into memory
 * or a temporary file), plus a file channel and base offset where the stream is a plain byte
 * range of the file, so the VMDESCRIPTION trailer can be located from the end.
 */
package qmig.stream.saved;
