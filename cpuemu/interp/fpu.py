"""The x87 and SSE register state: the FPU's stack of eight 80-bit registers with their
tags, control and status words, the last-instruction pointers, XMM registers and MXCSR.

Registers are kept physically (R0..R7) with TOP, as the CPU keeps them, so FXSAVE, FSAVE
and the tag word come out as the CPU writes them. ST(i) is R[(TOP + i) % 8]. Values are
raw 80-bit integers; arithmetic unpacks them (softfloat.py).
"""

from __future__ import annotations

from .softfloat import EXTENDED, FINITE, unpack

VALID, ZERO_TAG, SPECIAL, EMPTY = 0, 1, 2, 3

# status word
C0, C1, C2, C3 = 1 << 8, 1 << 9, 1 << 10, 1 << 14
SF, ES, BUSY = 1 << 6, 1 << 7, 1 << 15
CONDITION = C0 | C1 | C2 | C3
EXCEPTIONS = 0x3F
FCW_RESET, MXCSR_RESET = 0x037F, 0x1F80
MXCSR_MASK = 0xFFFF                       # every MXCSR bit this CPU model has (DAZ too)

INDEFINITE = 0xFFFF_C000_0000_0000_0000   # the extended format's real indefinite


def tag_of(raw: int) -> int:
    """The tag the CPU gives an 80-bit value: valid, zero, or special (NaN, infinity,
    denormal, unsupported)."""
    v = unpack(raw, EXTENDED)
    if v.kind == FINITE:
        if v.sig == 0:
            return ZERO_TAG
        return SPECIAL if v.denormal else VALID
    return SPECIAL


class Fpu:
    """x87 state. `sw` holds the status word without TOP (kept in `top`)."""

    __slots__ = ("regs", "tags", "top", "cw", "sw", "fip", "fdp", "fop", "fcs", "fds")

    def __init__(self):
        self.regs = [0] * 8
        self.reset()

    def reset(self) -> None:
        """FNINIT: control word 0x37F, status 0, every tag empty (registers unchanged)."""
        self.tags = [EMPTY] * 8
        self.top = 0
        self.cw = FCW_RESET
        self.sw = 0
        self.fip = self.fdp = self.fop = self.fcs = self.fds = 0

    # -- words -------------------------------------------------------------------------

    def status(self) -> int:
        return self.sw & ~(7 << 11) | self.top << 11

    def set_status(self, value: int) -> None:
        self.top = value >> 11 & 7
        self.sw = value & ~(7 << 11) & 0xFFFF
        self._update_summary()

    def _update_summary(self) -> None:
        """ES and B: some exception flag is set whose mask bit is clear."""
        if self.sw & ~self.cw & EXCEPTIONS:
            self.sw |= ES | BUSY
        else:
            self.sw &= ~(ES | BUSY)

    def set_control(self, value: int) -> None:
        self.cw = value & 0x1F7F | 0x40
        self._update_summary()

    def tag_word(self) -> int:
        """The full 16-bit tag word (FSTENV/FSAVE): two bits per physical register, the
        valid/zero/special tags computed from contents as the CPU does."""
        word = 0
        for i in range(8):
            tag = EMPTY if self.tags[i] == EMPTY else tag_of(self.regs[i])
            word |= tag << (2 * i)
        return word

    def set_tag_word(self, word: int) -> None:
        """FLDENV/FRSTOR: only empty versus not empty is taken from the word."""
        self.tags = [EMPTY if word >> (2 * i) & 3 == EMPTY else tag_of(self.regs[i])
                     for i in range(8)]

    def abridged_tags(self) -> int:
        """FXSAVE's 8-bit tag: one bit per register, set when not empty."""
        return sum(1 << i for i in range(8) if self.tags[i] != EMPTY)

    def set_abridged_tags(self, byte: int) -> None:
        self.tags = [tag_of(self.regs[i]) if byte >> i & 1 else EMPTY for i in range(8)]

    # -- the stack ---------------------------------------------------------------------

    def st(self, i: int) -> int:
        return self.regs[(self.top + i) & 7]

    def empty(self, i: int) -> bool:
        return self.tags[(self.top + i) & 7] == EMPTY

    def set_st(self, i: int, raw: int) -> None:
        phys = (self.top + i) & 7
        self.regs[phys] = raw
        self.tags[phys] = VALID

    def push(self, raw: int) -> None:
        self.top = (self.top - 1) & 7
        self.regs[self.top] = raw
        self.tags[self.top] = VALID

    def pop(self) -> None:
        self.tags[self.top] = EMPTY
        self.top = (self.top + 1) & 7

    # -- checkpoints -------------------------------------------------------------------

    def state(self) -> tuple:
        return (tuple(self.regs), tuple(self.tags), self.top, self.cw, self.sw, self.fip,
                self.fdp, self.fop, self.fcs, self.fds)

    def set_state(self, state: tuple) -> None:
        regs, tags, self.top, self.cw, self.sw, self.fip, self.fdp, self.fop, self.fcs, \
            self.fds = state
        self.regs[:] = regs
        self.tags = list(tags)


def read_register(cpu, name: str) -> int:
    """An x87/SSE register by the name the Machine API uses (st0..st7 relative to TOP,
    fcw fsw ftw, mxcsr, xmm0..xmm15), or KeyError."""
    fpu = cpu.fpu
    if name.startswith("st") and name[2:].isdigit() and int(name[2:]) < 8:
        return fpu.st(int(name[2:]))
    if name.startswith("xmm") and name[3:].isdigit() and int(name[3:]) < len(cpu.xmm):
        return cpu.xmm[int(name[3:])]
    if name == "fcw":
        return fpu.cw
    if name == "fsw":
        return fpu.status()
    if name == "ftw":
        return fpu.tag_word()
    if name == "mxcsr":
        return cpu.mxcsr
    raise KeyError(name)


def write_register(cpu, name: str, value: int) -> None:
    fpu = cpu.fpu
    if name.startswith("st") and name[2:].isdigit() and int(name[2:]) < 8:
        phys = (fpu.top + int(name[2:])) & 7
        fpu.regs[phys] = value & ((1 << 80) - 1)
        fpu.tags[phys] = tag_of(fpu.regs[phys])
    elif name.startswith("xmm") and name[3:].isdigit() and int(name[3:]) < len(cpu.xmm):
        cpu.xmm[int(name[3:])] = value & ((1 << 128) - 1)
    elif name == "fcw":
        fpu.set_control(value)
    elif name == "fsw":
        fpu.set_status(value)
    elif name == "ftw":
        fpu.set_tag_word(value)
    elif name == "mxcsr":
        cpu.mxcsr = value & MXCSR_MASK
    else:
        raise KeyError(name)
