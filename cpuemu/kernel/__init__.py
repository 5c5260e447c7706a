"""The Linux kernel behind `int 0x80`: i386 numbers in EAX, arguments in EBX, ECX, EDX,
ESI, EDI, EBP, the result or -errno back in EAX.

It sees the CPU only through the Machine's register and memory interface, so it is the
same kernel on every engine. Unknown calls return -ENOSYS and log one line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..cpu.memory import MemoryFault
from ..stop import Stop
from .errno import EBADF, EFAULT, EINVAL, ENOSYS
from .streams import Streams
from .table import I386

if TYPE_CHECKING:
    from ..machine import Machine

ARG_REGS = ("ebx", "ecx", "edx", "esi", "edi", "ebp")
MAX_IO = 1 << 24                     # one read/write moves at most 16 MiB


class Kernel:
    """Carries out system calls for one machine."""

    def __init__(self, streams: Streams):
        self.streams = streams
        self.log_lines: list[str] = []

    def syscall(self, machine: Machine) -> Stop | None:
        regs = machine.regs
        number = regs.eax
        args = [regs[r] for r in ARG_REGS]
        handler = getattr(self, f"sys_{I386.get(number, '')}", None)
        if handler is None:
            name = I386.get(number, "unknown")
            self.log(f"cpuemu: unsupported syscall {number} ({name}) at "
                     f"eip={regs.eip - 2:#010x}: returning -ENOSYS")
            result = -ENOSYS
        else:
            try:
                result = handler(machine, *args)
            except MemoryFault:
                result = -EFAULT
        if isinstance(result, Stop):
            return result
        regs.eax = result & 0xFFFFFFFF
        return None

    def log(self, line: str) -> None:
        self.log_lines.append(line)
        self.streams.diagnostic(line)

    # -- process -----------------------------------------------------------------------

    def sys_exit(self, machine: Machine, status: int, *_) -> Stop:
        return Stop("exited", machine.regs.eip, status=status & 0xFF)

    sys_exit_group = sys_exit

    # -- I/O on the standard streams ---------------------------------------------------

    def sys_write(self, machine: Machine, fd: int, buf: int, count: int, *_) -> int:
        if count > 0x7FFFFFFF:
            return -EINVAL
        stream = self.streams.writer(fd)
        if stream is None:
            return -EBADF
        data = machine.read(buf, min(count, MAX_IO))
        stream.write(data)
        return len(data)

    def sys_read(self, machine: Machine, fd: int, buf: int, count: int, *_) -> int:
        if count > 0x7FFFFFFF:
            return -EINVAL
        if fd != 0:
            return -EBADF
        machine.check_writable(buf, min(count, MAX_IO))
        data = self.streams.read_stdin(min(count, MAX_IO))
        machine.write(buf, data)
        return len(data)
