"""How far the interpreter's x87 transcendentals are from this machine's CPU, in units in
the last place of the 64-bit significand.

The CPU's fsin, fcos, fptan, fsincos, fpatan, f2xm1, fyl2x and fyl2xp1 are accurate to
about one ulp but not correctly rounded; the interpreter computes ~150 bits and rounds
once. For each instruction one program runs it on N random arguments from its domain
(in a loop, storing every result as an 80-bit value) on the CPU and in the interpreter,
and the results are compared. `python -m cpuemu.diff.transcendentals [N] [SEED]`
prints, per instruction, how many results are identical and the largest difference.
"""

from __future__ import annotations

import random
import sys
from fractions import Fraction

from ..interp.semantics.x87 import from_fraction
from ..interp.softfloat import EXTENDED, to_fraction

# instruction -> (operands it pops/reads: 1 or 2, argument generator)
DOMAINS = {
    "fsin": (1, lambda r: r.uniform(-1, 1) * 2.0 ** r.randint(-20, 20)),
    "fcos": (1, lambda r: r.uniform(-1, 1) * 2.0 ** r.randint(-20, 20)),
    "fptan": (1, lambda r: r.uniform(-1, 1) * 2.0 ** r.randint(-20, 10)),
    "fsincos": (1, lambda r: r.uniform(-1, 1) * 2.0 ** r.randint(-20, 10)),
    "f2xm1": (1, lambda r: r.uniform(-1, 1) * 2.0 ** -r.randint(0, 30)),
    "fpatan": (2, lambda r: r.uniform(-1, 1) * 2.0 ** r.randint(-30, 30)),
    "fyl2x": (2, lambda r: abs(r.uniform(0, 1)) * 2.0 ** r.randint(-60, 60)),
    "fyl2xp1": (2, lambda r: r.uniform(-0.29, 0.29) * 2.0 ** -r.randint(0, 30)),
}


def _argument(rng: random.Random, draw) -> int:
    """An 80-bit argument with all 64 significand bits random, near draw(rng)."""
    raw, _ = from_fraction(Fraction(draw(rng)), EXTENDED)
    return raw ^ rng.getrandbits(11) if raw & 0x7FFF << 64 else raw


def program(name: str, args: list[tuple[int, int]]) -> str:
    """nasm source: for each (x, y), push y (two-operand forms) and x, run `name`, store
    ST0 (and ST1 for fptan/fsincos) and empty the stack."""
    lines = ["bits 32", "section .text", "global _start", "_start:", "    fninit",
             "    mov esi, args", "    mov edi, out", f"    mov ecx, {len(args)}", "next:"]
    lines += ["    fld tword [esi + 10]", "    fld tword [esi]", f"    {name}",
              "    fstp tword [edi]", "    fstp tword [edi + 10]", "    ffree st0",
              "    fninit", "    add esi, 20", "    add edi, 20", "    dec ecx", "    jnz next",
              "    int3", "section .data", "args:"]
    for x, y in args:
        lines.append("    db " + ", ".join(hex(b) for b in x.to_bytes(10, "little") +
                                         y.to_bytes(10, "little")))
    lines += ["section .bss", f"out: resb {20 * len(args)}"]
    return "\n".join(lines) + "\n"


def ulps(a: int, b: int) -> int | None:
    """The distance in units of the last place of a's binade (None for NaN/inf)."""
    fa, fb = to_fraction(a, EXTENDED), to_fraction(b, EXTENDED)
    if not isinstance(fa, Fraction) or not isinstance(fb, Fraction):
        return 0 if a == b else None
    if fa == fb:
        return 0
    exponent = (a >> 64 & 0x7FFF) - 16383 - 63
    return int(abs(fa - fb) / Fraction(2) ** max(exponent, -16445))


def measure(name: str, count: int, seed: int = 0) -> tuple[int, int, int]:
    """(results compared, identical, largest distance in ulps) for one instruction."""
    from ..machine import Machine
    from .external import nasm_program
    from .native import NativeCPU
    rng = random.Random(seed)
    arity, draw = DOMAINS[name]
    args = [(_argument(rng, draw), _argument(rng, DOMAINS["fsin"][1]) if arity == 2
             else 0x3FFF8000000000000000) for _ in range(count)]
    built = nasm_program(program(name, args))
    with NativeCPU(32) as cpu:
        native = cpu.run(built)
    machine = Machine(built)
    machine.run(count * 20 + 100)
    out = machine.symbol("out")
    base = max(b for b in native.memory if b <= out)
    theirs = native.memory[base][out - base:out - base + 20 * count]
    ours = machine.read(out, 20 * count)
    results = 2 * count if name in ("fptan", "fsincos") else count
    same, worst = 0, 0
    for i in range(results):
        at = 20 * (i // 2) + 10 * (i % 2) if results == 2 * count else 20 * i
        a = int.from_bytes(theirs[at:at + 10], "little")
        b = int.from_bytes(ours[at:at + 10], "little")
        distance = ulps(a, b)
        same += a == b
        worst = max(worst, distance if distance is not None else 1 << 64)
    return results, same, worst


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    count = int(args[0]) if args else 500
    seed = int(args[1]) if len(args) > 1 else 0
    print(f"{'instruction':12} {'results':>8} {'identical':>10} {'max ulps':>9}")
    for name in DOMAINS:
        results, same, worst = measure(name, count, seed)
        print(f"{name:12} {results:>8} {same:>10} {worst:>9}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
