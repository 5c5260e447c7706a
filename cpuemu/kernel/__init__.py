"""The Linux kernel behind `int 0x80`: i386 numbers in EAX, arguments in EBX, ECX, EDX,
ESI, EDI, EBP, the result or -errno back in EAX.

It sees the CPU only through the Machine's register and memory interface, so it is the
same kernel on every engine. The calls live in one module per concern (io, paths,
memory, process); this module dispatches, turns errors into -errno (a bad guest pointer
is -EFAULT, never a host exception), logs unknown calls once, and feeds --strace.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..cpu.memory import MemoryFault
from ..stop import Stop
from .errno import EFAULT, ENOSYS, KernelError
from .files import ConsoleIn, ConsoleOut, FdTable
from .io import IOCalls
from .memory import MemoryCalls
from .paths import PathCalls
from .pipes import WouldBlock
from .process import ProcessCalls
from .sandbox import Sandbox
from .streams import Streams
from .table import I386

if TYPE_CHECKING:
    from ..machine import Machine

ARG_REGS = ("ebx", "ecx", "edx", "esi", "edi", "ebp")


class Kernel(IOCalls, PathCalls, MemoryCalls, ProcessCalls):
    """Carries out system calls for one process."""

    def __init__(self, streams: Streams, *, root=None, strace=None):
        self.streams = streams
        self.log_lines: list[str] = []
        self.fds = FdTable()
        self.fds.install(0, ConsoleIn(streams))
        self.fds.install(1, ConsoleOut(streams.out))
        self.fds.install(2, ConsoleOut(streams.err))
        self.sandbox = Sandbox(root)
        self.strace = strace                  # callable(line) or None
        self.unknown_logged: set[int] = set()
        self.on_block = None                  # callable(machine, WouldBlock) -> Stop | None
        ProcessCalls.__init__(self)
        MemoryCalls.__init__(self)

    def syscall(self, machine: Machine) -> Stop | None:
        regs = machine.regs
        number = regs.eax
        args = [regs[r] for r in ARG_REGS]
        name = I386.get(number, "")
        handler = getattr(self, f"sys_{name}", None) if name else None
        if handler is None:
            result = self._unknown(machine, number)
        else:
            try:
                result = handler(machine, *args)
            except KernelError as e:
                result = -e.errno
            except MemoryFault:
                result = -EFAULT
            except WouldBlock as blocked:
                return self._blocked(machine, blocked, number)
        if self.pending_signal is not None:           # e.g. SIGPIPE from a write
            signal, self.pending_signal = self.pending_signal, None
            result = self.kill_stop(machine, signal)
        if isinstance(result, Stop):
            if self.strace is not None:
                self.strace(self.describe_call(machine, number, args, None) + " = ?")
            return result
        if self.strace is not None:
            self.strace(self.describe_call(machine, number, args, result))
        regs.eax = result & 0xFFFFFFFF
        return None

    def _unknown(self, machine: Machine, number: int) -> int:
        if number not in self.unknown_logged:
            self.unknown_logged.add(number)
            name = I386.get(number, "unknown")
            self.log(f"cpuemu: unsupported syscall {number} ({name}) at "
                     f"eip={machine.regs.eip - 2:#010x}: returning -ENOSYS")
        return -ENOSYS

    def _blocked(self, machine: Machine, blocked: WouldBlock, number: int) -> Stop:
        """The call cannot complete now. A scheduler may switch away (EIP goes back to
        the `int 0x80` so the call is made again on resume); alone, it is a deadlock."""
        machine.regs.eip = machine.regs.eip - 2
        if self.on_block is not None:
            stop = self.on_block(machine, blocked)
            if stop is not None:
                return stop
        return Stop("deadlock", machine.regs.eip,
                    detail=f"{I386.get(number, number)}: {blocked.what}, and nothing else "
                           "can run to change that")

    def log(self, line: str) -> None:
        self.log_lines.append(line)
        self.streams.diagnostic(line)

    def describe_call(self, machine: Machine, number: int, args, result) -> str:
        from .strace import describe
        return describe(self, machine, number, args, result)
