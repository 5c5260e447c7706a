"""Coroutines at a glance: a table (state, EIP with its source line, ESP, what each one
waits for) and one coroutine's saved context register by register."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..cpu.registers import FLAG_BITS, FULL32, signed

if TYPE_CHECKING:
    from ..coro.scheduler import Coroutine, Scheduler


def coroutine_table(scheduler: Scheduler, *, backtraces: bool = False) -> str:
    program = scheduler.machine.program
    lines = [f"{'id':>3} {'coroutine':16} {'state':9} {'eip':10} {'esp':10} waiting for / where"]
    for task in scheduler.tasks:
        eip, esp = task.context["eip"], task.context["esp"]
        line = program.line_at(eip)
        where = f"{line.file}:{line.line}: {line.text.strip()}" if line else program.symbolize(eip)
        waits = task.waiting if task.state in ("blocked", "sleeping") else ""
        if task.state == "done":
            waits, where = f"returned {task.result}", ""
        lines.append(f"{task.id:>3} {task.name:16} {task.state:9} {eip:#010x} {esp:#010x} "
                     f"{waits}{' at ' if waits and where else ''}{where}")
        if backtraces and task.state != "done":
            lines += [f"      {frame}" for frame in scheduler.backtrace(task)]
    return "\n".join(lines)


def context_view(task: Coroutine) -> str:
    """Every register of a coroutine's saved context, with EFLAGS spelled out."""
    ctx = task.context
    lines = [f"context of coroutine {task.id} ({task.name}), {task.state}"]
    for name in FULL32:
        value = ctx[name]
        extra = ""
        if name == "eflags":
            extra = "  " + " ".join(f.upper() for f in FLAG_BITS if value >> FLAG_BITS[f] & 1)
        elif name not in ("eip", "cs", "ds", "es", "fs", "gs", "ss"):
            extra = f"  {signed(value)}"
        lines.append(f"  {name:7} {value:#010x}{extra}")
    return "\n".join(lines)
