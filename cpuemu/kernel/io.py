"""Descriptor I/O: read write readv writev pread64 pwrite64 lseek _llseek close dup dup2
dup3 pipe pipe2 fcntl64 ioctl.

Guest buffers are copied page by page like Linux does: a read that cannot store its
data is -EFAULT; a write sends what is readable up to the first bad page, or -EFAULT
when nothing is.
"""

from __future__ import annotations

import os
import struct
from typing import TYPE_CHECKING

from ..cpu.memory import PAGE, MemoryFault
from ..cpu.registers import c_int, signed
from ..limits import MAX_IO
from .errno import EBADF, EINVAL, ENOTTY, EOVERFLOW, EPIPE, KernelError
from .pipes import Pipe, PipeEnd

if TYPE_CHECKING:
    from ..machine import Machine

O_CLOEXEC, O_NONBLOCK = 0o2000000, 0o4000
F_DUPFD, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_DUPFD_CLOEXEC = 0, 1, 2, 3, 4, 1030
TCGETS, TIOCGWINSZ = 0x5401, 0x5413
SIGPIPE = 13


def read_guest(machine: Machine, address: int, count: int) -> bytes:
    """Up to `count` bytes from guest memory, stopping at the first unreadable page."""
    out = bytearray()
    while len(out) < count:
        at = address + len(out)
        take = min(count - len(out), PAGE - at % PAGE)
        try:
            out += machine.read(at, take)
        except MemoryFault:
            if not out:
                raise
            break
    return bytes(out)


def store(machine: Machine, address: int, data: bytes) -> None:
    machine.check_writable(address, len(data))
    machine.write(address, data)


class IOCalls:
    def sys_read(self, machine: Machine, fd: int, buf: int, count: int, *_) -> int:
        file = self.fds.get(fd)
        if signed(count, self.abi.bits) < 0:
            raise KernelError(EINVAL)
        data = file.read(min(count, MAX_IO))
        store(machine, buf, data)
        return len(data)

    def sys_write(self, machine: Machine, fd: int, buf: int, count: int, *_) -> int:
        file = self.fds.get(fd)
        if signed(count, self.abi.bits) < 0:
            raise KernelError(EINVAL)
        if count == 0:
            return 0
        return self._write(machine, file, read_guest(machine, buf, min(count, MAX_IO)))

    def _write(self, machine: Machine, file, data: bytes) -> int:
        try:
            return file.write(data)
        except KernelError as e:
            if e.errno == EPIPE:                  # and SIGPIPE, delivered on the way out
                self.raise_signal(SIGPIPE)
            raise

    def _iovecs(self, machine: Machine, iov: int, count: int) -> list[tuple[int, int]]:
        if c_int(count) < 0 or c_int(count) > 1024:
            raise KernelError(EINVAL)
        pair = "<" + 2 * self.abi.long                 # struct iovec {base, length}
        size = struct.calcsize(pair)
        raw = machine.read(iov, size * count) if count else b""
        return [struct.unpack_from(pair, raw, size * i) for i in range(count)]

    def sys_readv(self, machine: Machine, fd: int, iov: int, count: int, *_) -> int:
        file = self.fds.get(fd)
        total = 0
        for base, length in self._iovecs(machine, iov, count):
            data = file.read(min(length, MAX_IO))
            store(machine, base, data)
            total += len(data)
            if len(data) < length:
                break
        return total

    def sys_writev(self, machine: Machine, fd: int, iov: int, count: int, *_) -> int:
        file = self.fds.get(fd)
        pieces, total = [], 0
        for base, length in self._iovecs(machine, iov, count):
            take = min(length, MAX_IO - total)     # one call moves at most MAX_IO: a
            if take:                               # short write, as Linux's MAX_RW_COUNT
                pieces.append(machine.read(base, take))
                total += take
        return self._write(machine, file, b"".join(pieces)) if total else 0

    def sys_pread64(self, machine: Machine, fd: int, buf: int, count: int, lo: int,
                    hi: int, *_) -> int:
        file = self.fds.get(fd)
        data = file.pread(min(count, MAX_IO), self._position(lo, hi))
        store(machine, buf, data)
        return len(data)

    def sys_pwrite64(self, machine: Machine, fd: int, buf: int, count: int, lo: int,
                     hi: int, *_) -> int:
        file = self.fds.get(fd)
        return file.pwrite(read_guest(machine, buf, min(count, MAX_IO)) if count else b"",
                           self._position(lo, hi))

    def _position(self, lo: int, hi: int) -> int:
        """A 64-bit file offset: two i386 registers, or one x86-64 register."""
        return signed(lo, 64) if self.abi.bits == 64 else _offset(lo, hi)

    def sys_lseek(self, machine: Machine, fd: int, offset: int, whence: int, *_) -> int:
        bits = self.abi.bits                       # off_t is a long
        position = self.fds.get(fd).seek(signed(offset, bits), whence)
        if position >> (bits - 1):
            raise KernelError(EOVERFLOW)
        return position

    def sys__llseek(self, machine: Machine, fd: int, hi: int, lo: int, result: int,
                    whence: int, *_) -> int:
        position = self.fds.get(fd).seek(_offset(lo, hi), whence)
        store(machine, result, struct.pack("<q", position))
        return 0

    def sys_close(self, machine: Machine, fd: int, *_) -> int:
        self.fds.close(fd)
        return 0

    def sys_dup(self, machine: Machine, fd: int, *_) -> int:
        return self.fds.add(self.fds.get(fd))

    def sys_dup2(self, machine: Machine, old: int, new: int, *_) -> int:
        file = self.fds.get(old)
        if new >= 1024:
            raise KernelError(EBADF)
        if old != new:
            self.fds.install(new, file)
        return new

    def sys_dup3(self, machine: Machine, old: int, new: int, flags: int, *_) -> int:
        if old == new or flags & ~O_CLOEXEC:
            raise KernelError(EINVAL)
        file = self.fds.get(old)
        if new >= 1024:
            raise KernelError(EBADF)
        self.fds.install(new, file, cloexec=bool(flags & O_CLOEXEC))
        return new

    def sys_pipe(self, machine: Machine, fds: int, *_) -> int:
        return self.sys_pipe2(machine, fds, 0)

    def sys_pipe2(self, machine: Machine, fds: int, flags: int, *_) -> int:
        if flags & ~(O_CLOEXEC | O_NONBLOCK):
            raise KernelError(EINVAL)
        machine.check_writable(fds, 8)
        pipe = Pipe()
        cloexec = bool(flags & O_CLOEXEC)
        r = self.fds.add(PipeEnd(pipe, True), cloexec=cloexec)
        w = self.fds.add(PipeEnd(pipe, False), cloexec=cloexec)
        store(machine, fds, struct.pack("<ii", r, w))
        return 0

    def sys_fcntl64(self, machine: Machine, fd: int, cmd: int, arg: int, *_) -> int:
        file = self.fds.get(fd)
        if cmd in (F_DUPFD, F_DUPFD_CLOEXEC):
            return self.fds.add(file, arg, cloexec=cmd == F_DUPFD_CLOEXEC)
        if cmd == F_GETFD:
            return 1 if fd in self.fds.cloexec else 0
        if cmd == F_SETFD:
            (self.fds.cloexec.add if arg & 1 else self.fds.cloexec.discard)(fd)
            return 0
        if cmd == F_GETFL:
            return file.status_flags
        if cmd == F_SETFL:
            file.status_flags = file.status_flags & ~0o2000 | arg & 0o2000   # O_APPEND
            return 0
        raise KernelError(EINVAL)

    sys_fcntl = sys_fcntl64

    def sys_ioctl(self, machine: Machine, fd: int, request: int, arg: int, *_) -> int:
        file = self.fds.get(fd)
        if not file.isatty():
            raise KernelError(ENOTTY)
        if request == TIOCGWINSZ:
            try:
                size = os.get_terminal_size()
                rows, cols = size.lines, size.columns
            except OSError:
                rows, cols = 24, 80
            store(machine, arg, struct.pack("<HHHH", rows, cols, 0, 0))
            return 0
        if request == TCGETS:
            store(machine, arg, bytes(36))
            return 0
        raise KernelError(EINVAL)


def _offset(lo: int, hi: int) -> int:
    value = hi << 32 | lo
    return value - (1 << 64) if value >> 63 else value

