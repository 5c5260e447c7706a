"""Which words are mnemonics, registers and prefixes, drawn from iced-x86's own tables.

Condition-code aliases (jz/je, setnae/setb, cmovpe/cmovp...) are folded to the spelling
iced-x86 decodes to, so the encoder's round-trip check compares like with like.
"""

from __future__ import annotations

import difflib
from functools import cache

import iced_x86

from ..cpu.registers import FP, GPR32, REGS64

# iced's canonical condition code for every alias the assemblers accept.
CC_ALIASES = {"z": "e", "nz": "ne", "c": "b", "nae": "b", "nb": "ae", "nc": "ae",
              "na": "be", "nbe": "a", "nge": "l", "nl": "ge", "ng": "le", "nle": "g",
              "pe": "p", "po": "np"}
CC_PREFIXES = ("j", "set", "cmov")

# Other spellings of one instruction, folded to iced's name.
ALIASES = {"sal": "shl", "pushf": "pushfd", "popf": "popfd", "pusha": "pushad",
           "popa": "popad", "retn": "ret", "loopz": "loope", "loopnz": "loopne",
           "xlat": "xlatb", "iret": "iretd", "cwdq": "cdq", "movabs": "mov"}

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
    """iced Register value -> Intel's lower-case name (`r8b`, where iced says R8L)."""
    return {getattr(iced_x86.Register, n): canonical_register(n.lower())
            for n in dir(iced_x86.Register) if n.isupper() and n != "NONE"}


def canonical_register(name: str) -> str:
    """Intel's spelling of a register: `r8l` (MASM, iced) is `r8b`."""
    if name.startswith("r") and name.endswith("l") and name[1:-1].isdigit():
        return name[:-1] + "b"
    return name


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
    names = set(iced_register_names().values())
    return frozenset(names | {f"r{i}l" for i in range(8, 16)})


def is_register(name: str) -> bool:
    return name.lower() in registers()


# Registers that exist only in 64-bit code, and the byte registers a REX prefix turns
# into spl/bpl/sil/dil (so ah..dh cannot appear beside anything that needs one).
LEGACY_NAMES = frozenset(n for n, s in REGS64.items() if s.full in {"r" + g[1:] for g in GPR32}
                         and s.bits < 64 and n not in ("spl", "bpl", "sil", "dil"))
HIGH_BYTES = frozenset(("ah", "bh", "ch", "dh"))


def is_extended(name: str) -> bool:
    """r8..r15 in any width: REX.B/X/R encode them."""
    s = REGS64.get(canonical_register(name.lower()))
    return s is not None and s.full[1:].isdigit()


def needs_rex(name: str) -> bool:
    """A register only a REX prefix can name: r8..r15 in any width, spl bpl sil dil, or
    any 64-bit register as an operand (REX.W)."""
    n = canonical_register(name.lower())
    return n != "rip" and needs_long_mode(n)


def needs_long_mode(name: str) -> bool:
    """A general register that 32-bit code cannot name (rax, r8d, sil, rip...)."""
    n = canonical_register(name.lower())
    return n == "rip" or (n not in LEGACY_NAMES and n not in SEGMENT_REGS
                          and register_bits(n) is not None)


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
    n = canonical_register(name.lower())
    if n in SEGMENT_REGS:
        return 16
    s = REGS64.get(n)
    if s is None or s.full in ("rip", "rflags", "fs_base", "gs_base") or s.full in FP[64]:
        return None
    return s.bits


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
