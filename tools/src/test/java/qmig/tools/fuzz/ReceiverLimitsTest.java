package qmig.tools.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import qmig.stream.wire.Limits;
import qmig.tools.receiver.ReceiveError;
import qmig.tools.receiver.ReceiveReport;
import qmig.tools.receiver.Receiver;
import qmig.tools.receiver.ReceiverConfig;

/** The receiver decodes with the limits it was given ({@code qmig receive --limit NAME=N}). */
class ReceiverLimitsTest {

    @Test
    void aTrailerAboveTheConfiguredLimitFailsTheMigrationTyped() throws Exception {
        ReceiverConfig cfg = ReceiverConfig.loopback(0).withLimits(Limits.DEFAULT.withMaxVmDescriptionBytes(16));
        try (Receiver r = Receiver.start(cfg, line -> { })) {
            EmbeddedChannel ch = new EmbeddedChannel(r.connectionHandler());
            //                 "QEVM"       version 3    EOF   VMDESCRIPTION  be32 length 1000
            byte[] b = {0x51, 0x45, 0x56, 0x4d, 0, 0, 0, 3, 0x00, 0x06, 0, 0, 0x03, (byte) 0xe8};
            ch.writeInbound(Unpooled.wrappedBuffer(b));
            ch.close();
            List<ReceiveReport> reps = r.awaitReports(1, 20, TimeUnit.SECONDS);
            ReceiveReport rep = reps.get(0);
            assertFalse(rep.completed());
            assertEquals(ReceiveError.Kind.BAD_STREAM, rep.errorKind(), rep::toText);
            assertTrue(rep.error().contains("VMDESCRIPTION length of 1000 exceeds the limit of 16")
                    && rep.error().contains("Limits.maxVmDescriptionBytes"), rep.error());
        }
    }
}
