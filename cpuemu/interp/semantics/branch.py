"""Control flow: jmp, jcc (all 16 conditions), call, ret (and ret imm16), loop loope
loopne, jecxz jrcxz.

Flags: none change; jcc and loope/loopne read them. Every closure here returns the next
EIP (RIP). A call pushes before it jumps and `call [esp]` reads its target first, so a
fault changes nothing. The loop counter is ECX, or RCX in 64-bit mode (ECX again with an
address-size prefix).
"""

from __future__ import annotations

from iced_x86 import Code
from iced_x86 import Mnemonic as M

from ..decode import BRANCH_KINDS, Unsupported
from ..source import Source
from . import REFUSED, handles, refuses
from .move import condition
from .stack import pop, push

ECX, ESP = 1, 4
FAR = {refuses(c, "far branches change CS") for c in (
    Code.CALL_M1632, Code.JMP_M1632, Code.CALL_M1616, Code.JMP_M1616,
    Code.CALL_PTR1632, Code.JMP_PTR1632, Code.CALL_PTR1616, Code.JMP_PTR1616,
    Code.CALL_M1664, Code.JMP_M1664)}
CX_LOOPS = {refuses(c, "16-bit address size: the counter would be CX") for c in (
    Code.LOOP_REL8_16_CX, Code.LOOP_REL8_32_CX, Code.LOOPE_REL8_16_CX,
    Code.LOOPE_REL8_32_CX, Code.LOOPNE_REL8_16_CX, Code.LOOPNE_REL8_32_CX,
    Code.JCXZ_REL8_16, Code.JCXZ_REL8_32)}
# 64-bit code counting in RCX (the default) rather than ECX (an address-size prefix).
RCX_LOOPS = {Code.LOOP_REL8_64_RCX, Code.LOOPE_REL8_64_RCX, Code.LOOPNE_REL8_64_RCX,
             Code.JRCXZ_REL8_64}


def _destination(t, s: Source) -> str:
    """The branch target: a constant for rel8/rel32, read (once) for r/m."""
    if t.kind(0) in BRANCH_KINDS:
        return str(t.target(0))
    if t.insn.code in FAR:
        raise Unsupported(REFUSED[t.insn.code])
    target = s.read(0)
    if target.startswith("R["):
        return target
    s(f"$to = {target}")
    return "$to"


@handles("jmp")
def jmp(t):
    s = Source(t)
    return s.branch(_destination(t, s))


@handles("jo", "jno", "jb", "jae", "je", "jne", "jbe", "ja", "js", "jns", "jp", "jnp",
         "jl", "jge", "jle", "jg")
def jcc(t):
    return Source(t).jump_if(condition(t), t.target(0), t.next_ip)


@handles("call")
def call(t):
    """The target is read before the push (`call [esp]`), so a fault changes nothing."""
    s = Source(t)
    target = _destination(t, s)
    if target.startswith("R["):                   # `call esp` jumps to the old ESP
        s(f"$to = {target}")
        target = "$to"
    size = -t.insn.stack_pointer_increment        # a 16-bit call (66 E8) pushes IP
    push(s, str(t.next_ip & ((1 << 8 * size) - 1)), size)
    return s.branch(target)


@handles("ret")
def ret(t):
    insn = t.insn
    release = insn.immediate(0) & 0xFFFF if insn.op_count else 0
    size = insn.stack_pointer_increment - release
    s = Source(t)
    value = pop(s, size, release)
    return s.branch(value)


@handles("loop", "loope", "loopne", "jecxz", "jcxz", "jrcxz")
def loop(t):
    if t.insn.code in CX_LOOPS:
        raise Unsupported(REFUSED[t.insn.code])
    cpu, target, fall = t.cpu, t.target(0), t.next_ip
    r = cpu.r
    mnemonic = t.insn.mnemonic
    counter = 64 if t.insn.code in RCX_LOOPS else 32
    mask = (1 << counter) - 1
    if mnemonic in (M.JECXZ, M.JRCXZ):
        return lambda: target if r[ECX] & mask == 0 else fall
    want_zf = {M.LOOPE: 1, M.LOOPNE: 0}.get(mnemonic)

    def op():
        ecx = r[ECX] = (r[ECX] - 1) & mask          # a 32-bit write zero-extends in 64-bit mode
        if ecx == 0:
            return fall
        if want_zf is not None:
            s = cpu.lazy
            if s[0].zf(s) != want_zf:
                return fall
        return target
    return op

