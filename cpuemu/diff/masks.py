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


def eflags_bits(iced_bits: int) -> int:
    """iced-x86 RflagsBits -> EFLAGS bit mask."""
    out = 0
    for bit, name in ICED_FLAGS.items():
        if iced_bits & bit:
            out |= 1 << FLAG_BITS[name]
    return out


def undefined_mask(insn: Instruction, cl: int) -> int:
    """EFLAGS bits left undefined by `insn`; `cl` is ECX's low byte before it ran."""
    mask = eflags_bits(insn.rflags_undefined)
    if insn.mnemonic in WIDE_SHIFTS | ROTATES and insn.op_count == 2:
        count = (cl if insn.op1_kind == OpKind.REGISTER else insn.immediate(1)) & 31
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
