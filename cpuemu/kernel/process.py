"""The process and its surroundings: exit, ids, time, sleeping, uname, thread-local
storage (set_thread_area), signal bookkeeping, kill to itself, getrandom.

Time is the host's, plus whatever the guest has slept: nanosleep advances a virtual clock
instead of waiting, so sleeping programs run (and test) at full speed. getrandom is
seeded, so runs repeat exactly.
"""

from __future__ import annotations

import os
import random
import struct
import time
from typing import TYPE_CHECKING

from ..cpu.registers import MASK, c_int
from ..cpu.segments import TLS_ENTRY, descriptor
from ..stop import Stop
from .errno import EINTR, EINVAL, EPERM, ESRCH, KernelError
from .io import store

if TYPE_CHECKING:
    from ..machine import Machine

PID, PPID = 1000, 999
TLS_ENTRIES = (TLS_ENTRY, TLS_ENTRY + 1, TLS_ENTRY + 2)
SIGNAL_NAMES = {1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP",
                6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE", 9: "SIGKILL", 10: "SIGUSR1",
                11: "SIGSEGV", 12: "SIGUSR2", 13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM",
                16: "SIGSTKFLT", 17: "SIGCHLD", 18: "SIGCONT", 19: "SIGSTOP", 20: "SIGTSTP",
                21: "SIGTTIN", 22: "SIGTTOU", 23: "SIGURG", 24: "SIGXCPU", 25: "SIGXFSZ",
                26: "SIGVTALRM", 27: "SIGPROF", 28: "SIGWINCH", 29: "SIGIO", 30: "SIGPWR",
                31: "SIGSYS"}
UNAME = (b"Linux", b"cpuemu", b"6.1.0-cpuemu", b"#1 SMP cpuemu", b"i686", b"(none)")
# arch_prctl codes: (base register, read it rather than set it)
ARCH_PRCTL = {0x1001: ("gs_base", False), 0x1002: ("fs_base", False),
              0x1003: ("fs_base", True), 0x1004: ("gs_base", True)}
CLOCKS = {0: "realtime", 1: "monotonic", 2: "process", 3: "thread", 4: "monotonic",
          5: "realtime", 6: "monotonic", 7: "monotonic"}


class ProcessCalls:
    def __init__(self):
        self.slept_ns = 0
        self.pid, self.ppid = PID, PPID
        self.processes = None              # processes.ProcessTable, after the first fork
        self.children: list[int] = []
        self.zombies: dict[int, int] = {}    # pid -> wait status
        self.fork_request: dict = {}
        self.exec_request = None
        self.process_group = self.session = PPID    # a shell's child, until it asks
        self.started = time.monotonic_ns()
        self.init_signals()                # signals.py
        self.random = random.Random(0)
        self.tid_address = 0
        self.on_yield = None               # callable(machine, why, wake_ns=0) -> Stop | None

    # -- ending --------------------------------------------------------------------

    def sys_exit(self, machine: Machine, status: int, *_) -> Stop:
        from ..process import EXIT_STUB
        if self.libc is not None and EXIT_STUB <= machine.pc < EXIT_STUB + 16:
            self.libc.flush(machine)             # main returned: exit() flushes stdio
        return Stop("exited", machine.regs.eip, status=status & 0xFF)

    sys_exit_group = sys_exit

    # -- identity ------------------------------------------------------------------

    def sys_getpid(self, machine: Machine, *_) -> int:
        return self.pid

    sys_gettid = sys_getpid

    def sys_getppid(self, machine: Machine, *_) -> int:
        return self.ppid

    # One process: its group and session are its own once it asks (setpgid, setsid);
    # before that, its parent's (self.ppid), as a shell's child starts.

    def sys_getpgid(self, machine: Machine, pid: int, *_) -> int:
        if c_int(pid) not in (0, self.pid):
            raise KernelError(ESRCH)
        return self.process_group

    def sys_getpgrp(self, machine: Machine, *_) -> int:
        return self.process_group

    def sys_setpgid(self, machine: Machine, pid: int, pgid: int, *_) -> int:
        if c_int(pid) not in (0, self.pid):
            raise KernelError(ESRCH)
        if c_int(pgid) < 0:
            raise KernelError(EINVAL)
        if c_int(pgid) not in (0, self.pid, self.process_group):
            raise KernelError(EPERM)
        if self.session == self.pid and c_int(pgid) not in (0, self.pid):
            raise KernelError(EPERM)                 # a session leader stays its group's
        self.process_group = self.pid if c_int(pgid) in (0, self.pid) else c_int(pgid)
        return 0

    def sys_getsid(self, machine: Machine, pid: int, *_) -> int:
        if c_int(pid) not in (0, self.pid):
            raise KernelError(ESRCH)
        return self.session

    def sys_setsid(self, machine: Machine, *_) -> int:
        if self.process_group == self.pid:
            raise KernelError(EPERM)                 # a group leader cannot start a session
        self.process_group = self.session = self.pid
        return self.pid

    def sys_getuid32(self, machine: Machine, *_) -> int:
        return os.getuid()

    def sys_geteuid32(self, machine: Machine, *_) -> int:
        return os.geteuid()

    def sys_getgid32(self, machine: Machine, *_) -> int:
        return os.getgid()

    def sys_getegid32(self, machine: Machine, *_) -> int:
        return os.getegid()

    sys_getuid, sys_getgid = sys_getuid32, sys_getgid32

    def sys_uname(self, machine: Machine, buf: int, *_) -> int:
        store(machine, buf, b"".join(field.ljust(65, b"\0") for field in UNAME))
        return 0

    # -- time ----------------------------------------------------------------------

    def now_ns(self, clock: str = "realtime") -> int:
        if clock == "realtime":
            return time.time_ns() + self.slept_ns
        if clock == "monotonic":
            return time.monotonic_ns() + self.slept_ns
        return time.process_time_ns()

    def _longs(self, *values: int, bits: int | None = None) -> bytes:
        """C longs (or `bits`-wide integers), wrapped as the kernel's stores wrap them
        (a 32-bit time_t after 2038, a clock moved forward by long sleeps)."""
        bits = bits or self.abi.bits
        return b"".join((v & MASK[bits]).to_bytes(bits // 8, "little") for v in values)

    def sys_time(self, machine: Machine, tloc: int, *_) -> int:
        seconds = self.now_ns() // 10**9
        if tloc:
            store(machine, tloc, self._longs(seconds))
        return seconds & MASK[self.abi.bits]

    def sys_gettimeofday(self, machine: Machine, tv: int, tz: int, *_) -> int:
        now = self.now_ns()
        if tv:
            store(machine, tv, self._longs(now // 10**9, now % 10**9 // 1000))
        if tz:
            store(machine, tz, bytes(8))
        return 0

    def sys_clock_gettime(self, machine: Machine, clock: int, ts: int, *_) -> int:
        if clock not in CLOCKS:
            raise KernelError(EINVAL)
        now = self.now_ns(CLOCKS[clock])
        store(machine, ts, self._longs(now // 10**9, now % 10**9, bits=32))
        return 0

    def sys_clock_gettime64(self, machine: Machine, clock: int, ts: int, *_) -> int:
        if clock not in CLOCKS:
            raise KernelError(EINVAL)
        now = self.now_ns(CLOCKS[clock])
        store(machine, ts, self._longs(now // 10**9, now % 10**9, bits=64))
        return 0

    def sys_times(self, machine: Machine, buf: int, *_) -> int:
        cpu = time.process_time_ns() // 10**7                     # clock ticks of 10 ms
        if buf:
            store(machine, buf, self._longs(cpu, 0, 0, 0))
        return (self.now_ns("monotonic") - self.started) // 10**7 & 0x7FFFFFFF

    def sys_nanosleep(self, machine: Machine, req: int, rem: int, *_) -> int | Stop:
        return self._sleep(machine, req, rem, "<" + 2 * self.abi.slong, absolute=None)

    def sys_clock_nanosleep(self, machine: Machine, clock: int, flags: int, req: int,
                            rem: int, *_) -> int | Stop:
        return self._clock_sleep(machine, clock, flags, req, rem, "<" + 2 * self.abi.slong)

    def sys_clock_nanosleep_time64(self, machine: Machine, clock: int, flags: int, req: int,
                                   rem: int, *_) -> int | Stop:
        return self._clock_sleep(machine, clock, flags, req, rem, "<qq")

    def _clock_sleep(self, machine: Machine, clock: int, flags: int, req: int, rem: int,
                     timespec: str) -> int | Stop:
        if CLOCKS.get(clock) not in ("realtime", "monotonic"):
            raise KernelError(EINVAL)
        return self._sleep(machine, req, rem, timespec,
                           absolute=CLOCKS[clock] if flags & 1 else None)  # TIMER_ABSTIME

    def _sleep(self, machine: Machine, req: int, rem: int, timespec: str,
               absolute: str | None) -> int | Stop:
        """Sleep on the virtual clock (to an absolute time of `absolute`'s clock, else for
        the time asked); a timer's signal first interrupts it (EINTR, the rest in `rem`)."""
        size = struct.calcsize(timespec)
        seconds, nanos = struct.unpack(timespec, machine.read(req, size))
        if seconds < 0 or not 0 <= nanos < 10**9:
            raise KernelError(EINVAL)
        duration = seconds * 10**9 + nanos
        if absolute is not None:
            duration = max(duration - self.now_ns(absolute), 0)
        if self.on_yield is not None:             # a scheduler runs someone else meanwhile
            machine.regs.eax = 0
            stop = self.on_yield(machine, "sleep", self.now_ns("monotonic") + duration)
            if stop is not None:
                return stop
        wake = self.now_ns("monotonic") + duration
        if self.sleep_until(machine, wake):       # a timer's signal: its handler runs next
            if rem and absolute is None:
                left = max(wake - self.now_ns("monotonic"), 0)
                store(machine, rem, struct.pack(timespec, left // 10**9, left % 10**9))
            raise KernelError(EINTR)
        return 0

    def sys_sched_yield(self, machine: Machine, *_) -> int | Stop:
        if self.on_yield is not None:
            machine.regs.eax = 0
            stop = self.on_yield(machine, "yield")
            if stop is not None:
                return stop
        return 0

    # -- threads and signals (bookkeeping) -------------------------------------------

    def sys_set_thread_area(self, machine: Machine, info: int, *_) -> int:
        entry, base, limit, flags = struct.unpack("<IIII", machine.read(info, 16))
        if entry == 0xFFFFFFFF:
            used = {i for i in TLS_ENTRIES if any(machine.engine.gdt_entry(i))}
            free = [i for i in TLS_ENTRIES if i not in used]
            if not free:
                raise KernelError(ESRCH)                  # what Linux answers when all are used
            entry = free[0]
            store(machine, info, struct.pack("<I", entry))
        if entry not in TLS_ENTRIES:
            raise KernelError(EINVAL)
        seg_32bit, contents = flags & 1, flags >> 1 & 3
        read_exec_only, in_pages, not_present = flags >> 3 & 1, flags >> 4 & 1, flags >> 5 & 1
        if not_present and read_exec_only and contents == 0 and not base and not limit:
            machine.engine.set_gdt_entry(entry, bytes(8))          # clear the entry
            return 0
        access = 0x80 * (not not_present) | 0x60 | 0x10 | contents << 2 | \
            (0 if read_exec_only else 2) | 1
        if contents & 2:                                              # code segment
            access |= 8
        raw = descriptor(base, limit, access, (seg_32bit << 2) | (in_pages << 3))
        machine.engine.set_gdt_entry(entry, raw)
        return 0

    def sys_arch_prctl(self, machine: Machine, code: int, address: int, *_) -> int:
        """FS and GS bases of a 64-bit process (how its C library finds thread data)."""
        base = ARCH_PRCTL.get(code)
        if machine.bits != 64 or base is None:
            raise KernelError(EINVAL)
        name, get = base
        if get:
            store(machine, address, struct.pack("<Q", machine.regs[name]))
        else:
            machine.regs[name] = address
        return 0

    def sys_set_tid_address(self, machine: Machine, address: int, *_) -> int:
        self.tid_address = address
        return self.pid

    def sys_set_robust_list(self, machine: Machine, head: int, size: int, *_) -> int:
        if size != 3 * self.abi.bits // 8:        # three pointers
            raise KernelError(EINVAL)
        self.robust_list = head                   # recorded; there are no other threads
        return 0

    def sys_ugetrlimit(self, machine: Machine, resource: int, limits: int, *_) -> int:
        if resource > 15:
            raise KernelError(EINVAL)
        store(machine, limits, struct.pack("<" + 2 * self.abi.long,
                                           *self._limits(resource, self.abi.bits)))
        return 0

    def sys_prlimit64(self, machine: Machine, pid: int, resource: int, new: int, old: int,
                      *_) -> int:
        """Read limits (64-bit fields in both ABIs); setting them is refused."""
        if pid not in (0, self.pid) or resource > 15:
            raise KernelError(ESRCH if resource <= 15 else EINVAL)
        if new:
            raise KernelError(EPERM)
        if old:
            store(machine, old, struct.pack("<QQ", *self._limits(resource, 64)))
        return 0

    @staticmethod
    def _limits(resource: int, bits: int) -> tuple[int, int]:
        """(soft, hard) of a resource; infinity is all ones of the field."""
        infinity = (1 << bits) - 1
        return {3: (8 << 20, infinity), 7: (1024, 1024)}.get(    # stack, open files
            resource, (infinity, infinity))

    def sys_getrandom(self, machine: Machine, buf: int, length: int, flags: int, *_) -> int:
        if flags & ~7:
            raise KernelError(EINVAL)
        length = min(length, 33554431)
        store(machine, buf, self.random.randbytes(length))
        return length
