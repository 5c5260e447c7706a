"""Which EFLAGS bits a comparison may not look at after one instruction.

iced-x86 knows per instruction which status flags the SDM leaves undefined. A few cases
depend on operand values, which iced cannot see: an 8- or 16-bit shl/shr by at least
the operand width leaves CF undefined too, and a rotate whose count is not 1 leaves OF
undefined even when the count is a multiple of the width (rcl bl, 9), where iced
treats it as a no-op.
"""

from __future__ import annotations

from iced_x86 import Instruction, MemorySizeExt, Mnemonic, OpKind, RflagsBits

from ..cpu.registers import FLAG_BITS
from ..interp.decode import GPR

ICED_FLAGS = {RflagsBits.OF: "of", RflagsBits.SF: "sf", RflagsBits.ZF: "zf",
              RflagsBits.AF: "af", RflagsBits.CF: "cf", RflagsBits.PF: "pf"}
WIDE_SHIFTS = {Mnemonic.SHL, Mnemonic.SAL, Mnemonic.SHR}
ROTATES = {Mnemonic.ROL, Mnemonic.ROR, Mnemonic.RCL, Mnemonic.RCR}
COUNTED = WIDE_SHIFTS | ROTATES | {Mnemonic.SAR, Mnemonic.SHLD, Mnemonic.SHRD}
IMMEDIATES = (OpKind.IMMEDIATE8, OpKind.IMMEDIATE8_2ND)
RSI_RDI = (OpKind.MEMORY_SEG_RSI, OpKind.MEMORY_ESRDI, OpKind.MEMORY_SEG_RDI)   # counts in RCX


def eflags_bits(iced_bits: int) -> int:
    """iced-x86 RflagsBits -> EFLAGS bit mask."""
    out = 0
    for bit, name in ICED_FLAGS.items():
        if iced_bits & bit:
            out |= 1 << FLAG_BITS[name]
    return out


def shift_count(insn: Instruction, cl: int) -> int | None:
    """The count a shift, rotate or double shift uses after the CPU masks it (5 bits, 6
    for a 64-bit operand); None for other instructions."""
    if insn.mnemonic not in COUNTED:
        return None
    last = insn.op_count - 1
    if insn.op_count < 2 or insn.op_kind(last) not in (OpKind.REGISTER, *IMMEDIATES):
        return None
    count = cl if insn.op_kind(last) == OpKind.REGISTER else insn.immediate(last)
    return count & (63 if _width(insn) == 64 else 31)


def flags_written(insn: Instruction, counter: int) -> int:
    """EFLAGS bits `insn` writes (defined or not), given ECX (RCX) before it ran: none
    for a shift count that masks to 0 or a rep-prefixed string instruction that repeats
    0 times."""
    if shift_count(insn, counter & 0xFF) == 0:
        return 0
    if (insn.has_rep_prefix or insn.has_repne_prefix) and insn.is_string_instruction:
        wide = any(insn.op_kind(i) in RSI_RDI for i in range(insn.op_count))
        if counter & ((1 << (64 if wide else 32)) - 1) == 0:
            return 0
    return eflags_bits(insn.rflags_modified)


def undefined_mask(insn: Instruction, cl: int) -> int:
    """EFLAGS bits left undefined by `insn`; `cl` is ECX's low byte before it ran."""
    mask = eflags_bits(insn.rflags_undefined)
    if insn.mnemonic in WIDE_SHIFTS | ROTATES and insn.op_count == 2:
        count = shift_count(insn, cl)
        if insn.mnemonic in ROTATES:
            if count > 1:
                mask |= 1 << FLAG_BITS["of"]
        elif _width(insn) < 32 and count >= _width(insn):
            mask |= 1 << FLAG_BITS["cf"]
    return mask


def _width(insn: Instruction) -> int:
    if insn.op0_kind == OpKind.REGISTER:
        return GPR[insn.op0_register][2]
    return MemorySizeExt.size(insn.memory_size) * 8
