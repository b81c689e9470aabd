#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Time only the page walk of testdata/scripts/vtd-walk.py on one stream.

Usage: vtd-walk-timer.py FILE

vtd-walk.py does not report its own timings, so this imports it and wraps its walk function,
walk_sl(ram, table, level, iova_base, out, aw_mask), which main() calls once per device with a
present, translated context. The wrapper times the outermost calls only (walk_sl recurses
through the module global, i.e. through the wrapper) and sums them; stream parsing, the context
scan and the JSON output are excluded. main() runs as `vtd-walk.py FILE --json` with its output
discarded. Prints `walk_s SECONDS`, `walk_calls N` and `walk_mappings N`.
"""
import contextlib
import importlib.util
import io
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "testdata", "scripts", "vtd-walk.py")


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    spec = importlib.util.spec_from_file_location("vtd_walk", SCRIPT)
    vw = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(vw)
    inner = vw.walk_sl
    state = {"depth": 0, "s": 0.0, "calls": 0, "leaves": 0}

    def timed(ram, table, level, iova_base, out, aw_mask):
        if state["depth"]:
            return inner(ram, table, level, iova_base, out, aw_mask)
        state["depth"] = 1
        before = len(out)
        t = time.perf_counter()
        try:
            return inner(ram, table, level, iova_base, out, aw_mask)
        finally:
            state["s"] += time.perf_counter() - t
            state["depth"] = 0
            state["calls"] += 1
            state["leaves"] += len(out) - before

    vw.walk_sl = timed
    sys.argv = [SCRIPT, sys.argv[1], "--json"]
    with contextlib.redirect_stdout(io.StringIO()):
        rc = vw.main()
    if rc:
        return rc
    print("walk_s %.6f" % state["s"])
    print("walk_calls %d" % state["calls"])
    print("walk_mappings %d" % state["leaves"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
