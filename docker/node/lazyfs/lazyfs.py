#!/usr/bin/env python3
"""
splitbrain's lazy filesystem: a FUSE mount whose unsynced writes can be lost on command, like a power cut.

    lazyfs.py --backing /durable --mount /data --control /run/splitbrain/lazyfs.sock [--strict-metadata]

The semantics live in lazycore.py; this file maps FUSE calls onto them and serves the control socket that
lazyfsctl.py talks to. Mounted with direct_io and zero attribute/entry timeouts, so the kernel caches nothing that a
power loss could leave stale: after one, a restarted database reads exactly what survived.
"""

import argparse
import errno
import json
import os
import random
import socket
import socketserver
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lazycore import LazyStore  # noqa: E402

from fusepy import FUSE, FuseOSError, Operations  # noqa: E402


class LazyFs(Operations):
    def __init__(self, store):
        self.store = store
        # One lock for everything: a power loss must never interleave with a write half-way through its undo record.
        self.lock = threading.Lock()

    def _real(self, path):
        if self.store.hidden(path):
            raise FuseOSError(errno.ENOENT)
        return self.store.real(path)

    # -- attributes and directories ----------------------------------------------------------------------------------

    def getattr(self, path, fh=None):
        st = os.fstat(fh) if fh is not None else os.lstat(self._real(path))
        keys = ("st_mode", "st_nlink", "st_uid", "st_gid", "st_size", "st_atime", "st_mtime", "st_ctime", "st_ino")
        return {k: getattr(st, k) for k in keys}

    def readdir(self, path, fh):
        names = os.listdir(self._real(path))
        if path == "/":
            names = [n for n in names if not self.store.hidden("/" + n)]
        return [".", ".."] + names

    def access(self, path, amode):
        if not os.access(self._real(path), amode):
            raise FuseOSError(errno.EACCES)

    def chmod(self, path, mode):
        os.chmod(self._real(path), mode)

    def chown(self, path, uid, gid):
        os.chown(self._real(path), uid, gid)

    def utimens(self, path, times=None):
        os.utime(self._real(path), times)

    def statfs(self, path):
        sv = os.statvfs(self._real(path))
        keys = ("f_bavail", "f_bfree", "f_blocks", "f_bsize", "f_favail", "f_ffree", "f_files", "f_flag", "f_frsize", "f_namemax")
        return {k: getattr(sv, k) for k in keys}

    def readlink(self, path):
        return os.readlink(self._real(path))

    def symlink(self, target, source):
        with self.lock:
            os.symlink(source, self._real(target))
            self.store.created(target)

    def mkdir(self, path, mode):
        with self.lock:
            self._real(path)
            self.store.mkdir(path, mode)

    def rmdir(self, path):
        with self.lock:
            self._real(path)
            self.store.rmdir(path)

    def unlink(self, path):
        with self.lock:
            self._real(path)
            self.store.unlink(path)

    def rename(self, old, new):
        with self.lock:
            self._real(old)
            self._real(new)
            self.store.rename(old, new)

    def fsyncdir(self, path, datasync, fh):
        with self.lock:
            self.store.fsyncdir(path)
        return 0

    # -- files -------------------------------------------------------------------------------------------------------

    def open(self, path, flags):
        real = self._real(path)
        with self.lock:
            # The kernel supplies every write's offset (O_APPEND included), and undo records need to read what a
            # write replaces: so the backing file is opened read-write, never appending.
            keep = flags & ~(os.O_TRUNC | os.O_APPEND | os.O_CREAT | os.O_EXCL | os.O_ACCMODE)
            fd = os.open(real, keep | (os.O_RDONLY if flags & os.O_ACCMODE == os.O_RDONLY else os.O_RDWR))
            if flags & os.O_TRUNC:
                self.store.truncate_fd(fd, 0)
            return fd

    def create(self, path, mode, fi=None):
        real = self._real(path)
        with self.lock:
            existed = os.path.lexists(real)
            fd = os.open(real, os.O_RDWR | os.O_CREAT, mode)
            if existed:
                self.store.truncate_fd(fd, 0)
            else:
                self.store.created(path)
            return fd

    def read(self, path, size, offset, fh):
        return os.pread(fh, size, offset)

    def write(self, path, data, offset, fh):
        with self.lock:
            return self.store.write(fh, data, offset)

    def truncate(self, path, length, fh=None):
        with self.lock:
            if fh is not None:
                self.store.truncate_fd(fh, length)
            else:
                self._real(path)
                self.store.truncate(path, length)

    def flush(self, path, fh):
        return 0

    def release(self, path, fh):
        os.close(fh)
        return 0

    def fsync(self, path, datasync, fh):
        with self.lock:
            self.store.fsync(fh)
        return 0


def serve_control(fs, path):
    """One JSON request per connection: {"cmd": "lose", "torn": bool, "seed": int} or {"cmd": "status"}."""

    class Handler(socketserver.StreamRequestHandler):
        def handle(self):
            try:
                req = json.loads(self.rfile.readline() or b"{}")
                with fs.lock:
                    if req.get("cmd") == "lose":
                        seed = req.get("seed")
                        rng = random.Random(seed) if req.get("torn") else None
                        out = fs.store.lose(torn=bool(req.get("torn")), rng=rng)
                    elif req.get("cmd") == "status":
                        out = fs.store.pending()
                    else:
                        out = {"error": "unknown command %r (use lose or status)" % req.get("cmd")}
            except Exception as e:  # the answer is the only place the caller can see it
                out = {"error": "%s: %s" % (type(e).__name__, e)}
            self.wfile.write((json.dumps(out) + "\n").encode())

    if os.path.exists(path):
        os.unlink(path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    server = socketserver.ThreadingUnixStreamServer(path, Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()


def main(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--backing", required=True, help="the real directory (what survives lives here)")
    p.add_argument("--mount", required=True, help="where the lazy view is mounted")
    p.add_argument("--control", required=True, help="Unix socket for lazyfsctl.py")
    p.add_argument("--strict-metadata", action="store_true", help="name changes durable only after a directory fsync")
    a = p.parse_args(argv)
    store = LazyStore(a.backing, strict=a.strict_metadata)
    fs = LazyFs(store)
    serve_control(fs, a.control)
    FUSE(
        fs,
        a.mount,
        foreground=True,
        nothreads=False,
        allow_other=True,
        default_permissions=True,
        direct_io=True,
        big_writes=True,
        max_write=131072,
        attr_timeout=0,
        entry_timeout=0,
        negative_timeout=0,
        fsname="lazyfs",
    )


if __name__ == "__main__":
    main(sys.argv[1:])
