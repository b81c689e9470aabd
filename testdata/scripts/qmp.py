#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Minimal QMP client (Python 3 standard library only) for driving a QEMU
started with  -qmp unix:SOCKET,server=on,wait=off

Usage:
  qmp.py SOCK wait-socket [--timeout S]        wait until SOCK accepts QMP
  qmp.py SOCK cmd NAME [JSON-ARGS]             run one QMP command, print its
                                               "return" as JSON
  qmp.py SOCK hmp 'info migrate'               run an HMP command, print text
  qmp.py SOCK migrate URI [--cap NAME=on|off]... [--param NAME=VALUE]...
                          [--postcopy] [--timeout S]
                                               (source side) set capabilities
                                               and parameters, start the
                                               migration, poll query-migrate
                                               until it ends; print a JSON
                                               summary; exit 0 only when the
                                               status is "completed"; with
                                               --postcopy, migrate-start-postcopy
                                               is sent right after migrate
  qmp.py SOCK wait-migration [--timeout S]     poll query-migrate until
                                               completed/failed/cancelled
                                               (works on source or
                                               destination); print the final
                                               query-migrate + query-status
  qmp.py SOCK wait-status STATUS [--timeout S] poll query-status until its
                                               "status" equals STATUS

--param values that look like integers or true/false are sent as JSON
numbers/booleans, everything else as strings.
Exit status: 0 ok, 1 QMP error / failed migration, 2 usage, 3 timeout,
4 cannot connect.
"""
import json
import os
import socket
import sys
import time


class QMPError(Exception):
    pass


class QMP:
    def __init__(self, path, timeout=30.0):
        deadline = time.monotonic() + timeout
        last = None
        while True:
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(path)
                break
            except OSError as e:  # not there yet / not listening yet
                s.close()
                last = e
                if time.monotonic() > deadline:
                    raise ConnectionError("cannot connect to %s: %s" % (path, last))
                time.sleep(0.05)
        self.sock = s
        self.sock.settimeout(None)
        self.buf = b""
        self.events = []
        self.next_id = 0
        greeting = self._read()
        if "QMP" not in greeting:
            raise QMPError("unexpected greeting: %r" % greeting)
        self.greeting = greeting
        self.cmd("qmp_capabilities")

    def _read(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("QMP socket closed by QEMU")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def cmd(self, name, args=None):
        self.next_id += 1
        msg = {"execute": name, "id": self.next_id}
        if args:
            msg["arguments"] = args
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            r = self._read()
            if "event" in r:
                self.events.append(r)
                continue
            if r.get("id") != self.next_id:
                continue
            if "error" in r:
                raise QMPError("%s: %s: %s" % (name, r["error"].get("class"),
                                               r["error"].get("desc")))
            return r.get("return")

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def parse_value(v):
    if v in ("true", "on"):
        return True
    if v in ("false", "off"):
        return False
    try:
        return int(v)
    except ValueError:
        return v


def take_opt(argv, name, default=None, multi=False):
    """Remove '--name VALUE' occurrences from argv."""
    vals = []
    while name in argv:
        i = argv.index(name)
        if i + 1 >= len(argv):
            raise SystemExit("missing value for %s" % name)
        vals.append(argv[i + 1])
        del argv[i:i + 2]
    if multi:
        return vals
    return vals[-1] if vals else default


def wait_migration(q, timeout, poll=0.05):
    deadline = time.monotonic() + timeout
    while True:
        info = q.cmd("query-migrate")
        st = info.get("status")
        if st in ("completed", "failed", "cancelled"):
            return info
        if time.monotonic() > deadline:
            info["lab-timeout"] = True
            return info
        time.sleep(poll)


def main():
    argv = sys.argv[1:]
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    timeout = float(take_opt(argv, "--timeout", "600"))
    caps = take_opt(argv, "--cap", multi=True)
    params = take_opt(argv, "--param", multi=True)
    postcopy = "--postcopy" in argv
    if postcopy:
        argv.remove("--postcopy")
    path, verb, rest = argv[0], argv[1], argv[2:]
    try:
        # only wait-socket waits for QEMU to appear; other verbs fail fast
        q = QMP(path, timeout=timeout if verb == "wait-socket" else 2.0)
    except (ConnectionError, OSError) as e:
        print("qmp.py: %s" % e, file=sys.stderr)
        return 4
    try:
        if verb == "wait-socket":
            print(json.dumps(q.greeting["QMP"]["version"]))
            return 0
        if verb == "cmd":
            args = json.loads(rest[1]) if len(rest) > 1 else None
            print(json.dumps(q.cmd(rest[0], args), indent=1))
            return 0
        if verb == "hmp":
            out = q.cmd("human-monitor-command", {"command-line": " ".join(rest)})
            sys.stdout.write(out)
            return 0
        if verb == "wait-status":
            deadline = time.monotonic() + timeout
            while True:
                st = q.cmd("query-status")
                if st.get("status") == rest[0]:
                    print(json.dumps(st))
                    return 0
                if time.monotonic() > deadline:
                    print(json.dumps(st))
                    return 3
                time.sleep(0.1)
        if verb == "wait-migration":
            info = wait_migration(q, timeout)
            info["vm-status"] = q.cmd("query-status").get("status")
            print(json.dumps(info, indent=1))
            if info.get("lab-timeout"):
                return 3
            return 0 if info.get("status") == "completed" else 1
        if verb == "migrate":
            if caps:
                q.cmd("migrate-set-capabilities", {"capabilities": [
                    {"capability": c.split("=")[0],
                     "state": parse_value(c.split("=", 1)[1])} for c in caps]})
            if params:
                q.cmd("migrate-set-parameters",
                      {p.split("=")[0]: parse_value(p.split("=", 1)[1]) for p in params})
            t0 = time.monotonic()
            q.cmd("migrate", {"uri": rest[0]})
            if postcopy:
                q.cmd("migrate-start-postcopy")
            info = wait_migration(q, timeout, poll=0.02)
            wall = time.monotonic() - t0
            info["lab-wall-seconds"] = round(wall, 3)
            ram = info.get("ram", {})
            if ram.get("total") and wall > 0:
                info["lab-total-MBps-wall"] = round(ram.get("transferred", 0) / wall / 1e6, 1)
            info["vm-status"] = q.cmd("query-status").get("status")
            print(json.dumps(info, indent=1))
            if info.get("lab-timeout"):
                return 3
            return 0 if info.get("status") == "completed" else 1
        print("unknown verb %r" % verb, file=sys.stderr)
        return 2
    except QMPError as e:
        print("qmp.py: QMP error: %s" % e, file=sys.stderr)
        return 1
    except ConnectionError as e:
        print("qmp.py: %s" % e, file=sys.stderr)
        return 4
    finally:
        q.close()


if __name__ == "__main__":
    sys.exit(main())
