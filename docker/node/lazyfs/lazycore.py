"""
The semantics of splitbrain's lazy filesystem, without FUSE, so they can be tested on any machine.

The backing directory always holds what a reader would see (every write lands there at once, so reads and writes
cost one system call each). What a power cut would leave is kept implicitly as an undo log: for every change not yet
made durable, the bytes and size it replaced. fsync/fdatasync of a file forgets that file's log (its contents are now
durable); a power loss replays the logs backwards, so every file reverts to what was last made durable.

Metadata (create, unlink, rename, mkdir, rmdir, truncate) is durable at once by default. With strict=True it follows
what POSIX actually promises: a name change is durable only once the directory holding the name is fsynced (both
directories for a rename across directories), and a truncate is pending like a write until the file is fsynced.
"""

import os
import shutil
import stat as statmod

GRAVE = ".lazyfs-grave"


class Change:
    """One pending change to a file: a write of `length` bytes at `offset`, or a truncate to `offset`."""

    __slots__ = ("kind", "offset", "length", "old_bytes", "old_size", "durable")

    def __init__(self, kind, offset, length, old_bytes, old_size, durable=False):
        self.kind = kind
        self.offset = offset
        self.length = length
        self.old_bytes = old_bytes
        self.old_size = old_size
        # An eager-metadata truncate: kept in the log only so that undoing earlier writes cannot resurrect its bytes.
        self.durable = durable


class NameChange:
    """One pending namespace change (strict mode) and the directories that must be fsynced to make it durable."""

    __slots__ = ("kind", "path", "other", "grave", "mode", "waiting_on")

    def __init__(self, kind, path, waiting_on, other=None, grave=None, mode=0o755):
        self.kind = kind
        self.path = path
        self.other = other
        self.grave = grave
        self.mode = mode
        self.waiting_on = set(waiting_on)


def parent(path):
    p = os.path.dirname(path.rstrip("/")) or "/"
    return p


class LazyStore:
    """Paths are as FUSE passes them ("/appendonly.aof"); `backing` is the real directory underneath."""

    def __init__(self, backing, strict=False):
        self.backing = os.path.abspath(backing)
        self.strict = strict
        self.logs = {}  # inode -> [Change]
        self.names = []  # [NameChange], strict mode only
        self.grave_seq = 0
        os.makedirs(self.grave_dir(), exist_ok=True)

    # -- paths -------------------------------------------------------------------------------------------------------

    def real(self, path):
        return os.path.join(self.backing, path.lstrip("/"))

    def grave_dir(self):
        return os.path.join(self.backing, GRAVE)

    def hidden(self, path):
        return path.lstrip("/").split("/")[0] == GRAVE

    # -- data --------------------------------------------------------------------------------------------------------

    def write(self, fd, data, offset):
        st = os.fstat(fd)
        old_size = st.st_size
        old_bytes = b""
        if offset < old_size:
            old_bytes = os.pread(fd, min(len(data), old_size - offset), offset)
        n = os.pwrite(fd, data, offset)
        if n < len(data):
            # A short write changed only the first n bytes; remember exactly those.
            old_bytes = old_bytes[:n]
        self.logs.setdefault(st.st_ino, []).append(Change("w", offset, n, old_bytes, old_size))
        return n

    def truncate_fd(self, fd, length):
        st = os.fstat(fd)
        old_size = st.st_size
        old_bytes = os.pread(fd, old_size - length, length) if length < old_size else b""
        os.ftruncate(fd, length)
        log = self.logs.get(st.st_ino)
        if self.strict:
            self.logs.setdefault(st.st_ino, []).append(Change("t", length, 0, old_bytes, old_size))
        elif log:
            self.logs[st.st_ino].append(Change("t", length, 0, b"", old_size, durable=True))

    def truncate(self, path, length):
        fd = os.open(self.real(path), os.O_RDWR)
        try:
            self.truncate_fd(fd, length)
        finally:
            os.close(fd)

    def fsync(self, fd):
        """fsync and fdatasync alike: every pending change of this file becomes durable."""
        self.logs.pop(os.fstat(fd).st_ino, None)

    # -- namespace ---------------------------------------------------------------------------------------------------

    def created(self, path):
        if self.strict:
            self.names.append(NameChange("create", path, [parent(path)]))

    def mkdir(self, path, mode):
        os.mkdir(self.real(path), mode)
        if self.strict:
            self.names.append(NameChange("mkdir", path, [parent(path)], mode=mode))

    def rmdir(self, path):
        mode = statmod.S_IMODE(os.lstat(self.real(path)).st_mode)
        os.rmdir(self.real(path))
        if self.strict:
            self.names.append(NameChange("rmdir", path, [parent(path)], mode=mode))

    def _bury(self, real):
        """Moves a file out of sight but keeps it, so a strict-mode power loss can bring the name back."""
        self.grave_seq += 1
        grave = os.path.join(self.grave_dir(), str(self.grave_seq))
        os.rename(real, grave)
        return grave

    def unlink(self, path):
        real = self.real(path)
        if not self.strict:
            self.logs.pop(os.lstat(real).st_ino, None)
            os.unlink(real)
            return
        self.names.append(NameChange("unlink", path, [parent(path)], grave=self._bury(real)))

    def rename(self, old, new):
        old_real, new_real = self.real(old), self.real(new)
        if not self.strict:
            if os.path.lexists(new_real) and not os.path.isdir(new_real):
                self.logs.pop(os.lstat(new_real).st_ino, None)
            os.rename(old_real, new_real)
            return
        grave = None
        if os.path.lexists(new_real) and not os.path.isdir(new_real):
            grave = self._bury(new_real)
        os.rename(old_real, new_real)
        self.names.append(NameChange("rename", new, {parent(old), parent(new)}, other=old, grave=grave))

    def fsyncdir(self, path):
        if not self.strict:
            return
        d = "/" + path.strip("/") if path.strip("/") else "/"
        keep = []
        for n in self.names:
            n.waiting_on.discard(d)
            if n.waiting_on:
                keep.append(n)
            elif n.grave is not None:
                # The name that pointed at it is durably gone: so is the file, once nothing holds it open.
                self._remove(n.grave)
        self.names = keep

    # -- power loss --------------------------------------------------------------------------------------------------

    def pending(self):
        """Unsynced bytes per file (paths as the mount shows them) and namespace changes not yet durable."""
        paths = self._paths_by_inode()
        files = {}
        for ino, log in self.logs.items():
            n = sum(c.length for c in log if c.kind == "w")
            if n > 0 or any(c.kind == "t" and not c.durable for c in log):
                files[paths.get(ino, "(unlinked inode %d)" % ino)] = n
        return {"files": files, "names": [self._describe(n) for n in self.names], "strict": self.strict}

    def lose(self, torn=False, rng=None):
        """
        The power cut: every file reverts to its durable image, and in strict mode every name change since its
        directory's last fsync is undone. With torn=True each file keeps a random prefix of its unsynced writes (in
        the order they were written), the way a disk may persist part of an in-flight write. Returns what was lost.
        """
        names_undone = []
        removed = {}
        for n in reversed(self.names):
            names_undone.append(self._describe(n))
            self._undo_name(n, removed)
        self.names = []

        paths = self._paths_by_inode()
        files = []
        for ino, log in self.logs.items():
            path = paths.get(ino)
            if path is None:
                continue  # unlinked for good (eager mode) or removed by an undone create: counted below
            pending = sum(c.length for c in log if c.kind == "w" and not c.durable)
            keep = rng.randint(0, pending) if (torn and rng is not None and pending > 0) else 0
            discarded, kept = self._revert(self.real(path), log, keep)
            if discarded > 0 or kept > 0 or any(c.kind == "t" and not c.durable for c in log):
                files.append({"path": path, "discardedBytes": discarded, "keptBytes": kept})
        for path, size in removed.items():
            files.append({"path": path, "discardedBytes": size, "keptBytes": 0, "removed": True})
        self.logs = {}
        shutil.rmtree(self.grave_dir(), ignore_errors=True)
        os.makedirs(self.grave_dir(), exist_ok=True)
        files.sort(key=lambda f: f["path"])
        return {
            "discardedBytes": sum(f["discardedBytes"] for f in files),
            "keptBytes": sum(f["keptBytes"] for f in files),
            "files": files,
            "namesUndone": names_undone,
            "torn": bool(torn),
            "strict": self.strict,
        }

    def _revert(self, real, log, keep):
        """Undoes a file's changes after the first `keep` unsynced bytes; returns (bytes discarded, bytes kept)."""
        fd = os.open(real, os.O_RDWR)
        try:
            # Which changes survive: writes (and strict truncates) up to the cut; the write the cut falls in, partly.
            cut, partial, seen = len(log), 0, 0
            for i, c in enumerate(log):
                if c.durable:
                    continue
                if c.kind == "w":
                    if seen + c.length > keep:
                        cut, partial = i, keep - seen
                        break
                    seen += c.length
                elif keep <= seen:
                    cut = i
                    break
            discarded = 0
            for c in reversed(log[cut + 1:]):
                if not c.durable:
                    discarded += self._undo(fd, c)
            c = log[cut] if cut < len(log) else None
            if c is not None and not c.durable:
                if c.kind == "w" and partial > 0:
                    os.ftruncate(fd, max(c.old_size, c.offset + partial))
                    if len(c.old_bytes) > partial:
                        os.pwrite(fd, c.old_bytes[partial:], c.offset + partial)
                    discarded += c.length - partial
                else:
                    discarded += self._undo(fd, c)
            # Eager truncates happened durably: redo them on the image the undo produced.
            for d in log[cut:]:
                if d.durable:
                    os.ftruncate(fd, d.offset)
            return discarded, min(keep, seen + partial)
        finally:
            os.close(fd)

    @staticmethod
    def _undo(fd, c):
        os.ftruncate(fd, c.old_size)
        if c.old_bytes:
            os.pwrite(fd, c.old_bytes, c.offset)
        return c.length if c.kind == "w" else 0

    def _undo_name(self, n, removed):
        real = self.real(n.path)
        if n.kind in ("create", "mkdir"):
            if os.path.isdir(real) and not os.path.islink(real):
                removed.update(self._sizes_under(n.path))
                shutil.rmtree(real, ignore_errors=True)
            elif os.path.lexists(real):
                st = os.lstat(real)
                self.logs.pop(st.st_ino, None)
                removed[n.path] = st.st_size
                os.unlink(real)
        elif n.kind == "rmdir":
            os.makedirs(real, mode=n.mode, exist_ok=True)
        elif n.kind == "unlink":
            if n.grave and os.path.lexists(n.grave):
                os.rename(n.grave, real)
        elif n.kind == "rename":
            if os.path.lexists(real):
                os.rename(real, self.real(n.other))
            if n.grave and os.path.lexists(n.grave):
                os.rename(n.grave, real)

    def _sizes_under(self, path):
        out = {}
        for root, _dirs, files in os.walk(self.real(path)):
            for f in files:
                full = os.path.join(root, f)
                st = os.lstat(full)
                self.logs.pop(st.st_ino, None)
                out["/" + os.path.relpath(full, self.backing)] = st.st_size
        return out

    def _paths_by_inode(self):
        out = {}
        for root, dirs, files in os.walk(self.backing):
            if root == self.backing and GRAVE in dirs:
                dirs.remove(GRAVE)
            for f in files:
                full = os.path.join(root, f)
                out.setdefault(os.lstat(full).st_ino, "/" + os.path.relpath(full, self.backing))
        return out

    @staticmethod
    def _remove(real):
        try:
            if os.path.isdir(real) and not os.path.islink(real):
                shutil.rmtree(real)
            else:
                os.unlink(real)
        except FileNotFoundError:
            pass

    @staticmethod
    def _describe(n):
        if n.kind == "rename":
            return "rename %s -> %s" % (n.other, n.path)
        return "%s %s" % (n.kind, n.path)
