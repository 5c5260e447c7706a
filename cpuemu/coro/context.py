"""A coroutine's whole register context: every general register, EIP/RIP, EFLAGS and the
segment registers (and FS/GS bases in 64-bit mode), saved from and restored into a
Machine by name, so it is the same on every engine."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..machine import Machine

Context = dict[str, int]


def save(machine: Machine) -> Context:
    return machine.regs.as_dict()


def restore(machine: Machine, context: Context) -> None:
    for name in machine.regs.names():
        if machine.regs[name] != context[name]:       # segment loads are checked: skip equal
            machine.regs[name] = context[name]
