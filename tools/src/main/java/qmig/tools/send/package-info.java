/**
 * {@code qmig send}: plays a saved QEMU 7.2 stream into a destination as a source would, plain or
 * with its RAM re-emitted over multifd channels, reading the return path (spec/return-path.md).
 */
package qmig.tools.send;
