package qmig.tools.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import qmig.tools.receiver.ReceiveError;
import qmig.tools.receiver.ReceiveReport;
import qmig.tools.receiver.Receiver;
import qmig.tools.receiver.ReceiverConfig;

/**
 * One connection into the receiver, fed through an {@link EmbeddedChannel} in fuzzer-chosen
 * splits, then closed. Whatever the bytes, the connection ends in a rejection or a report whose
 * error is typed: a report of kind {@link ReceiveError.Kind#INTERNAL} (a decoder exception
 * outside the StreamFormatException family) is a finding, and so is a main channel whose
 * loader has not reported 20 s after the connection closed.
 */
@org.junit.jupiter.api.Tag("fuzz")
class ReceiverFuzzTest {

    private static Receiver receiver;

    private static synchronized Receiver receiver() throws InterruptedException {
        if (receiver == null) {
            receiver = Receiver.start(ReceiverConfig.loopback(0).withMaxMigrations(4)
                    .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2)), line -> { });
        }
        return receiver;
    }

    @AfterAll
    static void stop() {
        if (receiver != null) {
            receiver.close();
            receiver = null;
        }
    }

    @FuzzTest
    void connection(FuzzedDataProvider in) throws Exception {
        Receiver r = receiver();
        int split = in.consumeInt(1, 1 << 16);
        byte[] data = in.consumeRemainingAsBytes();
        // counted, not the kept lists: a long fuzz run finishes far more than ReceiverConfig.keepRecent()
        Receiver.Counters before = r.counters();
        EmbeddedChannel ch = new EmbeddedChannel(r.connectionHandler());
        for (int i = 0; i < data.length && ch.isOpen(); i += split) {
            int at = i;
            if (!embedded(() -> ch.writeInbound(Unpooled.wrappedBuffer(data, at, Math.min(split, data.length - at))))
                    || !embedded(ch::runPendingTasks)) {
                break;
            }
        }
        embedded(ch::close);
        embedded(ch::runPendingTasks);
        boolean main = data.length >= 4 && data[0] == 0x51 && data[1] == 0x45 && data[2] == 0x56 && data[3] == 0x4d;
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!moved(r.counters(), before) && System.nanoTime() < deadline) {
            Thread.sleep(1);
            // no more EmbeddedChannel calls here: the loader thread may write its return path concurrently
            if (!main) {
                break; // multifd channels wait for a migration on the sniff timer; routing is all we fuzz there
            }
        }
        Receiver.Counters after = r.counters();
        if (main && !moved(after, before)) {
            throw new AssertionError("no report 20 s after the main channel closed (" + data.length + " bytes); "
                    + r.activeMigrations() + " active; threads:\n" + threads());
        }
        if (after.failed(ReceiveError.Kind.INTERNAL) > before.failed(ReceiveError.Kind.INTERNAL)) {
            List<ReceiveReport> kept = r.reports();
            String error = kept.stream().filter(x -> x.errorKind() == ReceiveError.Kind.INTERNAL)
                    .reduce((a, b) -> b).map(ReceiveReport::error).orElse("(report no longer kept)");
            throw new AssertionError("decoder failed outside the StreamFormatException family: " + error);
        }
    }

    private static boolean moved(Receiver.Counters now, Receiver.Counters before) {
        return now.migrations() != before.migrations() || now.rejected(null) != before.rejected(null);
    }

    private static String threads() {
        StringBuilder b = new StringBuilder();
        for (var en : Thread.getAllStackTraces().entrySet()) {
            if (!en.getKey().getName().startsWith("qmig-")) {
                continue;
            }
            b.append(en.getKey().getName()).append(' ').append(en.getKey().getState()).append('\n');
            for (StackTraceElement el : en.getValue()) {
                b.append("    at ").append(el).append('\n');
            }
        }
        return b.toString();
    }

    /**
     * Runs one call on the {@link EmbeddedChannel}. EmbeddedChannel is not thread-safe and the
     * receiver's loader thread writes its return path and closes the channel from its own
     * thread. An exception thrown by Netty's embedded event loop itself is the harness's race,
     * not the receiver's, and ends the feed; returns false then.
     */
    private static boolean embedded(Runnable call) {
        try {
            call.run();
            return true;
        } catch (Exception e) { // EmbeddedChannel throws ClosedChannelException without declaring it
            StackTraceElement[] st = e.getStackTrace();
            boolean netty = e instanceof java.nio.channels.ClosedChannelException
                    || (st.length > 0 && st[0].getClassName().startsWith("io.netty."));
            if (!netty) {
                if (e instanceof RuntimeException r) {
                    throw r;
                }
                throw new AssertionError(e);
            }
            return false;
        }
    }
}
