"""The calling-convention checker (cdecl in 32-bit code, System V AMD64 in 64-bit code):
run a program one instruction at a time and, at every `ret`, check what the function
promised its caller.

At each `call` it records the callee-saved registers (EBX ESI EDI EBP; RBX RBP R12-R15)
and the stack pointer; at the matching `ret` it reports registers that changed and a
stack pointer that does not point at the return address any more. System V also wants
RSP 16-byte aligned at every call of an exported (global) function; a file-local one may
agree otherwise with its callers, as gcc does with static functions that do not need it.
Every memory write is checked against the active
function's frame: writing above its own arguments means writing into the caller's frame
(the red zone, 128 bytes below RSP, is the function's own: writes there are fine).
Messages name the function and the source line.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from iced_x86 import Mnemonic, OpKind

from ..cpu.instruction import decode_at, memory_writes
from ..process import IMAGES, STACK_SIZE
from ..stop import Stop
from .frames import Symbols, argument_count

if TYPE_CHECKING:
    from ..machine import Machine


@dataclass(frozen=True)
class Convention:
    name: str
    callee_saved: tuple[str, ...]
    sp: str
    aligned_calls: bool       # the stack pointer is 16-byte aligned at every call


CONVENTIONS = {32: Convention("cdecl", ("ebx", "esi", "edi", "ebp"), "esp", False),
               64: Convention("System V", ("rbx", "rbp", "r12", "r13", "r14", "r15"), "rsp",
                              True)}
CALLEE_SAVED = CONVENTIONS[32].callee_saved


@dataclass
class Violation:
    function: str
    kind: str                 # "register", "esp", "caller-frame", "alignment"
    message: str
    eip: int
    convention: str = "cdecl"

    def __str__(self) -> str:
        return f"{self.convention}: {self.message}"


@dataclass
class Activation:
    function: str
    entry_esp: int            # points at the return address
    saved: dict[str, int]
    arguments_end: int | None  # first address above the arguments, when known


class CdeclChecker:
    """The checker of the machine's convention (cdecl, or System V in 64-bit code)."""

    def __init__(self, machine: Machine):
        self.machine = machine
        self.convention = CONVENTIONS[machine.bits]
        self.word = machine.bits // 8
        top = IMAGES[machine.bits].stack_top
        self.stack = range(top - STACK_SIZE, top)
        self.symbols = Symbols(machine.program)
        self.active: list[Activation] = []
        self.violations: list[Violation] = []
        self.reported: set[tuple[int, str]] = set()
        program = machine.program
        if program.entry_kind == "main" and machine.pc == program.entry:
            self._enter(program.entry)

    def run(self, budget: int | None = None, deadline: float | None = None) -> Stop:
        """Step to the end, the budget, or the host-time `deadline` (time.monotonic)."""
        machine = self.machine
        done = 0
        while budget is None or done < budget:
            stop = self.step()
            done += 1
            if stop.reason != "step":
                return stop
            if deadline is not None and done % 4096 == 0 and time.monotonic() >= deadline:
                return Stop("timeout", machine.pc, detail="host time limit")
        return Stop("budget", machine.pc, detail=f"{budget} instructions")

    def _word_at(self, address: int) -> int:
        return int.from_bytes(self.machine.read(address, self.word), "little")

    def step(self) -> Stop:
        machine, sp = self.machine, self.convention.sp
        regs = machine.regs
        eip = machine.pc
        insn = decode_at(machine, eip)
        if insn is not None:
            if insn.mnemonic == Mnemonic.RET:
                self._leave(eip)
            elif insn.mnemonic == Mnemonic.CALL and self.convention.aligned_calls \
                    and regs[sp] % 16 and self._exported_target(insn):
                self._report(eip, self._current(), "alignment",
                             f"{self._current()} calls with RSP not 16-byte aligned "
                             f"({regs[sp]:#x}){self._where(eip)}")
            self._check_writes(insn, eip)
        stop = machine._finish(machine.engine_step())
        if insn is not None and insn.mnemonic == Mnemonic.CALL and stop.reason == "step" \
                and self._word_at(regs[sp]) == insn.next_ip:
            self._enter(machine.pc)
        return stop

    def _exported_target(self, insn) -> bool:
        """A direct call of an exported function (indirect calls: the target is unknown
        here, so the ABI's rule applies)."""
        if insn.op0_kind in (OpKind.NEAR_BRANCH32, OpKind.NEAR_BRANCH64):
            return self.machine.program.exported_at(insn.near_branch_target)
        return True

    def _current(self) -> str:
        return self.active[-1].function if self.active else \
            self.symbols.describe(self.machine.program.entry)

    def _enter(self, function: int) -> None:
        regs, sp, word = self.machine.regs, self.convention.sp, self.word
        n = argument_count(self.machine, self._word_at(regs[sp]))
        self.active.append(Activation(
            self.symbols.describe(function), regs[sp],
            {r: regs[r] for r in self.convention.callee_saved},
            regs[sp] + word + word * n if n is not None else None))

    def _leave(self, eip: int) -> None:
        if not self.active:
            return
        regs, sp = self.machine.regs, self.convention.sp
        top = self.active.pop()
        where = self._where(eip)
        clobbered = [reg for reg in self.convention.callee_saved
                     if regs[reg] != top.saved[reg]]
        if clobbered:                                 # every one, in one report
            names = ", ".join(r.upper() for r in clobbered)
            values = "; ".join(f"{r.upper() + ' ' if len(clobbered) > 1 else ''}was "
                               f"{top.saved[r]:#x}, now {regs[r]:#x}" for r in clobbered)
            self._report(eip, top.function, "register",
                         f"{top.function} returns with {names} changed ({values}){where}")
        if regs[sp] != top.entry_esp:
            self._report(eip, top.function, "esp",
                         f"{top.function} returns with {sp.upper()} not restored (entry "
                         f"{top.entry_esp:#x}, now {regs[sp]:#x}): `ret` will not return to "
                         f"its caller{where}")

    def _check_writes(self, insn, eip: int) -> None:
        if not self.active or self.active[-1].arguments_end is None:
            return
        top = self.active[-1]
        for address, size in memory_writes(insn, self.machine):
            if top.arguments_end <= address + size - 1 and address in self.stack:
                self._report(eip, top.function, "caller-frame",
                             f"{top.function} writes {size} bytes at {address:#x}, above its "
                             f"arguments, in its caller's frame{self._where(eip)}")

    def _report(self, eip: int, function: str, kind: str, message: str) -> None:
        if (eip, kind) in self.reported:
            return
        self.reported.add((eip, kind))
        self.violations.append(Violation(function, kind, message, eip, self.convention.name))

    def _where(self, eip: int) -> str:
        line = self.machine.program.line_at(eip)
        return f" at {line.file}:{line.line}: {line.text.strip()}" if line else f" at {eip:#x}"
