#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Recording TCP proxy / sink for multifd migrations (Python 3 standard library only).

Usage:
  multifd-proxy.py --listen PORT --out DIR --expect N [--forward PORT] [--timeout S]

Listens on 127.0.0.1:PORT.  Every accepted connection n (0, 1, ... in accept
order) is stored byte for byte as DIR/conn-<n>.bin.  With --forward, each
connection is relayed to 127.0.0.1:<forward port> (a real destination); the
upstream connection is opened *before* the next connection is accepted, so
the destination accepts them in the same order (QEMU 7.2 takes the first one
as the main channel).  Bytes coming back from the destination are relayed
too and counted.  Without --forward the proxy is a pure sink: it never sends
a byte.

It exits when N connections were accepted and each has reached EOF from the
source side (and, when forwarding, the destination side closed as well or 10 s
passed), or after --timeout seconds (exit 3).  It then writes DIR/index.json:
  {"forwarded": bool, "connections": [{"n", "file", "bytes", "first4",
   "kind": "main"|"multifd"|"other", "channel": id|null, "uuid": hex|null,
   "returned_bytes": n}]}
SIGTERM ends it at once (index written, exit 143).
"""
import json
import os
import signal
import socket
import sys
import threading
import time


def parse(argv):
    opts = {"--forward": None, "--timeout": "120"}
    i = 0
    while i < len(argv):
        if argv[i] in ("--listen", "--out", "--expect", "--forward", "--timeout"):
            opts[argv[i]] = argv[i + 1]
            i += 2
        else:
            sys.exit("unknown argument %s" % argv[i])
    for k in ("--listen", "--out", "--expect"):
        if k not in opts:
            sys.exit("missing %s" % k)
    return opts


class Conn:
    def __init__(self, n, sock, out_dir, upstream):
        self.n = n
        self.sock = sock
        self.upstream = upstream
        self.path = os.path.join(out_dir, "conn-%d.bin" % n)
        self.file = open(self.path, "wb")
        self.bytes = 0
        self.head = b""
        self.returned = 0
        self.src_eof = threading.Event()
        self.dst_eof = threading.Event()
        if upstream is None:
            self.dst_eof.set()

    def pump_in(self):
        try:
            while True:
                b = self.sock.recv(1 << 16)
                if not b:
                    break
                self.file.write(b)
                if len(self.head) < 64:
                    self.head += b[:64 - len(self.head)]
                self.bytes += len(b)
                if self.upstream is not None:
                    self.upstream.sendall(b)
        except OSError as e:
            print("conn %d: source side: %s" % (self.n, e), file=sys.stderr)
        finally:
            self.file.flush()
            self.file.close()
            if self.upstream is not None:
                try:
                    self.upstream.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
            self.src_eof.set()

    def pump_back(self):
        try:
            while True:
                b = self.upstream.recv(1 << 16)
                if not b:
                    break
                self.returned += len(b)
                self.sock.sendall(b)
        except OSError:
            pass
        finally:
            self.dst_eof.set()

    def describe(self):
        d = {"n": self.n, "file": os.path.basename(self.path), "bytes": self.bytes,
             "first4": self.head[:4].hex(), "kind": "other", "channel": None, "uuid": None,
             "returned_bytes": self.returned}
        if self.head[:4] == bytes.fromhex("5145564d"):
            d["kind"] = "main"
        elif self.head[:4] == bytes.fromhex("11223344") and len(self.head) >= 25:
            d["kind"] = "multifd"
            d["channel"] = self.head[24]
            d["uuid"] = self.head[8:24].hex()
        return d


def main():
    opts = parse(sys.argv[1:])
    out_dir = opts["--out"]
    expect = int(opts["--expect"])
    forward = int(opts["--forward"]) if opts["--forward"] else None
    deadline = time.monotonic() + float(opts["--timeout"])
    os.makedirs(out_dir, exist_ok=True)
    conns = []
    done = {"rc": None}

    def write_index():
        with open(os.path.join(out_dir, "index.json.part"), "w") as f:
            json.dump({"forwarded": forward is not None,
                       "connections": [c.describe() for c in conns]}, f, indent=1)
        os.replace(os.path.join(out_dir, "index.json.part"), os.path.join(out_dir, "index.json"))

    def on_term(signum, frame):
        write_index()
        os._exit(143)
    signal.signal(signal.SIGTERM, on_term)

    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", int(opts["--listen"])))
    srv.listen(16)
    srv.settimeout(0.2)
    print("PROXY LISTENING 127.0.0.1:%d" % srv.getsockname()[1], flush=True)

    while len(conns) < expect and time.monotonic() < deadline:
        try:
            s, _ = srv.accept()
        except socket.timeout:
            continue
        up = None
        if forward is not None:
            up = socket.create_connection(("127.0.0.1", forward), timeout=10)
            up.settimeout(None)
        c = Conn(len(conns), s, out_dir, up)
        conns.append(c)
        threading.Thread(target=c.pump_in, daemon=True).start()
        if up is not None:
            threading.Thread(target=c.pump_back, daemon=True).start()
    srv.close()

    rc = 0
    for c in conns:
        if not c.src_eof.wait(max(0.0, deadline - time.monotonic())):
            rc = 3
    grace = min(deadline, time.monotonic() + 10)
    for c in conns:
        c.dst_eof.wait(max(0.0, grace - time.monotonic()))
    if len(conns) < expect:
        rc = 3
    write_index()
    print("PROXY DONE connections=%d rc=%d" % (len(conns), rc), flush=True)
    sys.exit(rc)


if __name__ == "__main__":
    main()
