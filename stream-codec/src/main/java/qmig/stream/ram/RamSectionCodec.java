package qmig.stream.ram;

import java.io.IOException;
import java.util.List;
import qmig.stream.wire.Limits;
import qmig.stream.wire.WireReader;
import qmig.stream.wire.WireWriter;

/** CONTRACT STUB: reads/writes the records of one ram section payload, through EOS. */
public final class RamSectionCodec {
    public RamSectionCodec(Limits limits, PageSink sink, boolean retainPages) {
    }

    public List<RamRecord> read(WireReader r, RamChannelState state) throws IOException {
        throw new UnsupportedOperationException("stub");
    }

    public void write(WireWriter w, List<RamRecord> records) throws IOException {
        throw new UnsupportedOperationException("stub");
    }
}
