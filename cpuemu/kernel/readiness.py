"""poll, ppoll, select and _newselect: which descriptors are ready now (files.py and
pipes.py say, per open file, as Linux's poll methods do).

Nothing ready and a timeout: the virtual clock moves on by the timeout (as nanosleep
does) and the call returns 0. Nothing ready and no timeout: the call would block, which
the kernel reports as a deadlock, or a scheduler turns into a switch.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from ..cpu.registers import c_int
from .errno import EBADF, EINVAL, KernelError
from .files import FdTable
from .io import store
from .pipes import WouldBlock

if TYPE_CHECKING:
    from ..machine import Machine

POLLIN, POLLPRI, POLLOUT, POLLERR, POLLHUP, POLLNVAL = 1, 2, 4, 8, 16, 32
MAX_FDS = 1 << 20


def ready_events(fds: FdTable, fd: int) -> int:
    try:
        return fds.get(fd).events()
    except KernelError:
        return POLLNVAL


class ReadinessCalls:
    def sys_poll(self, machine: Machine, array: int, count: int, timeout_ms: int,
                 *_) -> int:
        timeout = c_int(timeout_ms)
        return self._poll(machine, array, count, None if timeout < 0 else timeout * 10**6)

    def sys_ppoll(self, machine: Machine, array: int, count: int, spec: int, *_) -> int:
        if not spec:
            return self._poll(machine, array, count, None)
        fmt = "<" + 2 * self.abi.slong
        seconds, nanos = struct.unpack(fmt, machine.read(spec, struct.calcsize(fmt)))
        if seconds < 0 or not 0 <= nanos < 10**9:
            raise KernelError(EINVAL)
        return self._poll(machine, array, count, seconds * 10**9 + nanos)

    def _poll(self, machine: Machine, array: int, count: int, timeout_ns: int | None) -> int:
        if count > MAX_FDS:
            raise KernelError(EINVAL)
        raw = machine.read(array, 8 * count) if count else b""
        entries = [struct.unpack_from("<ihh", raw, 8 * i) for i in range(count)]
        out, ready = bytearray(), 0
        for fd, wanted, _ in entries:
            got = 0
            if fd >= 0:
                now = ready_events(self.fds, fd)
                got = now & (wanted | POLLERR | POLLHUP | POLLNVAL)
            ready += bool(got)
            out += struct.pack("<ihh", fd, wanted, got)
        if not ready:
            self._wait(timeout_ns, "poll with no descriptor ready")
        if count:
            store(machine, array, bytes(out))
        return ready

    def sys__newselect(self, machine: Machine, nfds: int, readfds: int, writefds: int,
                       exceptfds: int, timeout: int, *_) -> int:
        nfds = c_int(nfds)
        if not 0 <= nfds <= MAX_FDS:
            raise KernelError(EINVAL)
        word = self.abi.bits // 8
        size = (nfds + 8 * word - 1) // (8 * word) * word
        sets = [int.from_bytes(machine.read(a, size), "little") if a else 0
                for a in (readfds, writefds, exceptfds)]
        results = [0, 0, 0]
        for fd in range(nfds):
            if not any(s >> fd & 1 for s in sets):
                continue
            now = ready_events(self.fds, fd)
            if now & POLLNVAL:
                raise KernelError(EBADF)
            if sets[0] >> fd & 1 and now & (POLLIN | POLLHUP | POLLERR):
                results[0] |= 1 << fd
            if sets[1] >> fd & 1 and now & (POLLOUT | POLLERR):
                results[1] |= 1 << fd
        ready = sum(bin(r).count("1") for r in results)
        timeout_ns = None
        fmt = "<" + 2 * self.abi.slong
        if timeout:
            seconds, micros = struct.unpack(fmt, machine.read(timeout, struct.calcsize(fmt)))
            if seconds < 0 or not 0 <= micros < 10**6:
                raise KernelError(EINVAL)
            timeout_ns = seconds * 10**9 + micros * 1000
        if not ready:
            self._wait(timeout_ns, "select with no descriptor ready")
            if timeout:
                store(machine, timeout, bytes(struct.calcsize(fmt)))    # all of it used
        for address, result in zip((readfds, writefds, exceptfds), results, strict=True):
            if address:
                store(machine, address, result.to_bytes(size, "little"))
        return ready

    sys_select = sys__newselect               # x86-64's select is i386's _newselect

    def _wait(self, timeout_ns: int | None, what: str) -> None:
        """Nothing is ready: spend the timeout on the virtual clock, or block."""
        if timeout_ns is None:
            raise WouldBlock(what, None)
        self.slept_ns += timeout_ns
