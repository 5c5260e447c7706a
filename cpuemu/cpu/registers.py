"""Register names, their parts and the EFLAGS bits, as Intel names them.

Engines store only *full* registers (eax, eip, eflags, cs...). Every other name is an
alias: a (full register, shift, bits) slice of one, so `ah` is bits 8..15 of `eax`.
The table is built from the mode's width so 64-bit mode is an addition, not a rewrite.
"""

from __future__ import annotations

from typing import NamedTuple

MASK = {8: 0xFF, 16: 0xFFFF, 32: 0xFFFFFFFF, 64: 0xFFFFFFFFFFFFFFFF, 80: (1 << 80) - 1,
        128: (1 << 128) - 1}
SIGN = {8: 0x80, 16: 0x8000, 32: 0x80000000, 64: 0x8000000000000000}


def signed(value: int, bits: int = 32) -> int:
    """An unsigned `bits`-wide value read as two's complement."""
    return value - ((value >> (bits - 1) & 1) << bits)


def c_int(value: int) -> int:
    """The C `int` a register holds: its low 32 bits, signed. A system call's int
    argument (a descriptor, -1, AT_FDCWD) is this in the i386 and x86-64 ABIs alike."""
    return signed(value & 0xFFFFFFFF, 32)

# General registers in encoding order (the order ModRM, PUSHAD and iced use); REX.B/R/X
# extend the numbering to r8..r15 in 64-bit mode.
GPR32 = ("eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi")
GPR64 = ("rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
         *(f"r{i}" for i in range(8, 16)))
# FS and GS bases of a 64-bit process (arch_prctl sets them; selectors stay 0).
SEGMENT_BASES = ("fs_base", "gs_base")
SEGMENTS = ("es", "cs", "ss", "ds", "fs", "gs")

# EFLAGS bit positions, and the bits user code may change (POPFD in ring 3).
FLAG_BITS = {"cf": 0, "pf": 2, "af": 4, "zf": 6, "sf": 7, "tf": 8, "if": 9, "df": 10,
             "of": 11}
STATUS_FLAGS = ("cf", "pf", "af", "zf", "sf", "of")
EFLAGS_FIXED = 0x2            # bit 1 always reads as one
EFLAGS_USER = 0x00244DD5      # CF PF AF ZF SF TF DF OF plus ID/AC/NT bits a guest may set
EFLAGS_RESET = 0x202          # IF set, as a Linux process starts


class Slice(NamedTuple):
    """Where a register name lives: a bit slice of one full register."""

    full: str
    shift: int
    bits: int


def _gpr_slices(bits: int) -> dict[str, Slice]:
    table: dict[str, Slice] = {}
    for name in GPR32:
        base = name[1:]                     # ax, cx, ... sp, bp, si, di
        full = ("r" + base) if bits == 64 else name
        if bits == 64:
            table[full] = Slice(full, 0, 64)
        table[name] = Slice(full, 0, 32)
        table[base] = Slice(full, 0, 16)
        if base.endswith("x"):              # al/ah exist for a, b, c, d only
            table[base[0] + "l"] = Slice(full, 0, 8)
            table[base[0] + "h"] = Slice(full, 8, 8)
        elif bits == 64:
            table[base + "l"] = Slice(full, 0, 8)
    if bits == 64:
        for i in range(8, 16):
            full = f"r{i}"
            table[full] = Slice(full, 0, 64)
            for suffix, width in (("d", 32), ("w", 16), ("b", 8)):
                table[full + suffix] = Slice(full, 0, width)
    return table


def register_table(bits: int = 32) -> dict[str, Slice]:
    """Every register name of the mode mapped to its slice of a full register."""
    pc = "rip" if bits == 64 else "eip"
    flags = "rflags" if bits == 64 else "eflags"
    table = _gpr_slices(bits)
    table[pc] = Slice(pc, 0, bits)
    table[flags] = Slice(flags, 0, bits)
    if bits == 64:
        table["eip"] = Slice(pc, 0, 32)
        table["eflags"] = Slice(flags, 0, 32)
    for seg in SEGMENTS:
        table[seg] = Slice(seg, 0, 16)
    if bits == 64:
        for name in SEGMENT_BASES:
            table[name] = Slice(name, 0, 64)
    return table


def full_registers(bits: int = 32) -> tuple[str, ...]:
    """The registers an engine stores; everything else is derived from these."""
    return tuple(dict.fromkeys(s.full for s in register_table(bits).values()))


def gprs(bits: int) -> tuple[str, ...]:
    """The mode's general registers, full width, in encoding order."""
    return GPR64 if bits == 64 else GPR32


# Encoding indices of the registers the ABI helpers, views and debugger name by role.
EAX, EDX, ESP, EBP = 0, 2, 4, 5


def gpr(bits: int, index: int) -> str:
    """The mode's name of a general register by encoding index: gpr(64, ESP) is rsp."""
    return gprs(bits)[index]


def pc_name(bits: int) -> str:
    return "rip" if bits == 64 else "eip"


def flags_name(bits: int) -> str:
    return "rflags" if bits == 64 else "eflags"


def fp_registers(bits: int = 32) -> tuple[str, ...]:
    """The x87 and SSE registers by name: ST(0)..ST(7) as 80-bit patterns (relative to
    TOP, as instructions name them), the control, status and full tag words, MXCSR, and
    the XMM registers as 128-bit integers (16 of them in 64-bit mode). Engines store
    them; `full_registers` leaves them out so register dumps stay the integer machine."""
    xmms = 16 if bits == 64 else 8
    return (*(f"st{i}" for i in range(8)), "fcw", "fsw", "ftw", "mxcsr",
            *(f"xmm{i}" for i in range(xmms)))


FP_WIDTH = {"fcw": 16, "fsw": 16, "ftw": 16, "mxcsr": 32}


def _with_fp(table: dict[str, Slice], bits: int) -> dict[str, Slice]:
    for name in fp_registers(bits):
        table[name] = Slice(name, 0, FP_WIDTH.get(name, 80 if name.startswith("st") else 128))
    return table


FULL32 = full_registers(32)
FULL64 = full_registers(64)
REGS32 = _with_fp(register_table(32), 32)
REGS64 = _with_fp(register_table(64), 64)
REGS = {32: REGS32, 64: REGS64}
FULL = {32: FULL32, 64: FULL64}
FP = {32: fp_registers(32), 64: fp_registers(64)}
