/**
 * Wire primitives of the QEMU migration stream (QEMU 7.2 {@code migration/qemu-file.c}):
 * big-endian integers, counted strings, raw bytes, with byte offsets; and the one error
 * family every decoder in qmig throws, {@link qmig.stream.wire.StreamFormatException}.
 *
 * <p>Nothing here knows about sections or devices. Running out of input is reported as
 * {@link qmig.stream.wire.StreamFormatException.Truncated}, never as invented zero bytes
 * (QEMU's own reader returns 0 and latches an error; a decoder should say where it stopped).
 */
package qmig.stream.wire;
