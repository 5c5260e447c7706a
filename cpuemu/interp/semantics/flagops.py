"""Flag instructions: clc stc cmc cld std, lahf sahf, pushf popf (16-, 32- and 64-bit forms).

Flags: each sets exactly what its name says. popf in user mode (CPL 3, IOPL 0) may change
CF PF AF ZF SF TF DF OF NT AC ID but not IF or IOPL; pushf stores EFLAGS with VM and RF
clear.
"""

from __future__ import annotations

from iced_x86 import Mnemonic as M

from ...cpu.registers import EFLAGS_USER
from ..cpu import DF
from ..flags import STATUS, saved, with_flags
from ..source import Source
from . import handles
from .stack import pop, push

AH_FLAGS = 0xD5                       # SF ZF AF PF CF: what lahf/sahf move
VM_RF = (1 << 17) | (1 << 16)


@handles("clc", "stc", "cmc")
def carry(t):
    cpu, value = t.cpu, {M.CLC: 0, M.STC: 1}.get(t.insn.mnemonic)   # None: complement

    def op():
        s = cpu.lazy
        cpu.lazy = with_flags(s, cf=value if value is not None else 1 - s[0].cf(s))
    return op


@handles("cld", "std")
def direction(t):
    cpu, on = t.cpu, t.insn.mnemonic == M.STD

    def op():
        cpu.eflags = cpu.eflags | DF if on else cpu.eflags & ~DF
    return op


@handles("lahf")
def lahf(t):
    cpu, r = t.cpu, t.cpu.r

    def op():
        s = cpu.lazy
        ah = s[0].bits_of(s) & AH_FLAGS | 2
        r[0] = r[0] & ~0xFF00 | ah << 8
    return op


@handles("sahf")
def sahf(t):
    cpu, r = t.cpu, t.cpu.r

    def op():
        s = cpu.lazy
        keep = s[0].bits_of(s) & (STATUS & ~AH_FLAGS)
        cpu.lazy = saved(keep | (r[0] >> 8) & AH_FLAGS)
    return op


@handles("pushfd", "pushf", "pushfq")
def pushf(t):
    size = -t.insn.stack_pointer_increment
    s = Source(t)
    s.cpu_flags = True
    s(f"$x = {s.bind('eflags', t.cpu.get_eflags)}() & {~VM_RF & (1 << size * 8) - 1:#x}")
    return push(s, "$x", size)


@handles("popfd", "popf", "popfq")
def popf(t):
    size = t.insn.stack_pointer_increment
    changeable = EFLAGS_USER & ((1 << size * 8) - 1)
    t.ends_block = True
    s = Source(t)
    s.cpu_flags = True
    value = pop(s, size)
    get, put = s.bind("eflags", t.cpu.get_eflags), s.bind("set", t.cpu.set_eflags)
    return s(f"{put}({get}() & {~changeable:#x} | {value} & {changeable:#x})")

