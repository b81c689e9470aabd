package qmig.vfio.blocker;

import java.util.List;

/**
 * The outcome: {@code blockers} in the order QEMU adds them (empty = migration allowed),
 * {@code warnings}, and {@code realizeFails} when {@code enable-migration=on} turns a would-be
 * blocker into a device realize failure (8.1+).
 */
public record Verdict(List<String> blockers, List<String> warnings, boolean realizeFails) {

    public Verdict {
        blockers = List.copyOf(blockers);
        warnings = List.copyOf(warnings);
    }

    public boolean allowed() {
        return blockers.isEmpty() && !realizeFails;
    }

    /** The text QMP {@code migrate} fails with: the first blocker. */
    public String text() {
        return blockers.isEmpty() ? null : blockers.get(0);
    }
}
