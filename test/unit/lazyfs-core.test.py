"""
Semantics of the lazy filesystem (docker/node/lazyfs/lazycore.py), on a temporary directory: no FUSE, no Docker.
Run by test/unit/lazyfs.test.ts; alone: python3 test/unit/lazyfs-core.test.py
"""

import os
import random
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "docker", "node", "lazyfs"))
from lazycore import GRAVE, LazyStore  # noqa: E402


class Base(unittest.TestCase):
    strict = False

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.store = LazyStore(self.tmp.name, strict=self.strict)
        self.fds = []

    def tearDown(self):
        for fd in self.fds:
            try:
                os.close(fd)
            except OSError:
                pass
        self.tmp.cleanup()

    def create(self, path):
        fd = os.open(self.store.real(path), os.O_RDWR | os.O_CREAT, 0o644)
        self.store.created(path)
        self.fds.append(fd)
        return fd

    def open(self, path):
        fd = os.open(self.store.real(path), os.O_RDWR)
        self.fds.append(fd)
        return fd

    def append(self, fd, data):
        return self.store.write(fd, data, os.fstat(fd).st_size)

    def content(self, path):
        with open(self.store.real(path), "rb") as f:
            return f.read()

    def exists(self, path):
        return os.path.lexists(self.store.real(path))


class DataTest(Base):
    def test_reads_see_unsynced_writes(self):
        fd = self.create("/f")
        self.append(fd, b"abc")
        self.assertEqual(os.pread(fd, 10, 0), b"abc")

    def test_power_loss_drops_exactly_the_unsynced_tail(self):
        fd = self.create("/aof")
        self.append(fd, b"SET a 1\n")
        self.store.fsync(fd)
        self.append(fd, b"SET b 2\n")
        self.append(fd, b"SET c 3\n")
        report = self.store.lose()
        self.assertEqual(self.content("/aof"), b"SET a 1\n")
        self.assertEqual(report["discardedBytes"], 16)
        self.assertEqual(report["files"], [{"path": "/aof", "discardedBytes": 16, "keptBytes": 0}])

    def test_synced_file_loses_nothing(self):
        fd = self.create("/f")
        self.append(fd, b"x" * 1000)
        self.store.fsync(fd)
        report = self.store.lose()
        self.assertEqual(self.content("/f"), b"x" * 1000)
        self.assertEqual(report["discardedBytes"], 0)
        self.assertEqual(report["files"], [])

    def test_overwrites_revert_to_the_durable_bytes(self):
        fd = self.create("/f")
        self.append(fd, b"0123456789")
        self.store.fsync(fd)
        self.store.write(fd, b"AB", 2)
        self.store.write(fd, b"XYZ", 1)
        self.store.write(fd, b"tail", 10)
        self.assertEqual(self.content("/f"), b"0XYZ456789tail")
        self.store.lose()
        self.assertEqual(self.content("/f"), b"0123456789")

    def test_fsync_is_per_file(self):
        a, b = self.create("/a"), self.create("/b")
        self.append(a, b"aaa")
        self.append(b, b"bbb")
        self.store.fsync(a)
        self.store.lose()
        self.assertEqual(self.content("/a"), b"aaa")
        self.assertEqual(self.content("/b"), b"")

    def test_pending_reports_unsynced_bytes_per_file(self):
        fd = self.create("/f")
        self.append(fd, b"12345")
        self.assertEqual(self.store.pending()["files"], {"/f": 5})
        self.store.fsync(fd)
        self.assertEqual(self.store.pending()["files"], {})

    def test_a_renamed_file_keeps_its_unsynced_state(self):
        fd = self.create("/tmp-1")
        self.append(fd, b"snapshot")
        self.store.rename("/tmp-1", "/dump.rdb")
        report = self.store.lose()
        self.assertEqual(self.content("/dump.rdb"), b"")
        self.assertEqual(report["files"][0]["path"], "/dump.rdb")


class TornTest(Base):
    def test_torn_tail_keeps_a_prefix_of_the_unsynced_writes_in_order(self):
        writes = [b"one;", b"two-two;", b"three-three-three;"]
        unsynced = b"".join(writes)
        seen = set()
        for seed in range(40):
            path = "/aof-%d" % seed
            fd = self.create(path)
            self.append(fd, b"durable;")
            self.store.fsync(fd)
            for w in writes:
                self.append(fd, w)
            report = self.store.lose(torn=True, rng=random.Random(seed))
            kept = report["keptBytes"]
            self.assertEqual(self.content(path), b"durable;" + unsynced[:kept])
            self.assertEqual(report["discardedBytes"] + kept, len(unsynced))
            seen.add(kept)
        # A torn write is not all-or-nothing: cuts land inside writes too.
        self.assertTrue(any(k not in (0, 4, 12, 30) for k in seen), seen)

    def test_torn_overwrite_keeps_the_new_prefix_and_the_old_suffix(self):
        fd = self.create("/f")
        self.append(fd, b"aaaaaaaa")
        self.store.fsync(fd)
        self.store.write(fd, b"BBBBBBBBBB", 0)

        class Fixed:
            def randint(self, lo, hi):
                return 3

        report = self.store.lose(torn=True, rng=Fixed())
        self.assertEqual(self.content("/f"), b"BBBaaaaa")
        self.assertEqual(report["keptBytes"], 3)
        self.assertEqual(report["discardedBytes"], 7)


class EagerMetadataTest(Base):
    def test_create_unlink_rename_are_durable_at_once(self):
        self.create("/new")
        fd = self.create("/old")
        self.append(fd, b"x")
        self.store.fsync(fd)
        self.store.rename("/old", "/moved")
        self.create("/gone")
        self.store.unlink("/gone")
        report = self.store.lose()
        self.assertTrue(self.exists("/new"))
        self.assertTrue(self.exists("/moved"))
        self.assertFalse(self.exists("/old"))
        self.assertFalse(self.exists("/gone"))
        self.assertEqual(report["namesUndone"], [])

    def test_truncate_is_durable_at_once_even_over_unsynced_writes(self):
        fd = self.create("/f")
        self.append(fd, b"0123456789")
        self.store.fsync(fd)
        self.append(fd, b"unsynced")
        self.store.truncate_fd(fd, 4)
        self.append(fd, b"later")
        self.store.lose()
        self.assertEqual(self.content("/f"), b"0123")


class StrictMetadataTest(Base):
    strict = True

    def test_a_created_file_vanishes_unless_its_directory_was_fsynced(self):
        fd = self.create("/a")
        self.append(fd, b"data")
        self.store.fsync(fd)  # the data is durable, the name is not
        report = self.store.lose()
        self.assertFalse(self.exists("/a"))
        self.assertEqual(report["namesUndone"], ["create /a"])
        self.assertEqual(report["files"], [{"path": "/a", "discardedBytes": 4, "keptBytes": 0, "removed": True}])

    def test_directory_fsync_makes_the_name_durable(self):
        fd = self.create("/a")
        self.append(fd, b"data")
        self.store.fsync(fd)
        self.store.fsyncdir("/")
        self.store.lose()
        self.assertEqual(self.content("/a"), b"data")

    def test_rename_over_a_file_is_undone_until_the_directory_is_fsynced(self):
        fd = self.create("/manifest")
        self.append(fd, b"v1")
        self.store.fsync(fd)
        self.store.fsyncdir("/")
        t = self.create("/manifest.tmp")
        self.append(t, b"v2")
        self.store.fsync(t)
        self.store.rename("/manifest.tmp", "/manifest")
        self.assertEqual(self.content("/manifest"), b"v2")
        report = self.store.lose()
        self.assertEqual(self.content("/manifest"), b"v1")
        self.assertFalse(self.exists("/manifest.tmp"))
        self.assertEqual(report["namesUndone"], ["rename /manifest.tmp -> /manifest", "create /manifest.tmp"])

    def test_rename_then_directory_fsync_survives(self):
        fd = self.create("/manifest")
        self.append(fd, b"v1")
        self.store.fsync(fd)
        self.store.fsyncdir("/")
        t = self.create("/manifest.tmp")
        self.append(t, b"v2")
        self.store.fsync(t)
        self.store.rename("/manifest.tmp", "/manifest")
        self.store.fsyncdir("/")
        self.store.lose()
        self.assertEqual(self.content("/manifest"), b"v2")
        self.assertEqual(os.listdir(os.path.join(self.tmp.name, GRAVE)), [])

    def test_unlink_is_undone_until_the_directory_is_fsynced(self):
        fd = self.create("/f")
        self.append(fd, b"keep me")
        self.store.fsync(fd)
        self.store.fsyncdir("/")
        self.store.unlink("/f")
        self.assertFalse(self.exists("/f"))
        self.store.lose()
        self.assertEqual(self.content("/f"), b"keep me")

    def test_directory_fsync_is_per_directory(self):
        self.store.mkdir("/d", 0o755)
        self.store.fsyncdir("/")
        self.create("/d/x")
        self.store.fsyncdir("/")  # not the directory holding x
        self.store.lose()
        self.assertTrue(self.exists("/d"))
        self.assertFalse(self.exists("/d/x"))

    def test_truncate_is_pending_until_the_file_is_fsynced(self):
        fd = self.create("/f")
        self.append(fd, b"0123456789")
        self.store.fsync(fd)
        self.store.fsyncdir("/")
        self.store.truncate_fd(fd, 2)
        self.store.lose()
        self.assertEqual(self.content("/f"), b"0123456789")


if __name__ == "__main__":
    unittest.main(verbosity=1)
