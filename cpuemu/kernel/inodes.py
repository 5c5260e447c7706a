"""What stat says about a sandbox file: the sandbox's own device, inode numbers and times,
so two runs of one program (two engines in `cpuemu diff`, a rerun) see the same values.

Inode numbers count from 2 (the root) in the order the guest first meets each file.
Times are a logical clock: every file starts at EPOCH, and each time a stat finds that a
file's host modification or change time moved since the last look, that time becomes the
next tick (one second later). The same calls in the same order give the same times, and
a file changed later still looks newer, which is what `make`-style programs compare.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass

DEVICE = 0x0801                  # one device for the whole sandbox (8:1, like /dev/sda1)
EPOCH = 1_767_225_600            # 2026-01-01 00:00:00 UTC


@dataclass
class GuestStat:
    """An os.stat_result as the guest sees it (the fields stat_bytes reads)."""

    st_mode: int
    st_ino: int
    st_dev: int
    st_nlink: int
    st_uid: int
    st_gid: int
    st_size: int
    st_rdev: int
    st_blksize: int
    st_blocks: int
    st_atime: int
    st_mtime: int
    st_ctime: int
    st_atime_ns: int = 0
    st_mtime_ns: int = 0
    st_ctime_ns: int = 0


class Inodes:
    def __init__(self):
        self.numbers: dict[tuple[int, int], int] = {}
        self.seen: dict[int, tuple[int, int, int, int]] = {}   # host m/c ns, guest m/c
        self.tick = 0

    def number(self, info) -> int:
        key = (info.st_dev, info.st_ino)
        if key not in self.numbers:
            self.numbers[key] = len(self.numbers) + 2
        return self.numbers[key]

    def view(self, info) -> GuestStat:
        """The guest's stat of a host file (the host's own inode and times never leak)."""
        ino = self.number(info)
        size = 4096 if stat.S_ISDIR(info.st_mode) else info.st_size   # not the host FS's
        host_m, host_c = info.st_mtime_ns, info.st_ctime_ns
        old = self.seen.get(ino)
        if old is None:
            mtime = ctime = EPOCH
        else:
            mtime, ctime = old[2], old[3]
            if host_m != old[0]:
                mtime = self._next()
            if host_c != old[1]:
                ctime = max(mtime, self._next() if host_m == old[0] else mtime)
        self.seen[ino] = (host_m, host_c, mtime, ctime)
        return GuestStat(info.st_mode, ino, DEVICE, info.st_nlink, info.st_uid, info.st_gid,
                         size, getattr(info, "st_rdev", 0), 4096, -(-size // 4096) * 8,
                         mtime, mtime, ctime)

    def set_times(self, info, mtime: int | None, *, now: bool) -> None:
        """The guest set this file's times (utime): stat shows `mtime` (or, for "now",
        the next tick); the change time is the next tick either way."""
        ino = self.number(info)
        old = self.seen.get(ino)
        ctime = self._next()
        if now:
            mtime = ctime
        elif mtime is None:
            mtime = old[2] if old else EPOCH
        self.seen[ino] = (info.st_mtime_ns, info.st_ctime_ns, mtime, ctime)

    def _next(self) -> int:
        self.tick += 1
        return EPOCH + self.tick
