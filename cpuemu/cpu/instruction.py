"""One guest instruction as iced-x86 sees it, through the Machine's interface: the bytes
at an address (as many as are mapped), the instruction they decode to, and the memory
its operands write. Shared by the lockstep differ, the frame walker, the cdecl checker
and the debugger, so every one reads code and operand addresses the same way."""

from __future__ import annotations

from typing import TYPE_CHECKING

from iced_x86 import Decoder, Instruction, InstructionInfoFactory, MemorySizeExt, OpAccess, Register

from .memory import PAGE, MemoryFault
from .registers import MASK, REGS64

if TYPE_CHECKING:
    from ..machine import Machine

MAX_LENGTH = 15
WRITES = {OpAccess.WRITE, OpAccess.COND_WRITE, OpAccess.READ_WRITE, OpAccess.READ_COND_WRITE}


def iced_register(name: str) -> int:
    """iced's Register for an Intel register name (iced spells the low byte of r8 `r8l`)."""
    if name[0] == "r" and name[-1] == "b" and name[1:-1].isdigit():
        name = name[:-1] + "l"
    return getattr(Register, name.upper())


REGISTER_NAMES = {iced_register(n): n for n in REGS64
                  if hasattr(Register, n.upper()) or n[1:-1].isdigit()}
_INFO = InstructionInfoFactory()


def code_bytes(machine: Machine, address: int, size: int = MAX_LENGTH) -> bytes:
    """Up to `size` bytes at `address`, stopping at the first unmapped page."""
    out = bytearray()
    while len(out) < size:
        at = address + len(out)
        take = min(size - len(out), PAGE - at % PAGE)
        try:
            out += machine.engine.read(at, take, need=0)
        except MemoryFault:
            break
    return bytes(out)


def decode_at(machine: Machine, address: int) -> Instruction | None:
    """The instruction at `address`, or None when nothing valid is mapped there."""
    code = code_bytes(machine, address)
    if not code:
        return None
    insn = Decoder(machine.bits, code, ip=address).decode()
    return None if insn.is_invalid else insn


READS = {OpAccess.READ, OpAccess.COND_READ, OpAccess.READ_WRITE, OpAccess.READ_COND_WRITE}


def memory_writes(insn: Instruction, machine: Machine) -> list[tuple[int, int]]:
    """(address, size) of each memory operand `insn` writes, from the current registers
    (call it before the instruction runs)."""
    return memory_accesses(insn, machine, WRITES)


def memory_reads(insn: Instruction, machine: Machine) -> list[tuple[int, int]]:
    """(address, size) of each memory operand `insn` reads (a debugger's rwatch)."""
    return memory_accesses(insn, machine, READS)


def memory_accesses(insn: Instruction, machine: Machine, kinds) -> list[tuple[int, int]]:
    out = []
    regs = machine.regs
    for used in _INFO.info(insn).used_memory():
        if used.access not in kinds:
            continue
        address = used.displacement
        for reg, scale in ((used.base, 1), (used.index, used.scale)):
            if reg not in (Register.NONE, Register.RIP):      # RIP-relative: disp is absolute
                address += regs[REGISTER_NAMES[reg]] * scale
        out.append((address & MASK[machine.bits], MemorySizeExt.size(used.memory_size) or 4))
    return out
