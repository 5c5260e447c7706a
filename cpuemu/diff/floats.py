"""Random x87 and SSE programs against the real CPU.

Each program starts from a known state (fninit, a random control word and MXCSR with
every exception masked, XMM registers loaded from a data pool), runs a random body of
x87 and SSE instructions whose operands come from a pool drawn toward the hard cases
(NaNs quiet and signalling, infinities, denormals, signed zeros, the largest and
smallest normals, unnormals and pseudo-denormals in the 80-bit pool), stores results to
memory, and ends with `fxsave` then `int3`. The native harness returns the GPRs, EFLAGS
and writable memory, so the x87 stack, tags, status and control words, XMM registers
and MXCSR are all compared through the FXSAVE image. FOP, FIP, FCS, FDP and FDS are
zeroed in the image before `int3`: Intel CPUs leave FCS/FDS deprecated and update FDP
only on exceptions, which the interpreter does not model.

Programs are assembled by nasm and linked by ld (diff/external.py), so they test the
interpreter whatever our own assembler accepts. Transcendentals (fsin, fyl2x...) are
left out: they are not correctly rounded on the CPU (docs/x87.md measures them).

`python -m cpuemu.diff.floats [N] [SEED] [BITS]` runs N programs and reports.
"""

from __future__ import annotations

import random
import sys

from ..interp.semantics.x87 import to_bcd

POOL = 24                      # values of each kind in a program's data pool
BODY = 24                      # instructions per program

F32_SPECIAL = [0x00000000, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00000,
               0x7F800001, 0x7FA00000, 0xFFB00001, 0x00000001, 0x807FFFFF, 0x00800000,
               0x7F7FFFFF, 0xFF7FFFFF, 0x3F800000, 0xBF800000, 0x3F000000, 0x4B000000,
               0x3FC00000, 0x4F000000, 0xCF000000, 0x5F000000, 0x00400000]
F64_SPECIAL = [0, 1 << 63, 0x7FF0 << 48, 0xFFF0 << 48, 0x7FF8 << 48, 0xFFF8 << 48,
               0x7FF0000000000001, 0x7FF4000000000000, 0xFFF0000000000042, 1,
               0x800FFFFFFFFFFFFF, 0x0010000000000000, 0x7FEFFFFFFFFFFFFF, 0x3FF0 << 48,
               0xBFF0 << 48, 0x3FE0 << 48, 0x4330 << 48, 0x41E0 << 48, 0xC1E0 << 48,
               0x43E0 << 48, 0x3FF8 << 48, 0x0008000000000000, 0x3FB999999999999A]
F80_SPECIAL = [0, 1 << 79, 0x7FFF8000000000000000, 0xFFFF8000000000000000,
               0x7FFFC000000000000000, 0xFFFFC000000000000000, 0x7FFF8000000000000001,
               0x00000000000000000001, 0x00008000000000000000,           # pseudo-denormal
               0x00018000000000000000, 0x7FFEFFFFFFFFFFFFFFFF, 0x3FFF8000000000000000,
               0xBFFF8000000000000000, 0x40008000000000000000, 0x3FFF0000000000000001,  # unnormal
               0x403E8000000000000000, 0xC03E8000000000000000, 0x3FFEC000000000000000]
X87_CONTROL_RC_PC = [(rc << 10) | (pc << 8) for rc in range(4) for pc in (0, 2, 3)]


def _random_float(rng: random.Random, ebits: int, mbits: int, explicit: bool = False) -> int:
    """Special values half the time; otherwise a random sign, an exponent drawn near the
    middle or at the edges of the range, and random significand bits."""
    bias = (1 << (ebits - 1)) - 1
    choice = rng.random()
    if choice < 0.5:
        exp = bias + rng.randint(-8, 8)
    elif choice < 0.7:
        exp = rng.choice([1, 2, rng.randint(1, 60), (1 << ebits) - 2, (1 << ebits) - 3])
    elif choice < 0.8:
        exp = 0
    else:
        exp = rng.randint(0, (1 << ebits) - 1)
    frac = rng.getrandbits(mbits)
    if rng.random() < 0.3:                      # few significant bits: exact results
        frac &= ~((1 << max(0, mbits - rng.randint(1, 12))) - 1)
    if explicit and exp:
        frac |= 1 << (mbits - 1)
    return rng.getrandbits(1) << (ebits + mbits) | exp << mbits | frac


def pool_values(rng: random.Random) -> dict[str, list[int]]:
    def draw(special, ebits, mbits, explicit=False):
        return [rng.choice(special) if rng.random() < 0.45 else
                _random_float(rng, ebits, mbits, explicit) for _ in range(POOL)]
    ints = [rng.choice([0, 1, -1, 7, -7, 1 << 15, 32767, -32768, 1 << 31, 12345678,
                        rng.getrandbits(64)]) for _ in range(POOL)]
    return {"f32": draw(F32_SPECIAL, 8, 23), "f64": draw(F64_SPECIAL, 11, 52),
            "f80": draw(F80_SPECIAL, 15, 64, True),
            "i16": [v & 0xFFFF for v in ints], "i32": [v & 0xFFFFFFFF for v in ints],
            "i64": [v & (1 << 64) - 1 for v in ints],
            "bcd": [to_bcd(rng.randint(-10 ** 17, 10 ** 17)) for _ in range(4)]}


class Body:
    """Draws the instructions of one program."""

    def __init__(self, rng: random.Random, bits: int):
        self.rng, self.bits = rng, bits
        self.xmms = 16 if bits == 64 else 8

    def x(self) -> str:
        return f"xmm{self.rng.randrange(self.xmms)}"

    def st(self) -> str:
        return f"st{self.rng.randrange(8)}"

    def pool(self, kind: str) -> str:
        return f"[{kind}_pool + {self.rng.randrange(POOL) * SIZES[kind]}]"

    def vec(self) -> str:
        """An XMM register, or an aligned 16-byte memory operand from the pool."""
        if self.rng.random() < 0.25:
            return f"[vec_pool + {self.rng.randrange(POOL // 2) * 16}]"
        return self.x()

    def out(self, size: int) -> str:
        return f"[out + {self.rng.randrange(0, 128 // size) * size}]"

    def x87(self) -> str:
        r = self.rng
        op = r.choice(["fld", "fld", "fild", "fldc", "fst", "fist", "arith", "arith",
                       "arith_st", "arith_st", "unary", "compare", "fcomi", "fxch",
                       "fcmov", "misc", "control"])
        if op == "fld":
            kind = r.choice(["f32", "f64", "f80", "st"])
            if kind == "st":
                return f"fld {self.st()}"
            size = {"f32": "dword", "f64": "qword", "f80": "tword"}[kind]
            return f"fld {size} {self.pool(kind)}"
        if op == "fild":
            kind = r.choice(["i16", "i32", "i64", "bcd"])
            if kind == "bcd":
                return f"fbld tword [bcd_pool + {r.randrange(4) * 10}]"
            return f"fild {SIZE_NAME[kind]} {self.pool(kind)}"
        if op == "fldc":
            return r.choice(["fldz", "fld1", "fldpi", "fldl2e", "fldl2t", "fldlg2", "fldln2"])
        if op == "fst":
            form = r.choice(["dword", "qword", "tword", "st"])
            if form == "st":
                return f"{r.choice(['fst', 'fstp'])} {self.st()}"
            if form == "tword":
                return f"fstp tword {self.out(16)}"
            return f"{r.choice(['fst', 'fstp'])} {form} {self.out(8)}"
        if op == "fist":
            size = r.choice(["word", "dword", "qword", "bcd"])
            if size == "bcd":
                return f"fbstp tword {self.out(16)}"
            name = r.choice(["fistp", "fisttp"] + (["fist"] if size != "qword" else []))
            return f"{name} {size} {self.out(8)}"
        if op == "arith":
            name = r.choice(["fadd", "fsub", "fsubr", "fmul", "fdiv", "fdivr"])
            kind = r.choice(["f32", "f64", "i16", "i32"])
            prefix = "fi" + name[1:] if kind.startswith("i") else name
            return f"{prefix} {SIZE_NAME[kind]} {self.pool(kind)}"
        if op == "arith_st":
            name = r.choice(["fadd", "fsub", "fsubr", "fmul", "fdiv", "fdivr"])
            form = r.randrange(3)
            if form == 0:
                return f"{name} st0, {self.st()}"
            if form == 1:
                return f"{name} {self.st()}, st0"
            return f"{name}p {self.st()}, st0"
        if op == "unary":
            return r.choice(["fchs", "fabs", "fsqrt", "frndint", "fscale", "fxtract",
                             "fprem", "fprem1", "ftst", "fxam"])
        if op == "compare":
            name = r.choice(["fcom", "fcomp", "fucom", "fucomp"])
            form = r.randrange(3)
            if form == 0:
                return f"{name} {self.st()}"
            if form == 1 and name.startswith("fcom"):
                kind = r.choice(["f32", "f64"])
                return f"{name} {SIZE_NAME[kind]} {self.pool(kind)}"
            return r.choice(["fcompp", "fucompp", f"ficom dword {self.pool('i32')}"])
        if op == "fcomi":
            return f"{r.choice(['fcomi', 'fcomip', 'fucomi', 'fucomip'])} st0, {self.st()}"
        if op == "fxch":
            return f"fxch {self.st()}"
        if op == "fcmov":
            cc = r.choice(["b", "nb", "e", "ne", "be", "nbe", "u", "nu"])
            return f"fcmov{cc} st0, {self.st()}"
        if op == "misc":
            return r.choice([f"ffree {self.st()}", "fincstp", "fdecstp", "fnop", "fnclex",
                             "fnstsw ax", f"fnstsw {self.out(2)}".replace("[", "word ["),
                             f"fnstcw word {self.out(2)}"])
        cw = 0x3F | 0x40 | r.choice(X87_CONTROL_RC_PC)
        return f"mov word [scratch], {cw:#x}\n    fldcw word [scratch]"

    def sse(self) -> str:
        r = self.rng
        op = r.choice(["move", "scalar_move", "arith", "arith", "arith", "sse3", "cmp", "comis",
                       "convert", "convert", "logic", "shuffle", "int", "int", "int",
                       "shift", "mxcsr", "gpr"])
        if op == "move":
            name = r.choice(["movaps", "movups", "movdqa", "movdqu", "movapd"])
            if r.random() < 0.2:
                return f"movups {self.out(16)}, {self.x()}"
            return f"{name} {self.x()}, {self.vec()}"
        if op == "scalar_move":
            name = r.choice(["movss", "movsd"])
            kind = "f32" if name == "movss" else "f64"
            form = r.randrange(3)
            if form == 0:
                return f"{name} {self.x()}, {self.x()}"
            if form == 1:
                return f"{name} {self.x()}, {self.pool(kind)}"
            return f"{name} {self.out(8)}, {self.x()}"
        if op == "arith":
            name = r.choice(["add", "sub", "mul", "div", "min", "max", "sqrt"])
            suffix = r.choice(["ps", "pd", "ss", "sd"])
            src = self.vec() if suffix[0] == "p" else r.choice(
                [self.x(), self.pool("f32" if suffix == "ss" else "f64")])
            return f"{name}{suffix} {self.x()}, {src}"
        if op == "sse3":
            name = r.choice(["haddps", "haddpd", "hsubps", "hsubpd", "addsubps", "addsubpd",
                             "movddup", "movshdup", "movsldup"])
            return f"{name} {self.x()}, {self.vec()}"
        if op == "cmp":
            suffix = r.choice(["ps", "pd", "ss", "sd"])
            src = self.vec() if suffix[0] == "p" else self.x()
            return f"cmp{suffix} {self.x()}, {src}, {r.randrange(8)}"
        if op == "comis":
            name = r.choice(["comiss", "ucomiss", "comisd", "ucomisd"])
            return f"{name} {self.x()}, {self.x()}"
        if op == "convert":
            form = r.randrange(4)
            reg = "rax" if self.bits == 64 and r.random() < 0.5 else "eax"
            if form == 0:
                return f"{r.choice(['cvtsi2ss', 'cvtsi2sd'])} {self.x()}, " \
                       f"{r.choice([reg, 'dword ' + self.pool('i32')])}"
            if form == 1:
                return f"{r.choice(['cvtss2si', 'cvttss2si', 'cvtsd2si', 'cvttsd2si'])} " \
                       f"{reg}, {self.x()}"
            if form == 2:
                return f"{r.choice(['cvtss2sd', 'cvtsd2ss'])} {self.x()}, {self.x()}"
            name = r.choice(["cvtps2pd", "cvtpd2ps", "cvtdq2ps", "cvtdq2pd", "cvtps2dq",
                             "cvttps2dq", "cvtpd2dq", "cvttpd2dq"])
            return f"{name} {self.x()}, {self.x()}"
        if op == "logic":
            name = r.choice(["andps", "andnps", "orps", "xorps", "andpd", "xorpd", "pand",
                             "pandn", "por", "pxor"])
            return f"{name} {self.x()}, {self.vec()}"
        if op == "shuffle":
            name = r.choice(["shufps", "shufpd", "pshufd", "pshuflw", "pshufhw", "palignr"])
            return f"{name} {self.x()}, {self.vec()}, {r.randrange(256)}"
        if op == "int":
            name = r.choice(INT_OPS)
            return f"{name} {self.x()}, {self.vec()}"
        if op == "shift":
            name = r.choice(["psllw", "pslld", "psllq", "psrlw", "psrld", "psrlq", "psraw",
                             "psrad", "pslldq", "psrldq"])
            if name.endswith("dq") or r.random() < 0.6:
                return f"{name} {self.x()}, {r.choice([r.randrange(20), r.randrange(70)])}"
            return f"{name} {self.x()}, {self.x()}"
        if op == "mxcsr":
            if r.random() < 0.3:
                return f"stmxcsr dword {self.out(4)}"
            value = 0x1F80 | r.randrange(4) << 13 | r.choice([0, 0x40, 0x8000, 0x8040])
            return f"mov dword [scratch], {value:#x}\n    ldmxcsr dword [scratch]"
        name = r.choice(["movd eax, {x}", "movd {x}, eax", "movq {x}, {x2}",
                         "pmovmskb eax, {x}", "movmskps eax, {x}", "movmskpd eax, {x}",
                         "pextrw eax, {x}, {i}", "pinsrw {x}, eax, {i}",
                         "movhlps {x}, {x2}", "movlhps {x}, {x2}",
                         "movlps {x}, qword {p}", "movhps {x}, qword {p}",
                         "unpcklps {x}, {x2}", "unpckhps {x}, {x2}", "unpcklpd {x}, {x2}",
                         "unpckhpd {x}, {x2}", "punpcklbw {x}, {x2}", "punpckhwd {x}, {x2}",
                         "punpckldq {x}, {x2}", "punpckhqdq {x}, {x2}", "packsswb {x}, {x2}",
                         "packssdw {x}, {x2}", "packuswb {x}, {x2}", "pmaddwd {x}, {x2}",
                         "psadbw {x}, {x2}", "pmuludq {x}, {x2}"])
        return name.format(x=self.x(), x2=self.x(), i=r.randrange(8), p=self.pool("f64"))


INT_OPS = ["paddb", "paddw", "paddd", "paddq", "psubb", "psubw", "psubd", "psubq", "paddsb",
           "paddsw", "paddusb", "paddusw", "psubsb", "psubsw", "psubusb", "psubusw", "pmullw",
           "pmulhw", "pmulhuw", "pavgb", "pavgw", "pminub", "pmaxub", "pminsw", "pmaxsw",
           "pcmpeqb", "pcmpeqw", "pcmpeqd", "pcmpgtb", "pcmpgtw", "pcmpgtd",
           # SSSE3 and SSE4.1 forms the interpreter has (cpuid does not report them yet)
           "pabsb", "pabsw", "pabsd", "psignb", "psignw", "psignd", "pshufb", "pmulhrsw",
           "pminsb", "pmaxsb", "pminuw", "pmaxuw", "pminsd", "pmaxsd", "pminud", "pmaxud",
           "pmulld", "pmuldq", "pcmpeqq", "pcmpgtq", "packusdw", "ptest", "pmovzxbw",
           "pmovsxwd", "pmovzxdq", "pmovsxbq", "phaddw", "phaddd", "phaddsw", "phsubw",
           "phsubd", "phsubsw", "pmaddubsw"]
SIZES = {"f32": 4, "f64": 8, "f80": 10, "i16": 2, "i32": 4, "i64": 8}
SIZE_NAME = {"f32": "dword", "f64": "qword", "i16": "word", "i32": "dword", "i64": "qword"}


def float_program(seed: int, bits: int = 32, size: int = BODY) -> str:
    """The nasm source of one random x87/SSE program."""
    rng = random.Random(seed * 2 + (bits == 64))
    pool = pool_values(rng)
    body = Body(rng, bits)
    gprs = ["eax", "ebx", "ecx", "edx", "esi", "edi", "ebp", "esp"]
    lines = [f"bits {bits}", "section .text", "global _start", "_start:"]
    lines += [f"    xor {g}, {g}" for g in gprs]
    if bits == 64:
        lines += [f"    xor r{i}d, r{i}d" for i in range(8, 16)]
    cw = 0x7F | rng.choice(X87_CONTROL_RC_PC)
    mxcsr = 0x1F80 | rng.randrange(4) << 13 | rng.choice([0, 0, 0x40, 0x8000])
    if rng.random() < 0.08:                    # an unmasked exception: SIGFPE, as Linux
        cw &= ~(1 << rng.randrange(6))
    if rng.random() < 0.08:
        mxcsr &= ~(1 << (7 + rng.randrange(6)))
    lines += ["    fninit", f"    mov word [scratch], {cw:#x}", "    fldcw word [scratch]",
              f"    mov dword [scratch], {mxcsr:#x}", "    ldmxcsr dword [scratch]"]
    lines += [f"    movdqa xmm{i}, [vec_pool + {(i % (POOL // 2)) * 16}]"
              for i in range(body.xmms)]
    for _ in range(size):
        lines.append("    " + (body.x87() if rng.random() < 0.55 else body.sse()))
    lines += ["    fxsave [state]"]
    lines += [f"    mov dword [state + {o}], 0" for o in range(8, 24, 4)]
    lines += ["    mov word [state + 6], 0", "    int3", "", "section .data", "align 16"]
    vec = [pool["f32"][i] | pool["f64"][i] << 64 if i % 3 else
           pool["f64"][i] | pool["f32"][i] << 96 | pool["i32"][i] << 64
           for i in range(POOL // 2)]
    lines += ["vec_pool:"] + [f"    dq {v & (1 << 64) - 1:#x}, {v >> 64:#x}" for v in vec]
    for kind, directive in (("f32", "dd"), ("f64", "dq"), ("i16", "dw"), ("i32", "dd"),
                            ("i64", "dq")):
        lines += [f"{kind}_pool:"] + [f"    {directive} {v:#x}" for v in pool[kind]]
    lines += ["f80_pool:"] + [f"    db {', '.join(hex(b) for b in v.to_bytes(10, 'little'))}"
                              for v in pool["f80"]]
    lines += ["bcd_pool:"] + [f"    db {', '.join(hex(b) for b in v.to_bytes(10, 'little'))}"
                              for v in pool["bcd"]]
    lines += ["section .bss", "alignb 16", "state: resb 512", "out: resb 128",
              "scratch: resb 16"]
    return "\n".join(lines) + "\n"


def run(count: int, seed: int = 0, bits: int = 32, *, show: int = 5, out=sys.stdout) -> int:
    """Compare `count` programs with the real CPU; returns how many differ."""
    from .external import nasm_program
    from .native import NativeCPU, compare
    failures = 0
    with NativeCPU(bits) as cpu:
        for s in range(seed, seed + count):
            program = nasm_program(float_program(s, bits), bits)
            result = compare(program, cpu.run(program))
            if not result.agreed:
                failures += 1
                if failures <= show:
                    print(f"seed {s} ({bits}-bit): " + "; ".join(result.differences), file=out)
    print(f"{count} float programs ({bits}-bit) against the real CPU: {failures} differ",
          file=out)
    return failures


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    count = int(args[0]) if args else 200
    seed = int(args[1]) if len(args) > 1 else 0
    bits = int(args[2]) if len(args) > 2 else 32
    return 1 if run(count, seed, bits, show=count) else 0


if __name__ == "__main__":
    raise SystemExit(main())



