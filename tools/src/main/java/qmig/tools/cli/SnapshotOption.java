package qmig.tools.cli;

import picocli.CommandLine.Option;

/** {@code --snapshot ID|NAME}: which internal snapshot of a qcow2 image holds the stream to read. */
final class SnapshotOption {

    @Option(names = "--snapshot", paramLabel = "ID|NAME",
            description = "for a qcow2 image: the internal snapshot whose VM state to read, by id or name"
                    + " (default: the only snapshot with VM state, else the newest one)")
    String snapshot;
}
