"""Signals, delivered for real: handlers run on the guest's stack in the frame Linux
builds (i386: `sigframe` or, with SA_SIGINFO, `rt_sigframe`; x86-64: `rt_sigframe`) and
come back through sigreturn/rt_sigreturn, which restore what the frame holds, so a
handler that edits `uc_mcontext` (a SIGSEGV handler skipping the faulting instruction)
resumes where it says.

A signal is delivered when the guest comes back from a system call (kill, raise, a
write to a closed pipe, sigprocmask unblocking one), at a fault the guest has a handler
for (SIGSEGV SIGFPE SIGILL SIGTRAP SIGBUS), and when a timer (alarm, setitimer
ITIMER_REAL) expires on the virtual clock: pause, sigsuspend and nanosleep move the
clock to the expiry; while the guest computes, the machine looks between slices.
Without a handler, the default action: terminate (the Stop "signal"), or ignore.

The x87/SSE state at delivery is kept by the kernel per frame (the frame's `fpstate`
pointer is 0) and put back by sigreturn.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..cpu.memory import MemoryFault
from ..cpu.registers import FP, SEGMENTS, c_int, gpr
from ..errors import CpuemuError
from ..stop import Stop
from .errno import EINTR, EINVAL, ESRCH, KernelError
from .io import store
from .pipes import WouldBlock

if TYPE_CHECKING:
    from ..machine import Machine

SIG_DFL, SIG_IGN = 0, 1
SA_SIGINFO, SA_ONSTACK, SA_RESTART = 0x4, 0x08000000, 0x10000000
SA_NODEFER, SA_RESETHAND, SA_RESTORER = 0x40000000, 0x80000000, 0x04000000
SIGKILL, SIGSTOP, SIGALRM, SIGCHLD = 9, 19, 14, 17
IGNORED_BY_DEFAULT = {17, 23, 28}          # SIGCHLD SIGURG SIGWINCH
UNBLOCKABLE = (1 << (SIGKILL - 1)) | (1 << (SIGSTOP - 1))
SI_USER, SI_KERNEL, SI_TKILL = 0, 0x80, -6
# A fault the guest may handle: (signal, si_code) by the engines' fault kinds.
FAULT_SIGNALS = {"page-fault": (11, 1), "general-protection": (11, SI_KERNEL),
                 "divide-error": (8, 1), "invalid-opcode": (4, 2), "breakpoint": (5, 1),
                 "x87-fpu-error": (8, 0), "simd-fp-exception": (8, 0),
                 "alignment-check": (7, 1), "overflow": (11, SI_KERNEL),
                 "bound-range": (11, SI_KERNEL), "stack-fault": (7, SI_KERNEL)}
SIGRETURN_AT, RT_SIGRETURN_AT = 0x10, 0x20    # trampolines in the exit stub's page
SIGCONTEXT32 = ("gs", "fs", "es", "ds", "edi", "esi", "ebp", "esp", "ebx", "edx", "ecx",
                "eax", "trapno", "err", "eip", "cs", "eflags", "esp_at_signal", "ss",
                "fpstate", "oldmask", "cr2")
SIGCONTEXT64 = ("r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rdi", "rsi", "rbp",
                "rbx", "rdx", "rax", "rcx", "rsp", "rip", "rflags", "segments", "err",
                "trapno", "oldmask", "cr2", "fpstate")
# The flags sigreturn may restore (AC OF DF TF SF ZF AF PF CF, RF): as Linux's FIX_EFLAGS.
RESTORABLE_FLAGS = 0x40DD5 | 0x10000
TICK_NS = 10**9


@dataclass
class Action:
    handler: int = SIG_DFL
    flags: int = 0
    restorer: int = 0
    mask: int = 0


def bit(signal: int) -> int:
    return 1 << (signal - 1)


class SignalCalls:
    def init_signals(self) -> None:
        self.actions: dict[int, Action] = {}
        self.signal_mask = 0
        self.pending: dict[int, bytes] = {}        # signal -> its siginfo
        self.saved_fp: dict[int, dict[str, int]] = {}     # frame address -> x87/SSE state
        self.alarm_at: int | None = None           # virtual monotonic ns
        self.alarm_interval = 0
        self.altstack = (0, 2, 0)                  # ss_sp, ss_flags (SS_DISABLE), ss_size
        self.suspended_mask: int | None = None     # the mask sigsuspend replaced
        self.sigreturn_kind = ""

    # -- raising -----------------------------------------------------------------------

    def action(self, signal: int) -> Action:
        return self.actions.get(signal) or Action()

    def ignores(self, signal: int) -> bool:
        handler = self.action(signal).handler
        return handler == SIG_IGN or handler == SIG_DFL and signal in IGNORED_BY_DEFAULT

    def raise_signal(self, signal: int, code: int = SI_USER, address: int | None = None,
                     sender: int | None = None) -> None:
        """Make `signal` pending (an ignored one is dropped, as Linux drops it)."""
        if self.ignores(signal) and signal not in (SIGKILL, SIGSTOP):
            return
        self.pending.setdefault(signal, self._siginfo(signal, code, address,
                                                      self.pid if sender is None else sender))

    def _siginfo(self, signal: int, code: int, address: int | None, sender: int) -> bytes:
        bits = self.abi.bits
        head = struct.pack("<iii", signal, 0, code) + (bytes(4) if bits == 64 else b"")
        if address is not None:
            body = address.to_bytes(bits // 8, "little")
        elif code in (SI_USER, SI_TKILL):
            body = struct.pack("<iI", sender, os.getuid())
        else:
            body = b""
        return (head + body).ljust(128, b"\0")

    def kill_stop(self, machine: Machine, signal: int) -> Stop:
        from .process import SIGNAL_NAMES
        name = SIGNAL_NAMES.get(signal, f"signal {signal}")
        return Stop("signal", machine.pc, status=128 + signal, detail=name)

    # -- delivering --------------------------------------------------------------------

    def deliverable(self) -> int | None:
        ready = [s for s in self.pending if s in (SIGKILL, SIGSTOP)
                 or not self.signal_mask & bit(s)]
        return min(ready) if ready else None

    def deliver_pending(self, machine: Machine) -> Stop | None:
        """At a return to the guest: run the handler of each deliverable signal (the
        frames nest, the lowest signal innermost last), or end the process."""
        self._check_timer(machine)
        while (signal := self.deliverable()) is not None:
            info = self.pending.pop(signal)
            action = self.action(signal)
            if action.handler == SIG_IGN or (action.handler == SIG_DFL and
                                             signal in IGNORED_BY_DEFAULT):
                continue
            if action.handler == SIG_DFL or signal in (SIGKILL, SIGSTOP):
                return self.kill_stop(machine, signal)
            stop = self._frame(machine, signal, action, info)
            if stop is not None:
                return stop
        return None

    def deliver_fault(self, machine: Machine, stop: Stop) -> bool:
        """A fault the guest handles: set up the handler's frame (at the faulting
        instruction, so returning re-runs it) and say True; else False (the fault ends
        the run as before)."""
        fault = stop.fault
        signal, code = FAULT_SIGNALS.get(fault.kind, (None, 0))
        if signal is None:
            return False
        action = self.action(signal)
        if action.handler in (SIG_DFL, SIG_IGN) or self.signal_mask & bit(signal):
            return False                            # Linux: a blocked fault signal kills
        address = fault.address if signal in (11, 7) and fault.address is not None \
            else fault.eip
        info = self._siginfo(signal, code, address, 0)
        return self._frame(machine, signal, action, info) is None

    def _frame(self, machine: Machine, signal: int, action: Action, info: bytes) -> Stop | None:
        saved_mask = self.signal_mask
        if self.suspended_mask is not None:       # sigsuspend: sigreturn restores the old
            self.signal_mask, self.suspended_mask = self.suspended_mask, None
        try:
            if machine.bits == 64:
                self._frame64(machine, signal, action, info)
            else:
                self._frame32(machine, signal, action, info)
        except (MemoryFault, CpuemuError):          # no room on the stack: Linux kills
            return self.kill_stop(machine, 11)
        mask = saved_mask | action.mask | (0 if action.flags & SA_NODEFER else bit(signal))
        self.signal_mask = mask & ~UNBLOCKABLE
        if action.flags & SA_RESETHAND:
            self.actions[signal] = Action()
        return None

    def _stack_top(self, machine: Machine, action: Action) -> int:
        sp = machine.regs[gpr(machine.bits, 4)]
        base, flags, size = self.altstack
        on_alt = base <= sp < base + size
        if action.flags & SA_ONSTACK and flags == 0 and not on_alt:
            return base + size
        return sp

    def _frame32(self, machine: Machine, signal: int, action: Action, info: bytes) -> None:
        regs = machine.regs
        rt = bool(action.flags & SA_SIGINFO)
        mask = self.signal_mask
        context = self._sigcontext32(machine, mask)
        sp = self._stack_top(machine, action)
        if rt:
            size = 4 * 4 + 128 + 20 + len(context) + 8
        else:
            size = 4 * 2 + len(context) + 4
        frame = ((sp - size + 4) & ~15) - 4            # as after a call: (esp + 4) % 16 == 0
        restorer = action.restorer if action.flags & SA_RESTORER else \
            self._trampoline(rt)
        if rt:
            info_at, uc_at = frame + 16, frame + 16 + 128
            ucontext = struct.pack("<II", 0, 0) + struct.pack("<IiI", *self.altstack) + \
                context + struct.pack("<Q", mask)
            data = struct.pack("<IiII", restorer, signal, info_at, uc_at) + info + ucontext
        else:
            info_at = uc_at = 0
            data = struct.pack("<Ii", restorer, signal) + context + \
                struct.pack("<I", mask >> 32)
        machine.write(frame, data)
        self.saved_fp[frame] = self._fp_state(machine)
        regs.esp, regs.eip = frame, action.handler
        regs.eax, regs.edx, regs.ecx = signal, info_at, uc_at
        regs.eflags = regs.eflags & ~0x500                 # DF and TF clear

    def _sigcontext32(self, machine: Machine, mask: int) -> bytes:
        regs = machine.regs
        values = {name: regs[name] for name in ("edi", "esi", "ebp", "esp", "ebx", "edx",
                                                "ecx", "eax", "eip", "eflags")}
        values.update({seg: regs[seg] for seg in SEGMENTS})
        values.update(trapno=0, err=0, esp_at_signal=regs.esp, fpstate=0,
                      oldmask=mask & 0xFFFFFFFF, cr2=0)
        return struct.pack("<22I", *(values[name] & 0xFFFFFFFF for name in SIGCONTEXT32))

    def _frame64(self, machine: Machine, signal: int, action: Action, info: bytes) -> None:
        regs = machine.regs
        mask = self.signal_mask
        sp = self._stack_top(machine, action) - 128           # the red zone stays
        values = {name: regs[name] for name in SIGCONTEXT64[:18]}
        segments = regs.cs | regs.gs << 16 | regs.fs << 32 | regs.ss << 48
        values.update(segments=segments, err=0, trapno=0, oldmask=mask & 0xFFFFFFFF, cr2=0,
                      fpstate=0)
        context = struct.pack("<24Q", *(values[n] for n in SIGCONTEXT64)) + bytes(64)
        ucontext = struct.pack("<QQ", 0, 0) + struct.pack("<QiiQ", self.altstack[0],
                                                        self.altstack[1], 0,
                                                        self.altstack[2]) + \
            context + struct.pack("<Q", mask)
        size = 8 + len(ucontext) + 128
        frame = ((sp - size) & ~15) - 8                       # (rsp + 8) % 16 == 0
        restorer = action.restorer if action.flags & SA_RESTORER else self._trampoline(True)
        uc_at, info_at = frame + 8, frame + 8 + len(ucontext)
        machine.write(frame, struct.pack("<Q", restorer) + ucontext + info)
        self.saved_fp[frame] = self._fp_state(machine)
        regs.rsp, regs.rip = frame, action.handler
        regs.rdi, regs.rsi, regs.rdx, regs.rax = signal, info_at, uc_at, 0
        regs.rflags = regs.rflags & ~0x500

    def _trampoline(self, rt: bool) -> int:
        from ..process import EXIT_STUB
        return EXIT_STUB + (RT_SIGRETURN_AT if rt else SIGRETURN_AT)

    def _fp_state(self, machine: Machine) -> dict[str, int]:
        return {name: machine.regs[name] for name in FP[machine.bits]}

    # -- returning ---------------------------------------------------------------------

    def signal_due(self, machine: Machine) -> bool:
        """After a call: whether a signal is to be delivered now (timers looked at)."""
        self._check_timer(machine)
        return self.deliverable() is not None

    def handle(self, machine: Machine, stop: Stop) -> Stop | None:
        """What the machine does with a Stop the kernel or the engine gave, between
        instructions: deliver a pending signal (None: go on), finish a sigreturn, run a
        fault's handler; else the Stop itself."""
        if stop.reason == "fault":
            return None if self.deliver_fault(machine, stop) else stop
        if stop.reason == "signal" and stop.detail == "pending":
            return self.deliver_pending(machine)
        if stop.reason == "signal" and stop.detail == "return":
            return self.finish_sigreturn(machine)
        return stop

    def sys_sigreturn(self, machine: Machine, *_) -> KeepResult:
        self.sigreturn_kind = "sigreturn"
        return _KEEP_EAX

    def sys_rt_sigreturn(self, machine: Machine, *_) -> KeepResult:
        self.sigreturn_kind = "rt_sigreturn"
        return _KEEP_EAX

    def finish_sigreturn(self, machine: Machine) -> Stop | None:
        """Restore the frame at the stack pointer; a frame that is not readable (a
        sigreturn with no signal) is a SIGSEGV, as Linux's force_sig."""
        try:
            if self.sigreturn_kind == "sigreturn":
                return self._sigreturn(machine)
            return self._rt_sigreturn(machine)
        except (MemoryFault, CpuemuError):         # unreadable, or a selector the GDT lacks
            return self.kill_stop(machine, 11)

    def _sigreturn(self, machine: Machine) -> Stop | None:
        """i386's sigreturn: the handler's `ret` popped pretcode and the trampoline's
        `pop eax` the signal number, so the frame began 8 bytes below ESP."""
        frame = machine.regs.esp - 8
        context = struct.unpack("<22I", machine.read(frame + 8, 88))
        (high,) = struct.unpack("<I", machine.read(frame + 8 + 88, 4))
        return self._restore32(machine, frame, context, context[20] | high << 32)

    def _rt_sigreturn(self, machine: Machine) -> Stop | None:
        if machine.bits == 64:
            frame = machine.regs.rsp - 8
            uc = frame + 8
            raw = machine.read(uc + 40, 24 * 8)
            values = struct.unpack("<24Q", raw)
            (mask,) = struct.unpack("<Q", machine.read(uc + 40 + 256, 8))
            return self._restore64(machine, frame, values, mask)
        frame = machine.regs.esp - 4                 # the handler's `ret` popped pretcode
        uc = frame + 16 + 128
        context = struct.unpack("<22I", machine.read(uc + 20, 88))
        (mask,) = struct.unpack("<Q", machine.read(uc + 20 + 88, 8))
        return self._restore32(machine, frame, context, mask)

    def _restore32(self, machine: Machine, frame: int, context, mask: int) -> Stop | None:
        regs = machine.regs
        values = dict(zip(SIGCONTEXT32, context, strict=True))
        for seg in ("gs", "fs", "es", "ds"):
            regs[seg] = values[seg] & 0xFFFF
        for name in ("edi", "esi", "ebp", "esp", "ebx", "edx", "ecx", "eip"):
            regs[name] = values[name]
        regs.eflags = regs.eflags & ~RESTORABLE_FLAGS | values["eflags"] & RESTORABLE_FLAGS
        self._finish_return(machine, frame, mask)
        regs.eax = values["eax"]                       # the syscall's result is this
        return self.deliver_pending(machine)

    def _restore64(self, machine: Machine, frame: int, values, mask: int) -> Stop | None:
        regs = machine.regs
        saved = dict(zip(SIGCONTEXT64, values, strict=True))
        for name in SIGCONTEXT64[:17]:
            if name != "rax":
                regs[name] = saved[name]
        regs.rflags = regs.rflags & ~RESTORABLE_FLAGS | saved["rflags"] & RESTORABLE_FLAGS
        self._finish_return(machine, frame, mask)
        regs.rax = saved["rax"]
        return self.deliver_pending(machine)

    def _finish_return(self, machine: Machine, frame: int, mask: int) -> None:
        for name, value in self.saved_fp.pop(frame, {}).items():
            machine.regs[name] = value
        self.signal_mask = mask & ~UNBLOCKABLE

    # -- the calls ---------------------------------------------------------------------

    def sys_rt_sigaction(self, machine: Machine, signal: int, act: int, old: int,
                         size: int, *_) -> int:
        if not 1 <= signal <= 64 or size != 8 or act and signal in (SIGKILL, SIGSTOP):
            raise KernelError(EINVAL)
        long = self.abi.long                 # {handler, flags, restorer, mask}
        fmt = f"<{long}{long}{long}Q"
        if old:
            a = self.action(signal)
            store(machine, old, struct.pack(fmt, a.handler, a.flags, a.restorer, a.mask))
        if act:
            handler, flags, restorer, mask = struct.unpack(
                fmt, machine.read(act, struct.calcsize(fmt)))
            self._set_action(signal, Action(handler, flags & 0xFFFFFFFF, restorer, mask))
        return 0

    def sys_sigaction(self, machine: Machine, signal: int, act: int, old: int, *_) -> int:
        """i386's old sigaction: {handler, mask (32 bits), flags, restorer}."""
        if not 1 <= signal <= 31 or act and signal in (SIGKILL, SIGSTOP):
            raise KernelError(EINVAL)
        if old:
            a = self.action(signal)
            store(machine, old, struct.pack("<IIII", a.handler, a.mask & 0xFFFFFFFF,
                                            a.flags, a.restorer))
        if act:
            handler, mask, flags, restorer = struct.unpack("<IIII", machine.read(act, 16))
            self._set_action(signal, Action(handler, flags, restorer, mask))
        return 0

    def _set_action(self, signal: int, action: Action) -> None:
        self.actions[signal] = action
        if self.ignores(signal):
            self.pending.pop(signal, None)              # setting SIG_IGN drops a pending one

    def sys_rt_sigprocmask(self, machine: Machine, how: int, new: int, old: int,
                           size: int, *_) -> int:
        if size != 8 or how > 2:
            raise KernelError(EINVAL)
        return self._procmask(machine, how, new, old, 8)

    def sys_sigprocmask(self, machine: Machine, how: int, new: int, old: int, *_) -> int:
        if how > 2:
            raise KernelError(EINVAL)
        return self._procmask(machine, how, new, old, 4)

    def _procmask(self, machine: Machine, how: int, new: int, old: int, size: int) -> int:
        current = self.signal_mask
        if new:
            mask = int.from_bytes(machine.read(new, size), "little")
            if size == 4:
                mask |= current & ~0xFFFFFFFF if how == 2 else 0
            self.signal_mask = (current | mask, current & ~mask, mask)[how] & ~UNBLOCKABLE
        if old:
            store(machine, old, (current & ((1 << (8 * size)) - 1)).to_bytes(size, "little"))
        return 0

    def sys_rt_sigpending(self, machine: Machine, out: int, size: int, *_) -> int:
        if size != 8:
            raise KernelError(EINVAL)
        store(machine, out, struct.pack("<Q", sum(bit(s) for s in self.pending)))
        return 0

    def sys_kill(self, machine: Machine, pid: int, signal: int, *_) -> int:
        """To this process, another (by pid), a process group (-pgid, 0: ours) or every
        process (-1)."""
        if not 0 <= signal <= 64:
            raise KernelError(EINVAL)
        pid = c_int(pid)
        targets = self._targets(pid)
        if not targets:
            raise KernelError(ESRCH)
        if signal:
            for kernel in targets:
                kernel.raise_signal(signal, SI_USER, sender=self.pid)
        return 0

    def _targets(self, pid: int) -> list:
        table = self.processes
        kernels = [self] if table is None else \
            [m.kernel for m in table.processes.values() if not getattr(m, "ended", False)]
        if pid > 0:
            return [k for k in kernels if k.pid == pid]
        if pid == 0:
            return [k for k in kernels if k.process_group == self.process_group]
        if pid == -1:
            return kernels
        return [k for k in kernels if k.process_group == -pid]

    def sys_tgkill(self, machine: Machine, tgid: int, tid: int, signal: int, *_) -> int:
        if tgid != self.pid or tid != self.pid:
            raise KernelError(ESRCH)
        if not 0 <= signal <= 64:
            raise KernelError(EINVAL)
        if signal:
            self.raise_signal(signal, SI_TKILL)
        return 0

    def sys_tkill(self, machine: Machine, tid: int, signal: int, *_) -> int:
        return self.sys_tgkill(machine, self.pid, tid, signal)

    # -- waiting and timers ------------------------------------------------------------

    def sys_pause(self, machine: Machine, *_) -> int:
        self._wait_for_signal(machine, self.signal_mask)
        raise KernelError(EINTR)

    def sys_rt_sigsuspend(self, machine: Machine, new: int, size: int, *_) -> int:
        if size != 8:
            raise KernelError(EINVAL)
        (mask,) = struct.unpack("<Q", machine.read(new, 8))
        return self._suspend(machine, mask)

    def sys_sigsuspend(self, machine: Machine, a: int, b: int, c: int, *_) -> int:
        return self._suspend(machine, c & 0xFFFFFFFF | self.signal_mask & ~0xFFFFFFFF)

    def _suspend(self, machine: Machine, mask: int) -> int:
        """Wait with `mask` in place; the handler runs with it, and its frame keeps the
        mask from before the call for sigreturn to put back."""
        self._wait_for_signal(machine, mask & ~UNBLOCKABLE)
        self.suspended_mask = self.signal_mask
        self.signal_mask = mask & ~UNBLOCKABLE
        raise KernelError(EINTR)

    def _wait_for_signal(self, machine: Machine, mask: int) -> None:
        """Until a signal not in `mask` is pending: the virtual clock moves on to the
        timer's expiry; with no timer and nothing pending, it would wait forever."""
        if any(not mask & bit(s) for s in self.pending):
            return
        if self.alarm_at is None:
            raise WouldBlock("waiting for a signal that nothing will send", None)
        self.slept_ns += max(self.alarm_at - self.now_ns("monotonic"), 0)
        self._check_timer(machine)

    def sleep_until(self, machine: Machine, wake_ns: int) -> bool:
        """nanosleep: the clock moves to `wake_ns`, or to a timer's expiry before it
        (True: interrupted, a signal is pending)."""
        if self.alarm_at is not None and self.alarm_at < wake_ns:
            self.slept_ns += max(self.alarm_at - self.now_ns("monotonic"), 0)
            self._check_timer(machine)
            if self.deliverable() is not None:
                return True
        self.slept_ns += max(wake_ns - self.now_ns("monotonic"), 0)
        self._check_timer(machine)
        return False

    def timer_armed(self) -> bool:
        return self.alarm_at is not None

    def _check_timer(self, machine: Machine) -> None:
        if self.alarm_at is not None and self.now_ns("monotonic") >= self.alarm_at:
            self.alarm_at = self.alarm_at + self.alarm_interval if self.alarm_interval \
                else None
            self.raise_signal(SIGALRM, SI_KERNEL)

    def _remaining(self) -> int:
        if self.alarm_at is None:
            return 0
        return max(self.alarm_at - self.now_ns("monotonic"), 1)

    def sys_alarm(self, machine: Machine, seconds: int, *_) -> int:
        left = self._remaining()
        previous = (left + TICK_NS // 2) // TICK_NS if left else 0
        if left and not previous:
            previous = 1
        self.alarm_interval = 0
        self.alarm_at = self.now_ns("monotonic") + seconds * TICK_NS if seconds else None
        return previous

    def sys_setitimer(self, machine: Machine, which: int, new: int, old: int, *_) -> int:
        if which != 0:                                 # ITIMER_REAL only
            raise KernelError(EINVAL)
        fmt = "<" + 4 * self.abi.slong                 # {interval, value} timevals
        if old:
            self._store_timer(machine, old, fmt)
        if new:
            isec, iusec, vsec, vusec = struct.unpack(fmt, machine.read(new,
                                                                      struct.calcsize(fmt)))
            if min(isec, iusec, vsec, vusec) < 0 or iusec >= 10**6 or vusec >= 10**6:
                raise KernelError(EINVAL)
            value = vsec * TICK_NS + vusec * 1000
            self.alarm_interval = isec * TICK_NS + iusec * 1000
            self.alarm_at = self.now_ns("monotonic") + value if value else None
        return 0

    def sys_getitimer(self, machine: Machine, which: int, out: int, *_) -> int:
        if which != 0:
            raise KernelError(EINVAL)
        self._store_timer(machine, out, "<" + 4 * self.abi.slong)
        return 0

    def _store_timer(self, machine: Machine, address: int, fmt: str) -> None:
        left = self._remaining()
        interval = self.alarm_interval
        store(machine, address, struct.pack(fmt, interval // TICK_NS,
                                            interval % TICK_NS // 1000, left // TICK_NS,
                                            left % TICK_NS // 1000))

    def sys_sigaltstack(self, machine: Machine, new: int, old: int, *_) -> int:
        fmt = "<Iii" if self.abi.bits == 32 else "<Qi4xQ"       # {ss_sp, ss_flags, ss_size}
        if old:
            store(machine, old, struct.pack(fmt, *self.altstack))
        if new:
            sp, flags, size = struct.unpack(fmt, machine.read(new, struct.calcsize(fmt)))
            if flags not in (0, 2):
                raise KernelError(EINVAL)
            self.altstack = (sp, flags, size)
        return 0


class KeepResult:
    """sigreturn's result: the accumulator is what the frame restored, not a result."""


_KEEP_EAX = KeepResult()
