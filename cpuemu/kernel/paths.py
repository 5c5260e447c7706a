"""Calls that name files: open openat creat unlink mkdir rmdir rename access stat64
lstat64 fstat64 getdents64 getcwd chdir.

Every path goes through the sandbox (sandbox.py); host errors come back as the same
Linux errno.
"""

from __future__ import annotations

import os
import stat as st
import struct
from contextlib import contextmanager
from typing import TYPE_CHECKING

from ..cpu.registers import c_int
from .errno import (
    EACCES,
    EBADF,
    EBUSY,
    EINVAL,
    ENAMETOOLONG,
    ENOENT,
    ENOTDIR,
    ERANGE,
    KernelError,
    from_host,
)
from .files import HostFile
from .io import store


@contextmanager
def guest_umask_only():
    """Create with the mode the guest asked for (its umask applied by the caller), the
    host's own umask out of the way."""
    saved = os.umask(0)
    try:
        yield
    finally:
        os.umask(saved)

if TYPE_CHECKING:
    from ..machine import Machine

AT_FDCWD = -100
AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH = 0x100, 0x1000
O_ACCMODE, O_CREAT, O_EXCL, O_TRUNC, O_APPEND = 3, 0o100, 0o200, 0o1000, 0o2000
O_NONBLOCK, O_DIRECTORY, O_NOFOLLOW, O_CLOEXEC = 0o4000, 0o200000, 0o400000, 0o2000000
HOST_FLAGS = ((O_CREAT, os.O_CREAT), (O_EXCL, os.O_EXCL), (O_TRUNC, os.O_TRUNC),
              (O_APPEND, os.O_APPEND), (O_NONBLOCK, os.O_NONBLOCK),
              (O_DIRECTORY, os.O_DIRECTORY), (O_NOFOLLOW, os.O_NOFOLLOW))
PATH_LIMIT = 4096
DT = {st.S_IFREG: 8, st.S_IFDIR: 4, st.S_IFLNK: 10, st.S_IFIFO: 1, st.S_IFCHR: 2}


def host_errors(action):
    """Run a host file operation; its OSError becomes the guest's -errno."""
    try:
        return action()
    except OSError as e:
        raise KernelError(from_host(e)) from None


def stat_bytes(info: os.stat_result, bits: int = 32) -> bytes:
    """i386 Linux's struct stat64 (96 bytes), or x86-64's struct stat (144 bytes)."""
    if bits == 64:
        return struct.pack(
            "<QQQIIIIQqqqqQqQqQ24x",
            info.st_dev & (2**64 - 1), info.st_ino & (2**64 - 1), info.st_nlink,
            info.st_mode, info.st_uid, info.st_gid, 0, getattr(info, "st_rdev", 0),
            info.st_size, getattr(info, "st_blksize", 4096), getattr(info, "st_blocks", 0),
            int(info.st_atime), info.st_atime_ns % 10**9, int(info.st_mtime),
            info.st_mtime_ns % 10**9, int(info.st_ctime), info.st_ctime_ns % 10**9)
    return struct.pack(
        "<Q4xIIIIIQ4xqIQIIIIIIQ",
        info.st_dev & (2**64 - 1), info.st_ino & 0xFFFFFFFF, info.st_mode, info.st_nlink,
        info.st_uid, info.st_gid, getattr(info, "st_rdev", 0), info.st_size,
        getattr(info, "st_blksize", 4096), getattr(info, "st_blocks", 0),
        int(info.st_atime), info.st_atime_ns % 10**9, int(info.st_mtime),
        info.st_mtime_ns % 10**9, int(info.st_ctime), info.st_ctime_ns % 10**9,
        info.st_ino & (2**64 - 1))


class FakeStat:
    """fstat of a console or a pipe: a character device or a FIFO."""

    def __init__(self, mode: int):
        self.st_mode, self.st_dev, self.st_ino, self.st_nlink = mode, 0, 0, 1
        self.st_uid, self.st_gid, self.st_size, self.st_rdev = os.getuid(), os.getgid(), 0, 0
        self.st_atime = self.st_mtime = self.st_ctime = 0
        self.st_atime_ns = self.st_mtime_ns = self.st_ctime_ns = 0
        self.st_blksize, self.st_blocks = 4096, 0


class PathCalls:
    def path(self, machine: Machine, address: int) -> bytes:
        raw = machine.read_cstring(address, PATH_LIMIT + 1)
        if len(raw) > PATH_LIMIT:
            raise KernelError(ENAMETOOLONG)
        return raw

    def _base(self, dirfd: int) -> str | None:
        """The guest directory a *at() call's relative path starts from."""
        if c_int(dirfd) == AT_FDCWD:
            return None
        file = self.fds.get(dirfd)
        if not isinstance(file, HostFile) or not file.is_dir:
            raise KernelError(ENOTDIR if isinstance(file, HostFile) else EBADF)
        return self.sandbox.to_guest(file.path)

    def sys_open(self, machine: Machine, path: int, flags: int, mode: int, *_) -> int:
        return self.sys_openat(machine, AT_FDCWD, path, flags, mode)

    def sys_creat(self, machine: Machine, path: int, mode: int, *_) -> int:
        return self.sys_openat(machine, AT_FDCWD, path, O_CREAT | 1 | O_TRUNC, mode)

    def sys_openat(self, machine: Machine, dirfd: int, path: int, flags: int, mode: int,
                   *_) -> int:
        name = self.path(machine, path)
        host = self.sandbox.resolve(name, follow=not flags & O_NOFOLLOW, base=self._base(dirfd))
        access = flags & O_ACCMODE
        if access == 3:
            raise KernelError(EINVAL)
        host_flags = (os.O_RDONLY, os.O_WRONLY, os.O_RDWR)[access]
        for guest_bit, host_bit in HOST_FLAGS:
            if flags & guest_bit:
                host_flags |= host_bit
        with guest_umask_only():
            fd = host_errors(lambda: os.open(host, host_flags | os.O_CLOEXEC,
                                             mode & 0o7777 & ~self.umask))
        file = HostFile(fd, host, flags & (O_APPEND | O_NONBLOCK | O_ACCMODE),
                        readable=access != 1, writable=access != 0)
        return self.fds.add(file, cloexec=bool(flags & O_CLOEXEC))

    def sys_unlink(self, machine: Machine, path: int, *_) -> int:
        host = self.sandbox.resolve(self.path(machine, path), follow=False)
        host_errors(lambda: os.unlink(host))
        return 0

    def sys_mkdir(self, machine: Machine, path: int, mode: int, *_) -> int:
        host = self.sandbox.resolve(self.path(machine, path), follow=False)
        with guest_umask_only():
            host_errors(lambda: os.mkdir(host, mode & 0o7777 & ~self.umask))
        return 0

    def sys_rmdir(self, machine: Machine, path: int, *_) -> int:
        host = self.sandbox.resolve(self.path(machine, path), follow=False)
        if host == self.sandbox.root:
            raise KernelError(EBUSY)
        host_errors(lambda: os.rmdir(host))
        return 0

    def sys_rename(self, machine: Machine, old: int, new: int, *_) -> int:
        src = self.sandbox.resolve(self.path(machine, old), follow=False)
        dst = self.sandbox.resolve(self.path(machine, new), follow=False)
        host_errors(lambda: os.rename(src, dst))
        return 0

    def sys_access(self, machine: Machine, path: int, mode: int, *_) -> int:
        host = self.sandbox.resolve(self.path(machine, path))
        if mode & ~7:
            raise KernelError(EINVAL)
        host_errors(lambda: os.stat(host))
        if not os.access(host, mode):
            raise KernelError(EACCES)
        return 0

    def sys_stat64(self, machine: Machine, path: int, buf: int, *_) -> int:
        host = self.sandbox.resolve(self.path(machine, path))
        self._store_stat(machine, buf, host_errors(lambda: os.stat(host)))
        return 0

    def _store_stat(self, machine: Machine, buf: int, info) -> None:
        store(machine, buf, stat_bytes(self.sandbox.inodes.view(info), self.abi.bits))

    def sys_lstat64(self, machine: Machine, path: int, buf: int, *_) -> int:
        host = self.sandbox.resolve(self.path(machine, path), follow=False)
        self._store_stat(machine, buf, host_errors(lambda: os.lstat(host)))
        return 0

    def sys_fstatat64(self, machine: Machine, dirfd: int, path: int, buf: int, flags: int,
                      *_) -> int:
        name = self.path(machine, path)
        if not name and flags & AT_EMPTY_PATH:
            return self.sys_fstat64(machine, dirfd, buf)
        host = self.sandbox.resolve(name, follow=not flags & AT_SYMLINK_NOFOLLOW,
                                    base=self._base(dirfd))
        look = os.lstat if flags & AT_SYMLINK_NOFOLLOW else os.stat
        self._store_stat(machine, buf, host_errors(lambda: look(host)))
        return 0

    def sys_readlink(self, machine: Machine, path: int, buf: int, size: int, *_) -> int:
        host = self.sandbox.resolve(self.path(machine, path), follow=False)
        target = host_errors(lambda: os.readlink(host)).encode()[:size]
        store(machine, buf, target)
        return len(target)

    def sys_fstat64(self, machine: Machine, fd: int, buf: int, *_) -> int:
        file = self.fds.get(fd)
        info = file.stat()
        if info is None:
            info = FakeStat((st.S_IFIFO | 0o600) if file.kind == "pipe" else (st.S_IFCHR | 0o620))
            store(machine, buf, stat_bytes(info, self.abi.bits))
        else:
            self._store_stat(machine, buf, info)
        return 0

    def sys_getdents64(self, machine: Machine, fd: int, buf: int, count: int, *_) -> int:
        file = self.fds.get(fd)
        if not isinstance(file, HostFile) or not file.is_dir:
            raise KernelError(ENOTDIR)
        if file.listing is None:
            file.listing = [self._listing(file), 0]
        entries, at = file.listing
        out = bytearray()
        while at < len(entries):
            name, info = entries[at]
            raw = name.encode("utf-8", "surrogateescape") + b"\0"
            length = (19 + len(raw) + 7) & ~7
            if len(out) + length > count:
                if not out:
                    raise KernelError(EINVAL)
                break
            record = struct.pack("<QqHB", self.sandbox.inodes.number(info), at + 1, length,
                                 DT.get(st.S_IFMT(info.st_mode), 0)) + raw
            out += record.ljust(length, b"\0")
            at += 1
        file.listing[1] = at
        store(machine, buf, bytes(out))
        return len(out)

    def _listing(self, file: HostFile) -> list:
        """The directory's entries, read through its own descriptor (never by path: the
        path may name something else by now), with `.` and `..` first; `..` of the root
        is the root. A removed directory lists nothing, as on Linux."""
        here = os.fstat(file.fd)
        if here.st_nlink == 0:
            return []
        root = os.stat(self.sandbox.root)
        at_root = (here.st_dev, here.st_ino) == (root.st_dev, root.st_ino)
        parent = here if at_root else host_errors(lambda: os.stat("..", dir_fd=file.fd))
        with os.scandir(file.fd) as listing:
            return [(".", here), ("..", parent)] + \
                [(e.name, e.stat(follow_symlinks=False)) for e in listing]

    def sys_getcwd(self, machine: Machine, buf: int, size: int, *_) -> int:
        cwd = self.sandbox.cwd.encode() + b"\0"
        if size < len(cwd):
            raise KernelError(ERANGE)
        store(machine, buf, cwd)
        return len(cwd)

    def sys_chdir(self, machine: Machine, path: int, *_) -> int:
        host = self.sandbox.resolve(self.path(machine, path))
        if not os.path.exists(host):
            raise KernelError(ENOENT)
        if not os.path.isdir(host):
            raise KernelError(ENOTDIR)
        self.sandbox.cwd = self.sandbox.to_guest(host)
        return 0
