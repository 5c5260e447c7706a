"""The processes of one cpuemu run, once the first fork makes more than one: each a
Machine (its own engine and memory) with its own kernel state, run in turn.

Scheduling is deterministic, as the coroutine scheduler's: the running process goes on
until it ends, blocks (a pipe, wait4: its call is made again when it is next run) or
spends a slice of instructions; then the next one in pid order runs. When every process
is blocked, the run is a deadlock, reported with each process's state and backtrace.
The run ends when the first process ends; `--strace` lines start with `[pid N]` once
there is more than one, as `strace -f` writes them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .cpu.memory import MemoryFault
from .kernel.lifecycle import CLONE_CHILD_SETTID, CLONE_PARENT_SETTID, wait_status
from .stop import Stop

if TYPE_CHECKING:
    from .machine import Machine

SLICE = 20_000
SIGCHLD = 17
FIRST_CHILD = 1001


class ProcessTable:
    def __init__(self, first: Machine):
        self.first = first
        self.processes: dict[int, Machine] = {first.kernel.pid: first}
        self.next_pid = FIRST_CHILD
        self.progress = 0                  # system calls completed, by every process
        first.kernel.processes = self

    def group_of(self, pid: int) -> int | None:
        process = self.processes.get(pid)
        return process.kernel.process_group if process is not None else None

    # -- making and ending -------------------------------------------------------------

    def fork(self, parent: Machine) -> Machine:
        pid = self.next_pid
        self.next_pid += 1
        request = parent.kernel.fork_request
        child = parent.fork(pid)
        child.kernel.processes = self
        self.processes[pid] = child
        parent.kernel.children.append(pid)
        word = parent.bits // 8
        for flag, where, machine in ((CLONE_PARENT_SETTID, "parent_tid", parent),
                                     (CLONE_CHILD_SETTID, "child_tid", child)):
            if request["flags"] & flag and request[where]:
                try:                      # Linux ignores a bad pointer here (put_user)
                    machine.write(request[where], pid.to_bytes(4, "little"))
                except MemoryFault:
                    pass
        if request.get("stack"):
            child.regs["rsp" if word == 8 else "esp"] = request["stack"]
        acc = "rax" if word == 8 else "eax"
        parent.regs[acc], child.regs[acc] = pid, 0
        return child

    def ended(self, machine: Machine, stop: Stop) -> None:
        """A process ended: its descriptors close (a pipe's reader sees EOF), it is a
        zombie until its parent waits, and the parent gets SIGCHLD."""
        kernel = machine.kernel
        self.progress += 1
        kernel.fds.close_all()
        status = stop.status if stop.status is not None else \
            128 + (stop.fault.signal if stop.fault is not None else 11)
        code = wait_status(Stop("exited" if stop.reason == "exited" else "signal",
                                stop.eip, status=status))
        parent = self.processes.get(kernel.ppid)
        machine.ended = True
        if parent is not None and not getattr(parent, "ended", False):
            parent.kernel.zombies[kernel.pid] = code
            parent.kernel.raise_signal(SIGCHLD, 1)            # CLD_EXITED
        else:
            self.reap(kernel.pid)

    def reap(self, pid: int) -> None:
        self.processes.pop(pid, None)

    # -- running -----------------------------------------------------------------------

    def run(self, current: Machine, budget: int | None, deadline: float | None) -> Stop:
        """Run the processes in turn until the first one ends (its Stop is the run's)."""
        import time
        blocked: dict[int, int] = {}       # pid -> progress when it blocked
        while True:
            size = SLICE if budget is None else min(budget, SLICE)
            before = current.instructions
            stop = current._run_signalled(size, None)
            if budget is not None:
                after = current.instructions
                budget -= max(after - before if after is not None and before is not None
                              else size, 1)
            pid = current.kernel.pid
            if stop.reason == "process":                # forked or exec'd: go on
                continue
            if stop.reason == "deadlock":               # blocked: nothing it can do now
                blocked[pid] = self.progress
                current.deadlock_detail = stop.detail
                alive = [p for p, m in self.processes.items() if not getattr(m, "ended", 0)]
                if all(blocked.get(p) == self.progress for p in alive):
                    return self._deadlock(current, stop)
            elif stop.reason == "budget":
                blocked.pop(pid, None)
            else:
                blocked.pop(pid, None)
                if stop.reason in ("exited", "signal", "fault"):
                    self.ended(current, stop)
                    if current is self.first:
                        return stop
                else:
                    return stop                          # a breakpoint, a watch...
            if budget is not None and budget <= 0:
                return Stop("budget", self.first.pc, detail="instruction budget")
            if deadline is not None and time.monotonic() >= deadline:
                return Stop("timeout", self.first.pc, detail="host time limit")
            current = self._next(pid, blocked)

    def _next(self, pid: int, blocked: dict[int, int]) -> Machine:
        """The next process in pid order that may run: not blocked since the last call
        any process completed."""
        alive = sorted(p for p, m in self.processes.items() if not getattr(m, "ended", 0))
        later = [p for p in alive if p > pid] + [p for p in alive if p <= pid]
        for candidate in later:
            if blocked.get(candidate) != self.progress:
                return self.processes[candidate]
        return self.processes[later[0]]

    def _deadlock(self, current: Machine, stop: Stop) -> Stop:
        from .views.stack import backtrace
        lines = ["every process is blocked and none can make progress"]
        for pid, machine in sorted(self.processes.items()):
            if getattr(machine, "ended", False):
                continue
            lines.append(f"  process {pid} (parent {machine.kernel.ppid}) at "
                         f"{machine.symbolize(machine.pc)}: "
                         f"{getattr(machine, 'deadlock_detail', '')}")
            lines += [f"      {line}" for line in backtrace(machine)]
        return Stop("deadlock", self.first.pc, detail="\n".join(lines))
