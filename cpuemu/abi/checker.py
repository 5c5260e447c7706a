"""The cdecl convention checker: run a program one instruction at a time and, at every
`ret`, check what the function promised its caller.

At each `call` it records the callee-saved registers (EBX ESI EDI EBP) and the stack
pointer; at the matching `ret` it reports registers that changed and an ESP that does not
point at the return address any more. Every memory write is checked against the active
function's frame: writing above its own arguments means writing into the caller's frame.
Messages name the function and the source line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from iced_x86 import Mnemonic

from ..cpu.instruction import decode_at, memory_writes
from ..process import STACK_SIZE, STACK_TOP
from ..stop import Stop
from .frames import Symbols, argument_count

if TYPE_CHECKING:
    from ..machine import Machine

CALLEE_SAVED = ("ebx", "esi", "edi", "ebp")
STACK_LOW = STACK_TOP - STACK_SIZE


@dataclass
class Violation:
    function: str
    kind: str                 # "register", "esp", "caller-frame"
    message: str
    eip: int

    def __str__(self) -> str:
        return f"cdecl: {self.message}"


@dataclass
class Activation:
    function: str
    entry_esp: int            # points at the return address
    saved: dict[str, int]
    arguments_end: int | None  # first address above the arguments, when known


class CdeclChecker:
    def __init__(self, machine: Machine):
        self.machine = machine
        self.symbols = Symbols(machine.program)
        self.active: list[Activation] = []
        self.violations: list[Violation] = []
        self.reported: set[tuple[int, str]] = set()
        program = machine.program
        if program.entry_kind == "main" and machine.regs.eip == program.entry:
            self._enter(program.entry)

    def run(self, budget: int | None = None) -> Stop:
        machine = self.machine
        done = 0
        while budget is None or done < budget:
            stop = self.step()
            done += 1
            if stop.reason != "step":
                return stop
        return Stop("budget", machine.regs.eip, detail=f"{budget} instructions")

    def step(self) -> Stop:
        machine = self.machine
        regs = machine.regs
        eip = regs.eip
        insn = decode_at(machine, eip)
        if insn is not None:
            if insn.mnemonic == Mnemonic.RET:
                self._leave(eip)
            self._check_writes(insn, eip)
        stop = machine._finish(machine.engine.step())
        if insn is not None and insn.mnemonic == Mnemonic.CALL and stop.reason == "step" \
                and machine.read_u32(regs.esp) == insn.next_ip32:
            self._enter(regs.eip)
        return stop

    def _enter(self, function: int) -> None:
        regs = self.machine.regs
        n = argument_count(self.machine, self.machine.read_u32(regs.esp))
        self.active.append(Activation(
            self.symbols.describe(function), regs.esp, {r: regs[r] for r in CALLEE_SAVED},
            regs.esp + 4 + 4 * n if n is not None else None))

    def _leave(self, eip: int) -> None:
        if not self.active:
            return
        regs = self.machine.regs
        top = self.active.pop()
        where = self._where(eip)
        for reg in CALLEE_SAVED:
            if regs[reg] != top.saved[reg]:
                self._report(eip, top.function, "register",
                             f"{top.function} returns with {reg.upper()} changed "
                             f"(was {top.saved[reg]:#x}, now {regs[reg]:#x}){where}")
        if regs.esp != top.entry_esp:
            self._report(eip, top.function, "esp",
                         f"{top.function} returns with ESP not restored (entry "
                         f"{top.entry_esp:#x}, now {regs.esp:#x}): `ret` will not return to "
                         f"its caller{where}")

    def _check_writes(self, insn, eip: int) -> None:
        if not self.active or self.active[-1].arguments_end is None:
            return
        top = self.active[-1]
        for address, size in memory_writes(insn, self.machine):
            if top.arguments_end <= address + size - 1 and STACK_LOW <= address < STACK_TOP:
                self._report(eip, top.function, "caller-frame",
                             f"{top.function} writes {size} bytes at {address:#x}, above its "
                             f"arguments, in its caller's frame{self._where(eip)}")

    def _report(self, eip: int, function: str, kind: str, message: str) -> None:
        if (eip, kind) in self.reported:
            return
        self.reported.add((eip, kind))
        self.violations.append(Violation(function, kind, message, eip))

    def _where(self, eip: int) -> str:
        line = self.machine.program.line_at(eip)
        return f" at {line.file}:{line.line}: {line.text.strip()}" if line else f" at {eip:#x}"
