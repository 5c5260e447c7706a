"""Which words are mnemonics, registers and prefixes, drawn from iced-x86's own tables.

Condition-code aliases (jz/je, setnae/setb, cmovpe/cmovp...) are folded to the spelling
iced-x86 decodes to, so the encoder's round-trip check compares like with like.
"""

from __future__ import annotations

import difflib
from functools import cache

import iced_x86

# iced's canonical condition code for every alias the assemblers accept.
CC_ALIASES = {"z": "e", "nz": "ne", "c": "b", "nae": "b", "nb": "ae", "nc": "ae",
              "na": "be", "nbe": "a", "nge": "l", "nl": "ge", "ng": "le", "nle": "g",
              "pe": "p", "po": "np"}
CC_PREFIXES = ("j", "set", "cmov")

# Other spellings of one instruction, folded to iced's name.
ALIASES = {"sal": "shl", "pushf": "pushfd", "popf": "popfd", "pusha": "pushad",
           "popa": "popad", "retn": "ret", "loopz": "loope", "loopnz": "loopne",
           "xlat": "xlatb", "iret": "iretd", "cwdq": "cdq"}

PREFIXES = {"rep": "rep", "repe": "repe", "repz": "repe", "repne": "repne",
            "repnz": "repne", "lock": "lock"}

# Misspellings people type, with what they meant (difflib catches the rest).
LIKELY = {"jeq": "je", "jneq": "jne", "jgte": "jge", "jlte": "jle", "jequal": "je",
          "jnq": "jne", "move": "mov", "mult": "imul", "multiply": "imul", "divide": "idiv",
          "addi": "add", "subi": "sub", "print": "int 0x80 (write)"}

SEGMENT_REGS = ("es", "cs", "ss", "ds", "fs", "gs")


@cache
def iced_mnemonic_names() -> dict[int, str]:
    """iced Mnemonic value -> lower-case name."""
    return {getattr(iced_x86.Mnemonic, n): n.lower()
            for n in dir(iced_x86.Mnemonic) if n.isupper() and n != "INVALID"}


@cache
def iced_register_names() -> dict[int, str]:
    return {getattr(iced_x86.Register, n): n.lower()
            for n in dir(iced_x86.Register) if n.isupper() and n != "NONE"}


@cache
def mnemonics() -> frozenset[str]:
    """Every mnemonic the front end accepts (iced's set plus aliases)."""
    names = set(iced_mnemonic_names().values())
    names |= set(ALIASES)
    for prefix in CC_PREFIXES:
        names |= {prefix + cc for cc in CC_ALIASES}
    names |= {"int3", "movs", "cmps", "stos", "lods", "scas"}
    return frozenset(names)


@cache
def registers() -> frozenset[str]:
    return frozenset(iced_register_names().values())


def is_register(name: str) -> bool:
    return name.lower() in registers()


def canonical(mnemonic: str) -> str:
    """Fold aliases to the spelling iced-x86 decodes back to."""
    m = mnemonic.lower()
    m = ALIASES.get(m, m)
    for prefix in CC_PREFIXES:
        if m.startswith(prefix) and m[len(prefix):] in CC_ALIASES:
            return prefix + CC_ALIASES[m[len(prefix):]]
    return m


def register_bits(name: str) -> int | None:
    """Width of a general or segment register, None for others (xmm, cr0...)."""
    n = name.lower()
    if n in SEGMENT_REGS:
        return 16
    if len(n) == 3 and n[0] == "e" and n[1:] in ("ax", "bx", "cx", "dx", "sp", "bp", "si", "di"):
        return 32
    if n in ("ax", "bx", "cx", "dx", "sp", "bp", "si", "di"):
        return 16
    if n in ("al", "bl", "cl", "dl", "ah", "bh", "ch", "dh"):
        return 8
    if n.startswith("r") and n[1:] in ("ax", "bx", "cx", "dx", "sp", "bp", "si", "di"):
        return 64
    return None


def suggest(word: str) -> list[str]:
    """Close mnemonics for an unknown word: `jeq` -> `je`."""
    w = word.lower()
    out = [LIKELY[w]] if w in LIKELY else []
    common = [m for m in mnemonics() if len(m) <= 6]
    for guess in difflib.get_close_matches(w, common, n=4, cutoff=0.6):
        if guess not in out:
            out.append(guess)
    return out[:4]


# Operands that never give a memory operand its size: shift counts, and the wider
# destination of a zero/sign extension.
SHIFTS = {"shl", "shr", "sal", "sar", "rol", "ror", "rcl", "rcr"}
EXTENDS = {"movzx", "movsx", "movsxd"}


def sizing_register_bits(mnemonic: str, registers: list[str | None]) -> int | None:
    """The width a register operand implies for an unsized memory operand, if any.

    `registers` has one entry per operand: its register name, or None.
    """
    m = mnemonic.lower()
    if m in EXTENDS:
        return None
    for i, name in enumerate(registers):
        if name is None or (m in SHIFTS and i == 1):
            continue
        bits = register_bits(name)
        if bits:
            return bits
    return None
