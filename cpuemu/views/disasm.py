"""Disassembly for people, by capstone (the independent second decoder; iced-x86 decodes
for the engines)."""

from __future__ import annotations

from functools import cache

import capstone


@cache
def _capstone(bits: int) -> capstone.Cs:
    return capstone.Cs(capstone.CS_ARCH_X86, capstone.CS_MODE_64 if bits == 64
                       else capstone.CS_MODE_32)


def disassemble(code: bytes, address: int, bits: int = 32, count: int = 0):
    """(address, bytes, text) per instruction."""
    for ins in _capstone(bits).disasm(code, address, count):
        text = f"{ins.mnemonic} {ins.op_str}".strip()
        yield ins.address, bytes(ins.bytes), text


def disassemble_one(code: bytes, address: int, bits: int = 32) -> str:
    """Text of the instruction at the start of `code`, or its bytes if none decodes."""
    for _, _, text in disassemble(code, address, bits, 1):
        return text
    return f"(bad) {code[:4].hex(' ')}"
