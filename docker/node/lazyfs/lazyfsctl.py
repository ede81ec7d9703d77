#!/usr/bin/env python3
"""
Talks to a running lazyfs.py:

    lazyfsctl.py [--control PATH] lose [--torn] [--seed N]   # power cut: drop every unsynced byte; prints JSON
    lazyfsctl.py [--control PATH] status                     # unsynced bytes per file; prints JSON
"""

import argparse
import json
import socket
import sys


def main(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--control", default="/run/splitbrain/lazyfs.sock")
    sub = p.add_subparsers(dest="cmd", required=True)
    lose = sub.add_parser("lose")
    lose.add_argument("--torn", action="store_true", help="keep a random prefix of each file's unsynced writes")
    lose.add_argument("--seed", type=int, default=None)
    sub.add_parser("status")
    a = p.parse_args(argv)
    req = {"cmd": a.cmd}
    if a.cmd == "lose":
        req.update(torn=a.torn, seed=a.seed)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(a.control)
    except OSError as e:
        print("lazyfsctl: cannot reach the lazy filesystem at %s: %s" % (a.control, e), file=sys.stderr)
        return 2
    s.sendall((json.dumps(req) + "\n").encode())
    data = b""
    while not data.endswith(b"\n"):
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    out = json.loads(data or b"{}")
    print(json.dumps(out))
    return 1 if "error" in out else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
