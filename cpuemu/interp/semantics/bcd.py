"""BCD and ASCII adjustment: aaa aas aam aad daa das (32-bit mode only; in 64-bit code
their bytes are no instruction).

Flags (Intel SDM vol. 2): aaa/aas define CF and AF and leave OF SF ZF PF undefined;
aam/aad define SF ZF PF from AL and leave OF AF CF undefined; daa/das define all but OF.
The undefined ones follow the CPU model's policy, where "add" (aad on Intel) means the
flags of the 8-bit addition AL + AH * imm8 the instruction performs. aam by 0 is a
divide error.
"""

from __future__ import annotations

from iced_x86 import Mnemonic as M

from ..cpu import CpuFault
from ..flags import PARITY, compose
from . import handles

EAX = 0


def _add_flags(a: int, b: int) -> dict[str, int]:
    s = a + b
    return {"cf": int(s > 0xFF), "af": int((a & 0xF) + (b & 0xF) > 0xF),
            "of": ((a ^ s) & (b ^ s)) >> 7 & 1}


@handles("aaa", "aas")
def ascii_adjust(t):
    """aaa: AX += 0x106 when the low digit overflowed; aas: AX -= 6, AH -= 1. Then the
    high nibble of AL is cleared."""
    r, cpu, policy = t.cpu.r, t.cpu, t.cpu.policy["ascii-adjust"]
    add = t.insn.mnemonic == M.AAA

    def op():
        eax = r[EAX]
        ax = eax & 0xFFFF
        s = cpu.lazy
        adjust = (ax & 0xF) > 9 or s[0].af(s)
        if adjust:
            if add:
                ax = (ax + 0x106) & 0xFFFF
            else:
                low = (ax - 6) & 0xFFFF
                ax = ((low >> 8) - 1 & 0xFF) << 8 | low & 0xFF
        ax &= 0xFF0F
        r[EAX] = eax & ~0xFFFF | ax
        cpu.lazy = compose(policy, s, 8, ax & 0xFF, cf=int(adjust), af=int(adjust))
    return op


@handles("aam")
def ascii_multiply(t):
    """AH = AL / imm8, AL = AL % imm8 (imm8 is 10 unless another base is encoded)."""
    r, cpu, policy = t.cpu.r, t.cpu, t.cpu.policy["ascii-multiply"]
    base = t.imm(0, 8)

    def op():
        if base == 0:
            raise CpuFault("divide-error", "aam 0")
        eax = r[EAX]
        al = eax & 0xFF
        ax = (al // base) << 8 | al % base
        r[EAX] = eax & ~0xFFFF | ax
        al = ax & 0xFF
        cpu.lazy = compose(policy, cpu.lazy, 8, al, zf=int(al == 0), sf=al >> 7,
                           pf=PARITY[al])
    return op


@handles("aad")
def ascii_divide(t):
    """AL = AL + AH * imm8 (8 bits), AH = 0: the adjustment before a division."""
    r, cpu, policy = t.cpu.r, t.cpu, t.cpu.policy["ascii-divide"]
    base = t.imm(0, 8)
    from_add = [f for f, rule in policy.items() if rule == "add"]
    rest = {f: rule for f, rule in policy.items() if rule != "add"}

    def op():
        eax = r[EAX]
        al, product = eax & 0xFF, (eax >> 8 & 0xFF) * base & 0xFF
        res = (al + product) & 0xFF
        r[EAX] = eax & ~0xFFFF | res
        added = _add_flags(al, product)
        cpu.lazy = compose(rest, cpu.lazy, 8, res, **{f: added[f] for f in from_add},
                           zf=int(res == 0), sf=res >> 7, pf=PARITY[res])
    return op


@handles("daa", "das")
def decimal_adjust(t):
    """Packed BCD: fix each digit of AL after an 8-bit add (daa) or subtract (das)."""
    r, cpu, policy = t.cpu.r, t.cpu, t.cpu.policy["decimal-adjust"]
    add = t.insn.mnemonic == M.DAA

    def op():
        eax = r[EAX]
        al = old = eax & 0xFF
        s = cpu.lazy
        old_cf = s[0].cf(s)
        cf = 0
        af = int((al & 0xF) > 9 or s[0].af(s))
        if af:
            cf = old_cf or (al + 6 > 0xFF if add else al < 6)
            al = (al + 6 if add else al - 6) & 0xFF
        if old > 0x99 or old_cf:
            al = (al + 0x60 if add else al - 0x60) & 0xFF
            cf = 1
        elif add:
            cf = 0
        r[EAX] = eax & ~0xFF | al
        cpu.lazy = compose(policy, s, 8, al, cf=int(cf), af=af, zf=int(al == 0),
                           sf=al >> 7, pf=PARITY[al])
    return op
