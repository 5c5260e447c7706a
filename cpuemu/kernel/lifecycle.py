"""Processes: fork, vfork and clone (process-style flags), execve of a static ELF inside
the sandbox, wait4/waitpid with zombies and exit statuses, and the kernel state a child
copies (descriptors sharing their open files, signal actions, the cwd).

A call that makes or replaces a process ends the engine's run with a Stop the machine
carries out (`processes.py` holds the table and runs them in turn), so no engine is
copied or replaced while it is inside a trap.
"""

from __future__ import annotations

import copy
import os
import struct
from typing import TYPE_CHECKING

from ..errors import CpuemuError
from ..stop import Stop
from .errno import E2BIG, EACCES, ECHILD, EINVAL, ENOENT, ENOEXEC, ENOSYS, KernelError
from .files import FdTable
from .memory import MemoryCalls
from .pipes import WouldBlock

if TYPE_CHECKING:
    from ..machine import Machine

CLONE_VM, CLONE_THREAD, CLONE_VFORK = 0x100, 0x10000, 0x4000
CLONE_PARENT_SETTID, CLONE_CHILD_SETTID = 0x100000, 0x1000000
CLONE_CHILD_CLEARTID, CLONE_SETTLS = 0x200000, 0x80000
WNOHANG = 1
MAX_ARGS = 4096


class LifecycleCalls:
    # -- making processes ----------------------------------------------------------------

    def sys_fork(self, machine: Machine, *_) -> Stop:
        self.fork_request = {"flags": 17, "child_tid": 0, "parent_tid": 0}
        return Stop("process", machine.pc, detail="fork")

    sys_vfork = sys_fork                    # the child runs first and execs or exits

    def sys_clone(self, machine: Machine, flags: int, stack: int, parent_tid: int,
                  a4: int, a5: int, *_) -> Stop:
        """Process-style clone (what glibc's fork makes); threads (CLONE_VM,
        CLONE_THREAD) are not supported. i386 passes tls then child_tid; x86-64 the
        other way round."""
        if flags & (CLONE_THREAD | CLONE_VM) and not flags & CLONE_VFORK:
            raise KernelError(ENOSYS)
        child_tid = a5 if machine.bits == 32 else a4
        self.fork_request = {"flags": flags, "child_tid": child_tid,
                             "parent_tid": parent_tid, "stack": stack}
        return Stop("process", machine.pc, detail="fork")

    def forked(self, pid: int):
        """The child's kernel: a copy of this one with its own descriptor table (sharing
        the open files), cwd, signal state and pid."""
        child = copy.copy(self)
        child.pid, child.ppid = pid, self.pid
        child.fds = FdTable()
        for fd, file in self.fds.files.items():
            child.fds.install(fd, file, cloexec=fd in self.fds.cloexec)
        child.sandbox = copy.copy(self.sandbox)
        child.actions = dict(self.actions)
        child.pending, child.saved_fp = {}, {}
        child.alarm_at, child.alarm_interval = None, 0
        child._entries = {}
        child.children, child.zombies = [], {}
        child.unknown_logged = set(self.unknown_logged)
        if self.libc is not None:                  # stdio's unflushed buffer is copied too
            child.libc = copy.copy(self.libc)
            child.libc.kernel = child
            child.libc.out = bytearray(self.libc.out)
            child.libc.inbuf = bytearray(self.libc.inbuf)
        return child

    # -- replacing the program -----------------------------------------------------------

    def sys_execve(self, machine: Machine, path: int, argv: int, envp: int, *_) -> Stop:
        from ..elf import load_elf
        from ..errors import LoadError
        name = self.path(machine, path)
        host = self.sandbox.resolve(name)
        if not os.path.isfile(host):
            raise KernelError(EACCES if os.path.exists(host) else ENOENT)
        if not os.access(host, os.X_OK):
            raise KernelError(EACCES)
        arguments = self._strings(machine, argv)
        environment = self._strings(machine, envp)
        try:
            program = load_elf(host)
        except (LoadError, CpuemuError):
            raise KernelError(ENOEXEC) from None
        env = dict(e.split("=", 1) if "=" in e else (e, "") for e in environment)
        self.exec_request = (program, arguments, env)
        return Stop("process", machine.pc, detail="exec")

    def _strings(self, machine: Machine, address: int) -> list[str]:
        out: list[str] = []
        if not address:
            return out
        word = machine.bits // 8
        while len(out) < MAX_ARGS:
            pointer = int.from_bytes(machine.read(address + word * len(out), word), "little")
            if not pointer:
                return out
            out.append(machine.read_cstring(pointer).decode("utf-8", "surrogateescape"))
        raise KernelError(E2BIG)

    def exec_reset(self) -> None:
        """What execve resets: close-on-exec descriptors, caught signals, the heap."""
        for fd in list(self.fds.cloexec):
            self.fds.close(fd)
        for signal, action in list(self.actions.items()):
            if action.handler not in (0, 1):
                del self.actions[signal]
        # (a pending alarm survives exec, as on Linux)
        MemoryCalls.__init__(self)                     # a new heap, after the new program
        self.libc = None
        self._entries = {}

    # -- waiting for children ------------------------------------------------------------

    def sys_wait4(self, machine: Machine, pid: int, status: int, options: int,
                  rusage: int, *_) -> int:
        if options & ~(WNOHANG | 2 | 8 | 0x40000000):
            raise KernelError(EINVAL)
        pid = pid - (1 << machine.bits) if pid >> (machine.bits - 1) & 1 else pid
        children = [c for c in self.children if pid in (-1, 0) or c == pid or
                    (pid < -1 and self.processes.group_of(c) == -pid)]
        if not children:
            raise KernelError(ECHILD)
        ready = next((c for c in children if c in self.zombies), None)
        if ready is None:
            if options & WNOHANG:
                return 0
            raise WouldBlock("waiting for a child that has not ended", None)
        code = self.zombies.pop(ready)
        self.children.remove(ready)
        self.processes.reap(ready)
        if status:
            machine.write(status, struct.pack("<i", code))
        if rusage:
            machine.write(rusage, bytes(72 if machine.bits == 32 else 144))
        return ready

    def sys_waitpid(self, machine: Machine, pid: int, status: int, options: int,
                    *_) -> int:
        return self.sys_wait4(machine, pid, status, options, 0)


def wait_status(stop: Stop) -> int:
    """What wait() reports for a process that ended with `stop`."""
    if stop.reason == "exited":
        return (stop.status & 0xFF) << 8
    signal = (stop.status or 128) - 128
    return signal | (0x80 if signal in (3, 4, 5, 6, 7, 8, 11, 24, 25, 31) else 0)
