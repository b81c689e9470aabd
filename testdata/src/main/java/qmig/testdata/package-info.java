/**
 * Real migration streams captured from Debian's QEMU 7.2 ({@code qemu-system-x86} 7.2.22) by
 * {@code testdata/scripts/make-captures.sh}, xz-compressed, each with a JSON sidecar of facts
 * from an independent reader. {@link qmig.testdata.Captures} opens them for tests.
 */
package qmig.testdata;
