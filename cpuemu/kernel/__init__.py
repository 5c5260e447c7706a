"""The Linux kernel behind `int 0x80` and `syscall`.

`int 0x80`: i386 numbers in EAX, arguments in EBX, ECX, EDX, ESI, EDI, EBP, the result
or -errno back in EAX (sign-extended into RAX in a 64-bit process, as Linux's compat
entry does). `syscall` (64-bit): x86-64 numbers in RAX, arguments in RDI, RSI, RDX, R10,
R8, R9, the result in RAX. Both tables map onto the same implementations.

It sees the CPU only through the Machine's register and memory interface, so it is the
same kernel on every engine. The calls live in one module per concern (io, paths,
memory, process); this module dispatches, turns errors into -errno (a bad guest pointer
is -EFAULT, never a host exception), logs unknown calls once, and feeds --strace.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from ..cpu.memory import MemoryFault
from ..cpu.registers import MASK, signed
from ..errors import GuestFault
from ..libc import FUNCTIONS, LIBC_TRAP
from ..stop import SYSCALL_TRAP, Stop
from .errno import EFAULT, EINTR, EINVAL, ENOMEM, ENOSYS, KernelError, from_host
from .files import ConsoleIn, ConsoleOut, FdTable
from .io import IOCalls
from .lifecycle import LifecycleCalls
from .memory import MemoryCalls
from .metadata import MetadataCalls, host_umask
from .paths import PathCalls
from .pipes import WouldBlock
from .process import ProcessCalls
from .readiness import ReadinessCalls
from .sandbox import Sandbox
from .signals import SA_RESTART, KeepResult, SignalCalls
from .streams import Streams
from .table import I386, X86_64, X86_64_RENAMED, X86_64_SAME

if TYPE_CHECKING:
    from ..machine import Machine


@dataclass(frozen=True)
class Abi:
    """How one system call entry passes its number, arguments and result."""

    name: str
    table: dict[int, str]               # number -> name
    number: str                         # register holding the number
    args: tuple[str, ...]
    bits: int                           # width of the arguments and the result

    @property
    def long(self) -> str:
        """The struct code of a C `long` (and of a pointer) under this ABI."""
        return "Q" if self.bits == 64 else "I"

    @property
    def slong(self) -> str:
        return "q" if self.bits == 64 else "i"

    def implementation(self, name: str) -> str:
        """The `sys_` method that carries out call `name` under this ABI ("" if none)."""
        if self.bits == 32:
            return name
        return X86_64_RENAMED.get(name) or (name if name in X86_64_SAME else "")


I386_ABI = Abi("i386", I386, "eax", ("ebx", "ecx", "edx", "esi", "edi", "ebp"), 32)
X86_64_ABI = Abi("x86_64", X86_64, "rax", ("rdi", "rsi", "rdx", "r10", "r8", "r9"), 64)


@cache
def arity(function) -> int:
    """How many argument registers a `sys_` function reads (after self and machine)."""
    return function.__code__.co_argcount - 2


def abi_of(trap: int) -> Abi:
    return X86_64_ABI if trap == SYSCALL_TRAP else I386_ABI


class Kernel(IOCalls, PathCalls, MetadataCalls, ReadinessCalls, MemoryCalls, SignalCalls,
             LifecycleCalls, ProcessCalls):
    """Carries out system calls for one process."""

    def __init__(self, streams: Streams, *, root=None, strace=None):
        self.streams = streams
        self.log_lines: list[str] = []
        self.fds = FdTable()
        self.umask = host_umask()             # the guest's, from cpuemu's as a child's is
        self.libc = None                      # libc.Libc, for programs that call it
        self.fds.install(0, ConsoleIn(streams))
        for fd, sink in ((1, streams.out), (2, streams.err)):
            if sink.target is not None or sink.captured is not None:   # else: closed
                self.fds.install(fd, ConsoleOut(sink))
        self.sandbox = Sandbox(root)
        self.strace = strace                  # callable(line) or None
        self.unknown_logged: set[tuple[str, int]] = set()
        self.on_block = None                  # callable(machine, WouldBlock) -> Stop | None
        self.abi = I386_ABI                   # the ABI of the call being carried out
        self._entries: dict[tuple[int, int], tuple] = {}
        ProcessCalls.__init__(self)
        MemoryCalls.__init__(self)

    def syscall(self, machine: Machine, trap: int = 0x80) -> Stop | None:
        """Carry out the call `trap` (0x80, or SYSCALL_TRAP) asks for."""
        engine = machine.engine
        self.abi = abi = abi_of(trap)
        # The engine's full registers, or their low halves for int 0x80 in 64-bit code.
        read = engine.reg if abi.bits == machine.bits else machine.regs.__getitem__
        number = read(abi.number)
        if self.libc is not None and LIBC_TRAP <= number < LIBC_TRAP + len(FUNCTIONS):
            return self._libc_call(machine, number)
        entry = self._entries.get((trap, number))
        if entry is None:
            entry = self._entries[(trap, number)] = self._entry(abi, number)
        handler, reads = entry
        # Only the registers the call reads (all of them for strace): a register read
        # through an engine costs as much as the rest of a simple call. Implementations
        # read int arguments with c_int().
        args = [read(r) for r in (reads if self.strace is None else abi.args)]
        if handler is None:
            result = self._unknown(machine, number, abi)
        else:
            try:
                result = handler(machine, *args)
            except KernelError as e:
                result = -e.errno
            except MemoryFault:
                result = -EFAULT
            except OSError as e:                  # the host said no: Linux's word for it
                result = -from_host(e)
            except (OverflowError, struct.error, ValueError):
                result = -EINVAL                  # a value the host cannot represent
            except MemoryError:
                result = -ENOMEM
            except WouldBlock as blocked:
                signal = self.deliverable()
                if signal is None:
                    return self._blocked(machine, blocked, number, abi)
                if self.action(signal).flags & SA_RESTART:   # the handler, then the call again
                    machine.regs[machine.pc_name] = machine.pc - 2
                    return Stop("signal", machine.pc, detail="pending")
                result = -EINTR                   # a signal came first: its handler runs
        if isinstance(result, (Stop, KeepResult)):
            if self.strace is not None:
                self._trace(self.describe_call(machine, number, args, None, abi) + " = ?")
            return result if isinstance(result, Stop) else \
                Stop("signal", machine.pc, detail="return")       # sigreturn: the machine
        if self.strace is not None:
            self._trace(self.describe_call(machine, number, args, result, abi))
        if self.processes is not None:
            self.processes.progress += 1            # another process may be able to go on
        if machine.bits == 32:
            engine.set_reg("eax", result & 0xFFFFFFFF)
        else:                                  # an i386 result is sign-extended into RAX
            engine.set_reg("rax", signed(result & MASK[abi.bits], abi.bits) & MASK[64])
        if (self.pending or self.alarm_at) and self.signal_due(machine):
            return Stop("signal", machine.pc, detail="pending")   # the machine delivers it
        return None

    def _trace(self, line: str) -> None:
        """A strace line; once there are several processes it says whose, as strace -f."""
        self.strace(line if self.processes is None else f"[pid {self.pid}] {line}")

    def _libc_call(self, machine: Machine, number: int) -> Stop | None:
        """A function of the C library (libc/): its result in EAX; a bad pointer it was
        given is the guest's page fault, at the call."""
        try:
            result = self.libc.call(machine, number)
        except MemoryFault as e:
            return Stop("fault", machine.pc, fault=GuestFault(
                "page-fault", machine.pc, e.address, e.access,
                detail=f"in {FUNCTIONS[number - LIBC_TRAP]}"))
        if isinstance(result, Stop):
            return result
        if machine.bits == 64:
            machine.engine.set_reg("rax", result & MASK[64])
        else:
            machine.engine.set_reg("eax", result & 0xFFFFFFFF)
        if (self.pending or self.alarm_at) and self.signal_due(machine):
            return Stop("signal", machine.pc, detail="pending")
        return None

    def _entry(self, abi: Abi, number: int) -> tuple:
        """(bound implementation or None, the argument registers it reads): looked up
        once per call number, so a trap costs a dictionary lookup and a call."""
        name = abi.table.get(number, "")
        method = abi.implementation(name) if name else ""
        handler = getattr(self, f"sys_{method}", None) if method else None
        return handler, abi.args if handler is None else abi.args[:arity(handler.__func__)]

    def _unknown(self, machine: Machine, number: int, abi: Abi) -> int:
        if (abi.name, number) not in self.unknown_logged:
            self.unknown_logged.add((abi.name, number))
            name = abi.table.get(number, "unknown")
            kind = "syscall" if abi is I386_ABI else f"{abi.name} syscall"
            self.log(f"cpuemu: unsupported {kind} {number} ({name}) at "
                     f"{machine.pc_name}={machine.pc - 2:#010x}: returning -ENOSYS")
        return -ENOSYS

    def _blocked(self, machine: Machine, blocked: WouldBlock, number: int,
                 abi: Abi = I386_ABI) -> Stop:
        """The call cannot complete now. A scheduler may switch away (EIP goes back to
        the `int 0x80` so the call is made again on resume); alone, it is a deadlock."""
        machine.regs.eip = machine.regs.eip - 2
        if self.on_block is not None:
            stop = self.on_block(machine, blocked)
            if stop is not None:
                return stop
        return Stop("deadlock", machine.regs.eip,
                    detail=f"{abi.table.get(number, number)}: {blocked.what}, and nothing else "
                           "can run to change that")

    def log(self, line: str) -> None:
        self.log_lines.append(line)
        self.streams.diagnostic(line)

    def describe_call(self, machine: Machine, number: int, args, result,
                      abi: Abi = I386_ABI) -> str:
        from .strace import describe
        return describe(self, machine, number, args, result, abi.table)
