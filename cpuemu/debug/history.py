"""Time travel in the interpreter, as record-and-replay debuggers (rr, UndoDB) do it.

The interpreter is deterministic: given the same machine it executes the same way. What
comes from outside, the kernel's answers, is logged: for each system call, the CPU state
it left and the bytes and pages it changed. Every `interval` instructions a checkpoint
keeps the CPU state and memory (pages unchanged since the previous checkpoint are
shared, so each one costs what changed). Going back to instruction N restores the
nearest checkpoint at or before N and executes forward to N at full speed; while the
timeline is inside what was recorded, system calls are answered from the log (nothing
is written to the terminal twice, nothing is read again), and past the end of it they
run live and are logged.

Memory stays bounded: when there are more than `max_checkpoints`, every other one is
dropped (going back then replays further). History starts where the `History` was
made; `start` says where, and going back stops there.

Changing the machine while in the past (registers, memory) is not supported: the log
would answer system calls the changed program may not make.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..cpu.memory import PAGE
from ..errors import CpuemuError
from ..stop import Stop

if TYPE_CHECKING:
    from ..machine import Machine

INTERVAL = 50_000
MAX_CHECKPOINTS = 100


@dataclass
class Checkpoint:
    retired: int
    cpu: tuple
    memory: dict
    syscalls: int                  # how many logged calls came before it
    exit_status: int | None
    last_stop: Stop | None


@dataclass
class Call:
    """One system call's effect: the CPU state after it, the bytes it wrote and the
    pages it mapped, unmapped or protected (their state after it), and its Stop."""

    cpu: tuple
    writes: list[tuple[int, bytes]]
    mappings: list          # (address, size, MemoryImage of the range after the call)
    stop: Stop | None


class History:
    def __init__(self, machine: Machine, interval: int = INTERVAL,
                 max_checkpoints: int = MAX_CHECKPOINTS):
        if machine.engine.name != "interp":
            raise CpuemuError("time travel needs the interp engine (it replays)")
        self.machine = machine
        self.engine = machine.engine
        self.interval = interval
        self.max_checkpoints = max_checkpoints
        self.log: list[Call] = []
        self.syscalls = 0                      # calls made so far on this timeline
        self.start = self.engine.retired()
        self.checkpoints: list[Checkpoint] = []
        self._checkpoint()
        self._live = self.engine.trap
        self.engine.trap = self._trap

    def close(self) -> None:
        self.engine.trap = self._live

    @property
    def now(self) -> int:
        return self.engine.retired()

    def __len__(self) -> int:
        """Instructions that can be stepped back."""
        return self.now - self.start

    def memory_bytes(self) -> int:
        """Bytes held by checkpoints and the log (pages shared between checkpoints once)."""
        seen: set[int] = set()
        total = 0
        for cp in self.checkpoints:
            for data in cp.memory.pages.values():
                if id(data) not in seen:
                    seen.add(id(data))
                    total += len(data)
        for call in self.log:
            total += sum(len(data) for _, data in call.writes) + \
                sum(len(image.pages) * PAGE for _, _, image in call.mappings)
        return total

    # -- recording ---------------------------------------------------------------------

    def _checkpoint(self) -> None:
        machine, cpu = self.machine, self.engine.cpu
        previous = self.checkpoints[-1].memory if self.checkpoints else None
        self.checkpoints.append(Checkpoint(self.now, cpu.state(),
                                           self.engine.mem.snapshot(previous), self.syscalls,
                                           machine.exit_status, machine.last_stop))
        if len(self.checkpoints) > self.max_checkpoints:     # thin out: bounded memory
            self.checkpoints = self.checkpoints[:1] + self.checkpoints[2::2]
            self.interval *= 2

    def _maybe_checkpoint(self) -> None:
        if self.now >= self.checkpoints[-1].retired + self.interval:
            self._checkpoint()

    def _trap(self, vector: int) -> Stop | None:
        """A system call: answered from the log inside the recorded timeline, else live
        (and logged)."""
        mem, cpu = self.engine.mem, self.engine.cpu
        if self.syscalls < len(self.log):
            call = self.log[self.syscalls]
            self.syscalls += 1
            for address, size, image in call.mappings:
                mem.put_image(address, size, image)
            for address, data in call.writes:
                mem.write(address, data, need=0)
            cpu.set_state(call.cpu)
            self.engine.flush()
            return call.stop
        mem.changes = []
        try:
            stop = self._live(vector)
        finally:
            changes, mem.changes = mem.changes, None
        mappings, writes = [], []
        for address, size, mapping in changes:
            if mapping:
                mappings.append((address, size, mem.image_of(address, size)))
        for address, size, mapping in changes:       # replayed after the mappings
            if not mapping and mem.is_mapped(address, size):
                writes.append((address, mem.read(address, size, need=0)))
        self.log.append(Call(cpu.state(), writes, mappings, stop))
        self.syscalls += 1
        return stop

    # -- moving forward ----------------------------------------------------------------

    def step(self) -> Stop:
        """One instruction forward."""
        stop = self.machine.step()
        self._maybe_checkpoint()
        return stop

    def run(self, max_steps: int, stop_at: Callable[[Machine], bool] | None = None) -> Stop:
        """Forward until the run stops, a breakpoint, `stop_at` holds, or max_steps
        instructions. Without `stop_at` this runs at the interpreter's block speed."""
        machine = self.machine
        if stop_at is not None:
            stop = Stop("budget", machine.pc, detail=f"{max_steps} steps")
            for _ in range(max_steps):
                stop = self.step()
                if stop.reason != "step":
                    return stop
                if stop_at(machine) or machine.pc in machine.breakpoints:
                    return Stop("breakpoint", machine.pc)
            return stop
        end = self.now + max_steps
        while True:
            budget = min(end, self.checkpoints[-1].retired + self.interval) - self.now
            stop = machine.run(max(budget, 1))
            self._maybe_checkpoint()
            if stop.reason != "budget" or self.now >= end:
                if stop.reason == "budget":
                    return Stop("budget", machine.pc, detail=f"{max_steps} steps")
                return stop

    # -- going back --------------------------------------------------------------------

    def goto(self, retired: int) -> None:
        """Put the machine where it was after `retired` instructions (within history)."""
        retired = max(self.start, retired)
        cp = next(c for c in reversed(self.checkpoints) if c.retired <= retired)
        self._restore(cp)
        self._replay(retired - cp.retired)

    def _restore(self, cp: Checkpoint) -> None:
        engine, machine = self.engine, self.machine
        engine.mem.restore(cp.memory)
        engine.cpu.set_state(cp.cpu)
        engine.cpu.icount = cp.retired
        engine.flush()
        self.syscalls = cp.syscalls
        machine.exit_status, machine.last_stop = cp.exit_status, cp.last_stop

    def _replay(self, count: int, *, breakpoints: bool = False) -> Stop | None:
        """Execute `count` instructions from here (breakpoints off unless asked)."""
        if count <= 0:
            return None
        engine = self.engine
        saved = engine.breakpoints
        if not breakpoints:
            engine.set_breakpoints(())
        try:
            return self.machine.run(count)
        finally:
            if not breakpoints:
                engine.set_breakpoints(saved)

    def back(self, n: int = 1) -> int:
        """Go back up to n instructions; returns how many."""
        target = max(self.start, self.now - n)
        done = self.now - target
        if done:
            self.goto(target)
        return done

    def step_back(self) -> bool:
        """Undo the last instruction; False at the start of the recorded history."""
        return self.back(1) == 1

    def run_back(self, until: Callable[[Machine], bool] | None = None) -> Stop:
        """Go back to the latest earlier point where `until` holds or a breakpoint is
        (reverse-continue); at the start of history, stop there."""
        machine = self.machine
        end = self.now
        for cp in reversed([c for c in self.checkpoints if c.retired < end]):
            found = self._last_hit(cp, end, until)
            if found is not None:
                self.goto(found)
                return Stop("breakpoint", machine.pc, detail="reverse")
            end = cp.retired
        self.goto(self.start)
        return Stop("stopped", machine.pc, detail="start of history")

    def _last_hit(self, cp: Checkpoint, end: int, until) -> int | None:
        """The latest point in [cp, end) where a breakpoint or `until` holds."""
        machine = self.machine
        self._restore(cp)
        hit = None
        breakpoints = machine.breakpoints
        while self.now < end:
            if machine.pc in breakpoints or (until is not None and until(machine)):
                hit = self.now
            if until is not None:
                stop = machine.step()
            else:                               # block speed up to the next breakpoint
                stop = machine.run(end - self.now)
                if stop.reason == "breakpoint":
                    continue
            if stop.reason not in ("step", "budget", "breakpoint"):
                break
        return hit
