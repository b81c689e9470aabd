package qmig.stream.ram;

/** CONTRACT STUB: per-channel ram decoding state that persists across sections (last block, block list). */
public final class RamChannelState {
}
