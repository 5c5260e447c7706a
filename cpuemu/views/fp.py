"""The x87 and SSE registers for people: the x87 stack (ST0 first, empty registers left
out) with each value in decimal, the control, status and tag words, MXCSR, and the XMM
registers that hold something, as hex and as lanes. The views show this panel only once
a program has touched that state, so integer programs look as they always did."""

from __future__ import annotations

from decimal import Context, Decimal
from typing import TYPE_CHECKING

from ..cpu.lanes import lanes
from ..cpu.registers import FP
from ..interp.fpu import EMPTY, FCW_RESET, MXCSR_RESET
from ..interp.softfloat import EXTENDED, FINITE, INF, SNAN, unpack

if TYPE_CHECKING:
    from ..machine import Machine


def x87_text(raw: int) -> str:
    """An 80-bit value in decimal to 19 significant digits, or inf / nan / snan."""
    v = unpack(raw, EXTENDED)
    sign = "-" if v.sign else ""
    if v.kind == INF:
        return f"{sign}inf"
    if v.is_nan:
        return f"{sign}{'snan' if v.kind == SNAN else 'nan'}"
    if v.kind != FINITE:
        return "unsupported"
    if v.sig == 0:
        return f"{sign}0"
    context = Context(prec=19, Emin=-99999, Emax=99999)
    value = context.multiply(Decimal(v.sig), context.power(Decimal(2), v.exp))
    return f"{sign}{value.normalize(context):g}"


def uses_fp(machine: Machine) -> bool:
    regs = machine.regs
    return (regs.ftw != 0xFFFF or regs.fcw != FCW_RESET or regs.mxcsr != MXCSR_RESET
            or any(regs[name] for name in FP[machine.bits] if name.startswith("xmm")))


def fp_rows(machine: Machine) -> list[tuple[str, str, str]]:
    """(name, hex, meaning) rows: the words, the x87 registers in use, the XMM registers
    that are not zero (as two doubles and four singles)."""
    regs = machine.regs
    fsw, ftw = regs.fsw, regs.ftw
    top = fsw >> 11 & 7
    rows = [("fcw", f"{regs.fcw:04x}", f"RC={regs.fcw >> 10 & 3} PC={regs.fcw >> 8 & 3}"),
            ("fsw", f"{fsw:04x}", f"TOP={top}"), ("ftw", f"{ftw:04x}", ""),
            ("mxcsr", f"{regs.mxcsr:08x}", f"RC={regs.mxcsr >> 13 & 3}")]
    for i in range(8):
        if ftw >> (2 * ((top + i) & 7)) & 3 != EMPTY:
            raw = regs[f"st{i}"]
            rows.append((f"st{i}", f"{raw:020x}", x87_text(raw)))
    for name in FP[machine.bits]:
        if name.startswith("xmm") and regs[name]:
            value = regs[name]
            singles = ", ".join(f"{x:.7g}" for x in lanes(value, "f32"))
            rows.append((name, f"{value:032x}", f"f64 {lanes(value, 'f64')}  f32 [{singles}]"))
    return rows
