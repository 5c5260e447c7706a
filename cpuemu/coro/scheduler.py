"""The host-side coroutine scheduler.

`Scheduler(machine)` runs guest functions as coroutines: `spawn(entry, *args)` gives each
a fresh stack and calls it as C would (cdecl: arguments on the stack; System V in
64-bit code: arguments in registers, RSP aligned) with a return address that ends the
coroutine, and `run()` switches between them at the kernel's blocking points:

- a read from an empty pipe or a write to a full one (the call is retried on resume),
- `sched_yield` (returns 0 when the coroutine resumes),
- `nanosleep` (the coroutine wakes when the virtual clock reaches its deadline).

Policy: round-robin in spawn order. After a coroutine stops, the next coroutine after it
in spawn order that can run is resumed; a coroutine blocked on I/O is retried in its turn.
When a whole round makes no progress and someone sleeps, the virtual clock jumps to the
earliest deadline; when nobody sleeps, the run ends in a "deadlock" Stop whose detail
lists each coroutine's state and backtrace.
Switching saves and restores the whole register context (context.py).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..abi.call import SYSV_REGISTERS
from ..abi.frames import declare_function
from ..cpu.memory import PAGE, RW, RX
from ..cpu.registers import EAX, EBP, ESP, flags_name, gpr, pc_name
from ..errors import CpuemuError
from ..stop import Stop
from .context import Context, restore, save

if TYPE_CHECKING:
    from ..machine import Machine

STACKS = 0x70000000                  # coroutine stacks are carved from here upwards
CORO_RETURN = 0xFFFFC000             # the return address of every coroutine: a breakpoint
GUARD = PAGE                         # an unmapped page below each stack


@dataclass
class Coroutine:
    id: int
    name: str
    entry: int
    context: Context
    stack: tuple[int, int]                      # base, size
    state: str = "ready"                        # ready running blocked sleeping done
    waiting: str = ""                           # what it waits for
    wake_ns: int = 0
    result: int | None = None
    switches: int = 0


class Scheduler:
    def __init__(self, machine: Machine):
        self.machine = machine
        self.tasks: list[Coroutine] = []
        self.current: Coroutine | None = None
        self.trace: list[tuple[str, str]] = []    # (coroutine, why it stopped)
        self._next_stack = STACKS
        machine.kernel.on_block = self._blocked
        machine.kernel.on_yield = self._yielded
        machine.engine.map(CORO_RETURN, PAGE, RX)
        machine.engine.write(CORO_RETURN, b"\xCC" * PAGE, need=0)
        machine.add_breakpoint(CORO_RETURN)

    # -- creating ------------------------------------------------------------------------

    def spawn(self, entry: int | str, *args: int, stack_size: int = 64 * 1024,
              name: str | None = None) -> Coroutine:
        """A coroutine that will run entry(*args) (ints) on a stack of its own."""
        machine = self.machine
        address = machine.address(entry)
        size = (stack_size + PAGE - 1) // PAGE * PAGE
        base = self._next_stack + GUARD
        self._next_stack = base + size
        machine.engine.map(base, size, RW)
        top = base + size
        context = save(machine)
        bits = machine.bits
        if bits == 64:                              # System V: arguments in registers
            if len(args) > len(SYSV_REGISTERS):
                raise CpuemuError(f"a coroutine takes at most {len(SYSV_REGISTERS)} arguments")
            context.update({reg: a & ((1 << 64) - 1) for reg, a in zip(SYSV_REGISTERS, args,
                                                                        strict=False)})
            frame = struct.pack("<Q", CORO_RETURN)  # RSP = 8 mod 16, as after a call
        else:
            frame = struct.pack(f"<{len(args) + 1}I", CORO_RETURN,
                                *(a & 0xFFFFFFFF for a in args))
        sp = top - len(frame)
        machine.write(sp, frame)
        context.update({pc_name(bits): address, gpr(bits, ESP): sp, gpr(bits, EBP): 0,
                        flags_name(bits): 0x202})
        declare_function(machine.program, address)
        task = Coroutine(len(self.tasks), name or machine.program.symbolize(address),
                         address, context, (base, size))
        self.tasks.append(task)
        return task

    # -- running -------------------------------------------------------------------------

    def run(self, max_instructions: int | None = None) -> Stop:
        """Run until every coroutine has returned, the process ends, or a deadlock."""
        machine = self.machine
        stuck = 0                # resumes in a row that re-blocked where they were
        index = -1
        while True:
            live = [t for t in self.tasks if t.state != "done"]
            if not live:
                return Stop("exited", machine.pc, status=0,
                            detail="every coroutine returned")
            task, index = self._pick(index)
            if task is None or stuck >= len(live):    # nothing can move by running now
                sleepers = [t for t in live if t.state == "sleeping"]
                if not sleepers:
                    return self._deadlock()
                wake = min(t.wake_ns for t in sleepers)   # jump the clock to the next timer
                machine.kernel.slept_ns += max(0, wake - machine.kernel.now_ns("monotonic"))
                stuck = 0
                continue
            pc = machine.pc_name
            before = task.context[pc], task.waiting
            stop = self._resume(task, max_instructions)
            if stop is not None:
                return stop
            same = task.state == "blocked" and (task.context[pc], task.waiting) == before
            stuck = stuck + 1 if same else 0

    def _pick(self, after: int) -> tuple[Coroutine | None, int]:
        """The next coroutine after `after` (in spawn order) that can run now."""
        now = self.machine.kernel.now_ns("monotonic")
        n = len(self.tasks)
        for step in range(1, n + 1):
            i = (after + step) % n
            task = self.tasks[i]
            if task.state == "sleeping" and task.wake_ns <= now:
                task.state = "ready"
            if task.state in ("ready", "blocked"):
                return task, i
        return None, after

    def _resume(self, task: Coroutine, budget: int | None) -> Stop | None:
        machine = self.machine
        restore(machine, task.context)
        machine.exit_status = None
        self.current = task
        task.state = "running"
        task.switches += 1
        stop = machine.run(budget)
        self.current = None
        task.context = save(machine)
        if stop.reason == "breakpoint" and stop.eip == CORO_RETURN:
            task.state, task.result = "done", machine.regs[gpr(machine.bits, EAX)]
            self.trace.append((task.name, "returned"))
            return None
        if stop.reason == "switch":
            self.trace.append((task.name, stop.detail))
            return None
        task.state = "done"
        self.trace.append((task.name, str(stop)))
        return stop                                    # exit, signal, fault, budget

    # -- kernel hooks ----------------------------------------------------------------------

    def _blocked(self, machine: Machine, blocked) -> Stop | None:
        task = self.current
        if task is None:
            return None
        task.state, task.waiting = "blocked", blocked.what
        return Stop("switch", machine.pc, detail=f"blocked: {blocked.what}")

    def _yielded(self, machine: Machine, why: str, wake_ns: int = 0) -> Stop | None:
        task = self.current
        if task is None:
            return None
        if why == "sleep":
            task.state, task.wake_ns, task.waiting = "sleeping", wake_ns, "a timer"
        else:
            task.state, task.waiting = "ready", ""
        return Stop("switch", machine.pc, detail=why)

    # -- reports -----------------------------------------------------------------------

    def _deadlock(self) -> Stop:
        from ..views.coro import coroutine_table
        detail = ("every coroutine is blocked and none can make progress\n"
                  + coroutine_table(self, backtraces=True))
        return Stop("deadlock", self.machine.pc, detail=detail)

    def backtrace(self, task: Coroutine) -> list[str]:
        """The coroutine's stack frames, walked from its saved context."""
        from ..views.stack import backtrace
        machine = self.machine
        live = save(machine)
        try:
            restore(machine, task.context)
            return backtrace(machine)
        except CpuemuError:
            return []
        finally:
            restore(machine, live)
