/**
 * {@code qmig receive}: a Netty migration destination for QEMU 7.2 sources (spec/stream.md §7–10,
 * return-path.md, multifd.md §2 and §6, seed-series.md §5). Connections are sniffed and routed,
 * main channels loaded by the codec's pull {@code StreamReader} on a thread fed through a bounded
 * pipe with backpressure, multifd channels synchronised at each {@code ram} EOS, and the vIOMMU
 * replayed into a VFIO container per --vfio device (vfio-model's VfioListener) after load.
 */
package qmig.tools.receiver;
