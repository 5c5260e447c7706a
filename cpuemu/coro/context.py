"""A coroutine's whole register context: every general register, EIP, EFLAGS and the
segment registers, saved from and restored into a Machine by name, so it is the same
on every engine."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..cpu.registers import FULL32

if TYPE_CHECKING:
    from ..machine import Machine

Context = dict[str, int]


def save(machine: Machine) -> Context:
    return machine.regs.as_dict()


def restore(machine: Machine, context: Context) -> None:
    for name in FULL32:
        if machine.regs[name] != context[name]:       # segment loads are checked: skip equal
            machine.regs[name] = context[name]
