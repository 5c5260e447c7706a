"""Coroutines at a glance: a table (state, EIP with its source line, ESP, what each one
waits for) and one coroutine's saved context register by register."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..cpu.registers import ESP, FLAG_BITS, flags_name, gpr, gprs, pc_name, signed

if TYPE_CHECKING:
    from ..coro.scheduler import Coroutine, Scheduler


def coroutine_table(scheduler: Scheduler, *, backtraces: bool = False) -> str:
    program, bits = scheduler.machine.program, scheduler.machine.bits
    pc, sp = pc_name(bits), gpr(bits, ESP)
    lines = [f"{'id':>3} {'coroutine':16} {'state':9} {pc:10} {sp:10} waiting for / where"]
    for task in scheduler.tasks:
        eip, esp = task.context[pc], task.context[sp]
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
    bits = 64 if "rip" in ctx else 32
    lines = [f"context of coroutine {task.id} ({task.name}), {task.state}"]
    for name, value in ctx.items():
        extra = ""
        if name == flags_name(bits):
            extra = "  " + " ".join(f.upper() for f in FLAG_BITS if value >> FLAG_BITS[f] & 1)
        elif name in gprs(bits):
            extra = f"  {signed(value, bits)}"
        lines.append(f"  {name:7} {value:#010x}{extra}")
    return "\n".join(lines)
