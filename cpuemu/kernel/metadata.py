"""Calls about what a file is rather than what it holds: the old i386 stat family (stat
lstat fstat, `struct stat` of 64 bytes), chmod fchmod fchmodat, chown lchown fchown
(16- and 32-bit ids), link linkat symlink symlinkat readlinkat, umask, utime utimes
utimensat, getgroups.

The guest's umask is the kernel's own (it starts as cpuemu's, as a child's would) and is
applied to every file the guest creates, with the host's umask out of the way. Times a
guest sets are what its stat shows afterwards (inodes.py keeps them).
"""

from __future__ import annotations

import os
import stat as st
import struct
from typing import TYPE_CHECKING

from ..cpu.registers import c_int
from .errno import EBADF, EINVAL, EOVERFLOW, KernelError
from .files import HostFile
from .io import store
from .paths import AT_FDCWD, AT_SYMLINK_NOFOLLOW, FakeStat, host_errors

if TYPE_CHECKING:
    from ..machine import Machine

UTIME_NOW, UTIME_OMIT = (1 << 30) - 1, (1 << 30) - 2
NO_ID16, NO_ID32 = 0xFFFF, 0xFFFFFFFF


def host_umask() -> int:
    """cpuemu's own umask (read by setting and restoring it)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def old_stat_bytes(info) -> bytes:
    """i386's `struct stat` (64 bytes): 32-bit fields, 16-bit mode, nlink, uid, gid."""
    fields = (info.st_dev, info.st_ino, info.st_size, info.st_nlink, info.st_uid,
              info.st_gid)
    if any(v > 0xFFFFFFFF for v in fields) or info.st_nlink > 0xFFFF or \
            info.st_uid > 0xFFFF or info.st_gid > 0xFFFF:
        raise KernelError(EOVERFLOW)
    return struct.pack("<IIHHHHIIIIIIIIIIII", info.st_dev, info.st_ino, info.st_mode,
                       info.st_nlink, info.st_uid, info.st_gid, info.st_rdev, info.st_size,
                       info.st_blksize, info.st_blocks, info.st_atime, 0, info.st_mtime, 0,
                       info.st_ctime, 0, 0, 0)


class MetadataCalls:
    # -- the old stat ------------------------------------------------------------------

    def _old_stat(self, machine: Machine, buf: int, info) -> int:
        store(machine, buf, old_stat_bytes(self.sandbox.inodes.view(info)))
        return 0

    def sys_stat(self, machine: Machine, path: int, buf: int, *_) -> int:
        host = self.sandbox.resolve(self.path(machine, path))
        return self._old_stat(machine, buf, host_errors(lambda: os.stat(host)))

    def sys_lstat(self, machine: Machine, path: int, buf: int, *_) -> int:
        host = self.sandbox.resolve(self.path(machine, path), follow=False)
        return self._old_stat(machine, buf, host_errors(lambda: os.lstat(host)))

    def sys_fstat(self, machine: Machine, fd: int, buf: int, *_) -> int:
        file = self.fds.get(fd)
        info = file.stat()
        if info is None:                          # a console or a pipe, as fstat64 says
            mode = (st.S_IFIFO | 0o600) if file.kind == "pipe" else (st.S_IFCHR | 0o620)
            store(machine, buf, old_stat_bytes(FakeStat(mode)))
            return 0
        return self._old_stat(machine, buf, info)

    # -- modes and owners --------------------------------------------------------------

    def sys_chmod(self, machine: Machine, path: int, mode: int, *_) -> int:
        host = self.sandbox.resolve(self.path(machine, path))
        host_errors(lambda: os.chmod(host, mode & 0o7777))
        return 0

    def sys_fchmod(self, machine: Machine, fd: int, mode: int, *_) -> int:
        file = self._host_file(fd)
        host_errors(lambda: os.fchmod(file.fd, mode & 0o7777))
        return 0

    def sys_fchmodat(self, machine: Machine, dirfd: int, path: int, mode: int, *_) -> int:
        host = self.sandbox.resolve(self.path(machine, path), base=self._base(dirfd))
        host_errors(lambda: os.chmod(host, mode & 0o7777))
        return 0

    def _owner(self, uid: int, gid: int, none: int) -> tuple[int, int]:
        uid, gid = uid & 0xFFFFFFFF, gid & 0xFFFFFFFF       # ids are 32-bit in both ABIs
        return (-1 if uid == none else uid), (-1 if gid == none else gid)

    def sys_chown32(self, machine: Machine, path: int, uid: int, gid: int, *_) -> int:
        host = self.sandbox.resolve(self.path(machine, path))
        u, g = self._owner(uid, gid, NO_ID32)
        host_errors(lambda: os.chown(host, u, g))
        return 0

    def sys_lchown32(self, machine: Machine, path: int, uid: int, gid: int, *_) -> int:
        host = self.sandbox.resolve(self.path(machine, path), follow=False)
        u, g = self._owner(uid, gid, NO_ID32)
        host_errors(lambda: os.lchown(host, u, g))
        return 0

    def sys_fchown32(self, machine: Machine, fd: int, uid: int, gid: int, *_) -> int:
        file = self._host_file(fd)
        u, g = self._owner(uid, gid, NO_ID32)
        host_errors(lambda: os.fchown(file.fd, u, g))
        return 0

    def sys_chown(self, machine: Machine, path: int, uid: int, gid: int, *_) -> int:
        return self.sys_chown32(machine, path, *_widen(uid, gid))

    def sys_lchown(self, machine: Machine, path: int, uid: int, gid: int, *_) -> int:
        return self.sys_lchown32(machine, path, *_widen(uid, gid))

    def sys_fchown(self, machine: Machine, fd: int, uid: int, gid: int, *_) -> int:
        return self.sys_fchown32(machine, fd, *_widen(uid, gid))

    def sys_umask(self, machine: Machine, mask: int, *_) -> int:
        old, self.umask = self.umask, mask & 0o777
        return old

    # -- links -------------------------------------------------------------------------

    def sys_link(self, machine: Machine, old: int, new: int, *_) -> int:
        return self.sys_linkat(machine, AT_FDCWD, old, AT_FDCWD, new, 0)

    def sys_linkat(self, machine: Machine, olddir: int, old: int, newdir: int, new: int,
                   flags: int, *_) -> int:
        src = self.sandbox.resolve(self.path(machine, old), base=self._base(olddir),
                                   follow=bool(flags & 0x400))     # AT_SYMLINK_FOLLOW
        dst = self.sandbox.resolve(self.path(machine, new), follow=False,
                                   base=self._base(newdir))
        host_errors(lambda: os.link(src, dst, follow_symlinks=False))
        return 0

    def sys_symlink(self, machine: Machine, target: int, new: int, *_) -> int:
        return self.sys_symlinkat(machine, target, AT_FDCWD, new)

    def sys_symlinkat(self, machine: Machine, target: int, dirfd: int, new: int, *_) -> int:
        text = self.path(machine, target).decode("utf-8", "surrogateescape")
        dst = self.sandbox.resolve(self.path(machine, new), follow=False,
                                   base=self._base(dirfd))
        host_errors(lambda: os.symlink(text, dst))      # the text as given: resolved later,
        return 0                                         # inside the sandbox, when followed

    def sys_readlinkat(self, machine: Machine, dirfd: int, path: int, buf: int, size: int,
                       *_) -> int:
        if c_int(size) <= 0:
            raise KernelError(EINVAL)
        host = self.sandbox.resolve(self.path(machine, path), follow=False,
                                    base=self._base(dirfd))
        target = os.fsencode(host_errors(lambda: os.readlink(host)))[:size]
        store(machine, buf, target)
        return len(target)

    # -- times -------------------------------------------------------------------------

    def sys_utime(self, machine: Machine, path: int, times: int, *_) -> int:
        host = self.sandbox.resolve(self.path(machine, path))
        if times:
            atime, mtime = struct.unpack("<ii" if self.abi.bits == 32 else "<qq",
                                         machine.read(times, self.abi.bits // 4))
            return self._set_times(host, atime, mtime)
        return self._set_times(host, None, None)

    def sys_utimes(self, machine: Machine, path: int, times: int, *_) -> int:
        host = self.sandbox.resolve(self.path(machine, path))
        if not times:
            return self._set_times(host, None, None)
        fmt = "<iiii" if self.abi.bits == 32 else "<qqqq"
        asec, _, msec, _ = struct.unpack(fmt, machine.read(times, struct.calcsize(fmt)))
        return self._set_times(host, asec, msec)

    def sys_utimensat(self, machine: Machine, dirfd: int, path: int, times: int,
                      flags: int, *_) -> int:
        if not path and c_int(dirfd) != AT_FDCWD:
            host = self._host_file(dirfd).path
        else:
            host = self.sandbox.resolve(self.path(machine, path), base=self._base(dirfd),
                                        follow=not flags & AT_SYMLINK_NOFOLLOW)
        if not times:
            return self._set_times(host, None, None)
        fmt = "<iiii" if self.abi.bits == 32 else "<qqqq"
        asec, ansec, msec, mnsec = struct.unpack(fmt, machine.read(times,
                                                                   struct.calcsize(fmt)))
        if mnsec == UTIME_OMIT and ansec == UTIME_OMIT:
            return 0
        return self._set_times(host, None if ansec == UTIME_NOW else asec,
                               None if mnsec == UTIME_NOW else msec,
                               keep_mtime=mnsec == UTIME_OMIT)

    def _set_times(self, host: str, atime: int | None, mtime: int | None,
                   keep_mtime: bool = False) -> int:
        """Touch the host file (so its change time moves), and tell the inode table the
        times the guest asked for: stat shows them, or the next tick for "now"."""
        host_errors(lambda: os.utime(host))
        info = host_errors(lambda: os.stat(host))
        self.sandbox.inodes.set_times(info, None if keep_mtime else mtime, now=mtime is None
                                      and not keep_mtime)
        return 0

    def sys_getgroups(self, machine: Machine, size: int, buf: int, *_) -> int:
        return self._groups(machine, size, buf, 2)

    def sys_getgroups32(self, machine: Machine, size: int, buf: int, *_) -> int:
        return self._groups(machine, size, buf, 4)

    def _groups(self, machine: Machine, size: int, buf: int, width: int) -> int:
        groups = os.getgroups()
        size = c_int(size)
        if size == 0:
            return len(groups)
        if size < len(groups):
            raise KernelError(EINVAL)
        store(machine, buf, b"".join(g.to_bytes(width, "little") for g in groups))
        return len(groups)

    # -- helpers -----------------------------------------------------------------------

    def _host_file(self, fd: int) -> HostFile:
        file = self.fds.get(fd)
        if not isinstance(file, HostFile):
            raise KernelError(EBADF if file is None else EINVAL)
        return file


def _widen(uid: int, gid: int) -> tuple[int, int]:
    """16-bit ids (chown, 16): 0xffff means "leave it", as -1 does for the 32-bit calls."""
    uid, gid = uid & 0xFFFF, gid & 0xFFFF
    return (NO_ID32 if uid == NO_ID16 else uid), (NO_ID32 if gid == NO_ID16 else gid)


__all__ = ["MetadataCalls", "host_umask"]
