"""Time travel in the interpreter: an undo log, so a machine can step backwards.

While a History records, guest memory keeps a journal of what every write, mapping and
protection change overwrote (cpu/memory.py), and each step keeps the registers it
started from. `back()` undoes steps exactly: registers and memory come back bit for bit.
What left the machine cannot come back: output already written, files changed through
the kernel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import CpuemuError
from ..stop import Stop

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..machine import Machine


@dataclass
class Step:
    regs: dict[str, int]
    undo: list
    retired: int
    exit_status: int | None
    last_stop: Stop | None


class History:
    def __init__(self, machine: Machine, limit: int = 1_000_000):
        if machine.engine.name != "interp":
            raise CpuemuError("time travel needs the interp engine (it keeps the undo log)")
        self.machine = machine
        self.mem = machine.engine.mem
        self.limit = limit
        self.steps: list[Step] = []
        self.mem.start_journal()

    def close(self) -> None:
        self.mem.stop_journal()

    def __len__(self) -> int:
        return len(self.steps)

    def step(self) -> Stop:
        """One instruction forward, remembered."""
        machine = self.machine
        ended = machine.exit_status is not None          # then step() changes nothing
        before = Step({}, [], machine.engine.retired(), machine.exit_status, machine.last_stop)
        mark = len(self.mem.journal)
        stop = machine.step()
        before.regs = machine.regs.as_dict() if ended else machine.registers_before
        before.undo = self.mem.journal[mark:]
        del self.mem.journal[mark:]
        self.steps.append(before)
        if len(self.steps) > self.limit:
            del self.steps[0]
        return stop

    def run(self, max_steps: int, stop_at: Callable[[Machine], bool] | None = None) -> Stop:
        """Step forward (recording) until the run stops, `stop_at` holds, or max_steps."""
        stop = Stop("budget", self.machine.regs.eip, detail=f"{max_steps} steps")
        for _ in range(max_steps):
            stop = self.step()
            if stop.reason != "step" or (stop_at is not None and stop_at(self.machine)) \
                    or self.machine.regs.eip in self.machine.breakpoints:
                if stop.reason == "step" and self.machine.regs.eip in self.machine.breakpoints:
                    stop = Stop("breakpoint", self.machine.regs.eip)
                return stop
        return stop

    def back(self, n: int = 1) -> int:
        """Undo up to n steps; returns how many were undone."""
        machine = self.machine
        done = 0
        while done < n and self.steps:
            step = self.steps.pop()
            self.mem.undo(step.undo)
            for name, value in step.regs.items():
                if machine.regs[name] != value:
                    machine.regs[name] = value
            machine.engine.cpu.icount = step.retired
            machine.exit_status, machine.last_stop = step.exit_status, step.last_stop
            done += 1
        machine.engine.flush()
        return done

    def step_back(self) -> bool:
        """Undo the last instruction; False at the start of the recorded history."""
        return self.back(1) == 1

    def run_back(self, until: Callable[[Machine], bool] | None = None) -> Stop:
        """Step backwards until `until` holds or a breakpoint is reached (reverse-continue);
        at the start of history, stops there."""
        machine = self.machine
        while self.steps:
            self.back(1)
            if (until is not None and until(machine)) or machine.regs.eip in machine.breakpoints:
                return Stop("breakpoint", machine.regs.eip, detail="reverse")
        return Stop("stopped", machine.regs.eip, detail="start of history")
