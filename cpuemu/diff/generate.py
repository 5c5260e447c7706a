"""Random programs over the interpreter's instruction set, for differential tests.

A program sets every register and the status flags to random values, runs a random
body, and ends on `int3`, so the same bytes can run on both engines and on the real CPU
(whose harness catches the SIGTRAP). Memory operands address a 256-byte data area
through EDI, which the body never writes; ESP is a real stack. Patterns keep programs
well-behaved: every push is popped, loops are bounded, string operations stay in the
data area, divisors are made non-zero.

Instructions that read flags (adc, jcc, setcc, cmovcc, rcl, pushfd, ...) always follow a
`cmp` that defines all six status flags, so no result depends on a flag the SDM leaves
undefined; comparisons then need to mask only what the last writer left undefined.

The generator draws through a `Picker`, so hypothesis (`programs()`) and a plain
`random.Random` (`random_program`) drive the same code.
"""

from __future__ import annotations

import random

DATA_SIZE = 256
STACK_TOP = 0xBFFF0000          # inside the emulators' stack and free in a native process
CONDITIONS = ("o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np",
              "l", "ge", "le", "g")
DEST = {32: ["eax", "ebx", "ecx", "edx", "esi", "ebp"],
        16: ["ax", "bx", "cx", "dx", "si", "bp"],
        8: ["al", "ah", "bl", "bh", "cl", "ch", "dl", "dh"]}
SOURCE = {32: DEST[32] + ["edi", "esp"], 16: DEST[16] + ["di", "sp"], 8: DEST[8]}
SIZE = {8: "byte", 16: "word", 32: "dword"}
COUNTER = {"ecx", "cx", "cl", "ch"}
EFLAGS_RANDOM = 0x8D5 | 0x400                  # status flags and DF, never TF/AC
EFLAGS_IF = 0x200                              # user code cannot clear IF (Unicorn, at CPL 0, can)


class Picker:
    """What the generator needs from a source of randomness."""

    def __init__(self, draw_int, draw_choice, draw_bytes):
        self.int, self.choice, self.bytes = draw_int, draw_choice, draw_bytes

    def bool(self, percent: int = 50) -> bool:
        return self.int(0, 99) < percent


def random_picker(seed: int) -> Picker:
    rng = random.Random(seed)
    return Picker(rng.randint, lambda seq: seq[rng.randrange(len(seq))], rng.randbytes)


class Generator:
    def __init__(self, pick: Picker, *, size: int = 20, loops: bool = True):
        self.p = pick
        self.size = size
        self.loops = loops
        self.labels = 0
        self.avoid: set[str] = set()      # registers a loop body may not write

    # -- the program -------------------------------------------------------------------

    def program(self) -> str:
        p = self.p
        data = ", ".join(str(b) for b in p.bytes(DATA_SIZE))
        lines = ["section .data", "align 16", f"data: db {data}", "section .text",
                 "global _start", "_start:", f"    mov esp, {STACK_TOP:#x}",
                 "    mov edi, data"]
        for reg in DEST[32]:
            lines.append(f"    mov {reg}, {self.imm(32):#x}")
        lines += [f"    push {self.eflags():#x}", "    popfd"]
        for _ in range(self.size):
            lines += ["    " + line if not line.endswith(":") else line for line in self.item()]
        lines.append("    int3")
        return "\n".join(lines) + "\n"

    def item(self) -> list[str]:
        kinds = [self.alu, self.alu, self.alu, self.indexed, self.unary, self.shift, self.shift,
                 self.multiply, self.divide, self.move, self.move, self.extend, self.lea,
                 self.exchange, self.conditional, self.bits, self.flags, self.stack,
                 self.string, self.branch, self.call]
        if self.loops and not self.avoid:
            kinds.append(self.loop)
        return self.p.choice(kinds)()

    # -- operands ----------------------------------------------------------------------

    def label(self) -> str:
        self.labels += 1
        return f".L{self.labels}"

    def width(self) -> int:
        return self.p.choice((8, 16, 32, 32, 32))

    def imm(self, bits: int) -> int:
        p = self.p
        special = [0, 1, 2, (1 << bits) - 1, 1 << (bits - 1), (1 << (bits - 1)) - 1, 0x10]
        if p.bool(30):
            return p.choice(special)
        return p.int(0, (1 << bits) - 1)

    def dest(self, bits: int) -> str:
        choices = [r for r in DEST[bits] if r not in self.avoid and
                   not (self.avoid and r in COUNTER)]
        return self.p.choice(choices)

    def source(self, bits: int) -> str:
        return self.p.choice(SOURCE[bits])

    def mem(self, bits: int, sized: bool = True, *, write: bool = False) -> str:
        """A memory operand in the data area (or just below ESP): EDI-relative with or
        without a segment override, absolute, or ESP-relative (a SIB encoding)."""
        p = self.p
        disp = p.int(0, DATA_SIZE - 8)
        form = p.int(0, 9)
        if form <= 4:
            where = f"[edi + {disp}]" if disp else "[edi]"
        elif form == 5:
            where = f"[data + {disp}]"
        elif form == 6:
            where = f"[esp - {p.int(1, 16) * 4}]"
        else:
            prefix = p.choice(("ds", "ss", "es") + (() if write else ("cs",)))
            where = f"[{prefix}:edi + {disp}]"
        return f"{SIZE[bits]} {where}" if sized else where

    def rm(self, bits: int, *, write: bool) -> str:
        if self.p.bool(35):
            return self.mem(bits, write=write)
        return self.dest(bits) if write else self.source(bits)

    def eflags(self) -> int:
        return self.p.int(0, 0xFFFFFFFF) & EFLAGS_RANDOM | EFLAGS_IF

    def define_flags(self) -> str:
        """A cmp that defines all six status flags (before anything that reads them)."""
        bits = self.width()
        if self.p.bool():
            return f"cmp {self.source(bits)}, {self.imm(bits):#x}"
        return f"cmp {self.source(bits)}, {self.source(bits)}"

    # -- instruction patterns ----------------------------------------------------------

    def alu(self):
        p = self.p
        op = p.choice(("add", "sub", "and", "or", "xor", "cmp", "test", "adc", "sbb"))
        bits = self.width()
        form = p.int(0, 3)
        if form == 0:
            text = f"{op} {self.rm(bits, write=True)}, {self.source(bits)}"
        elif form == 1:
            text = f"{op} {self.dest(bits)}, {self.rm(bits, write=False)}"
        elif form == 2:
            text = f"{op} {self.dest(bits)}, {self.imm(bits):#x}"
        else:
            text = f"{op} {self.mem(bits, write=True)}, {self.imm(bits):#x}"
        if op == "test" and form == 1:
            text = f"test {self.rm(bits, write=False)}, {self.dest(bits)}"
        return [self.define_flags(), text] if op in ("adc", "sbb") else [text]

    def indexed(self):
        """[base + index*scale + disp]: the index register is masked into range first."""
        p = self.p
        bits = self.width()
        index = self.dest(32)
        scale = p.choice((1, 2, 4, 8))
        disp = p.int(0, DATA_SIZE - 8 - 31 * scale)
        where = f"{SIZE[bits]} [edi + {index}*{scale} + {disp}]"
        reg = self.dest(bits)
        use = p.choice((f"mov {reg}, {where}", f"mov {where}, {self.source(bits)}",
                        f"add {where}, {self.source(bits)}", f"sub {reg}, {where}",
                        f"inc {where}", f"cmp {where}, {self.imm(bits):#x}"))
        return [f"and {index}, 31", use]

    def unary(self):
        bits = self.width()
        return [f"{self.p.choice(('inc', 'dec', 'neg', 'not'))} {self.rm(bits, write=True)}"]

    def shift(self):
        p = self.p
        op = p.choice(("shl", "shr", "sar", "sal", "rol", "ror", "rcl", "rcr", "shld", "shrd"))
        bits = self.width()
        target = self.rm(bits, write=True)
        out = [self.define_flags()] if op in ("rcl", "rcr") else []
        if op in ("shld", "shrd"):
            bits = p.choice((16, 32))
            target = self.rm(bits, write=True)
            count = p.int(0, 16 if bits == 16 else 31)
            if bits == 32 and p.bool() and "cl" not in self.avoid and not self.avoid:
                return [f"{op} {target}, {self.source(bits)}, cl"]
            return [f"{op} {target}, {self.source(bits)}, {count}"]
        count = p.choice(("1", "cl", str(p.int(0, 31)), str(p.int(0, bits))))
        return out + [f"{op} {target}, {count}"]

    def multiply(self):
        p = self.p
        bits = self.width()
        form = p.int(0, 2)
        if form == 0 or bits == 8:
            if self.avoid:
                return self.alu()
            return [f"{p.choice(('mul', 'imul'))} {self.rm(bits, write=False)}"]
        if form == 1:
            return [f"imul {self.dest(bits)}, {self.rm(bits, write=False)}"]
        return [f"imul {self.dest(bits)}, {self.rm(bits, write=False)}, {self.imm(bits):#x}"]

    def divide(self):
        """Divisor forced non-zero, high half prepared so the quotient (almost) fits."""
        if self.avoid:
            return self.alu()
        p = self.p
        bits = self.width()
        signed = p.bool()
        op = "idiv" if signed else "div"
        acc_regs = {8: {"al", "ah"}, 16: {"ax", "dx"}, 32: {"eax", "edx"}}[bits]
        divisor = p.choice([r for r in DEST[bits] if r not in acc_regs and r[0] not in "ad"
                            or bits == 8 and r not in acc_regs])
        prepare = {(8, False): "movzx eax, al", (8, True): "cbw",
                   (16, False): "xor dx, dx", (16, True): "cwd",
                   (32, False): "xor edx, edx", (32, True): "cdq"}[bits, signed]
        if p.bool(30):
            spot = self.mem(bits, write=True)
            return [prepare, f"or {spot}, 1", f"{op} {spot}"]
        return [prepare, f"or {divisor}, 1", f"{op} {divisor}"]

    def move(self):
        p = self.p
        bits = self.width()
        form = p.int(0, 4)
        if form == 0:
            return [f"mov {self.dest(bits)}, {self.rm(bits, write=False)}"]
        if form == 1:
            return [f"mov {self.rm(bits, write=True)}, {self.source(bits)}"]
        if form == 2:
            return [f"mov {self.dest(bits)}, {self.imm(bits):#x}"]
        if form == 3:
            return [f"mov {self.mem(bits, write=True)}, {self.imm(bits):#x}"]
        return [f"bswap {self.dest(32)}"]

    def extend(self):
        p = self.p
        op = p.choice(("movzx", "movsx"))
        if p.bool(20) and not self.avoid:
            return [p.choice(("cbw", "cwde", "cwd", "cdq"))]
        src_bits = p.choice((8, 16))
        dst_bits = 32 if src_bits == 16 else p.choice((16, 32))
        return [f"{op} {self.dest(dst_bits)}, {self.rm(src_bits, write=False)}"]

    def lea(self):
        p = self.p
        base, index = self.source(32), p.choice(SOURCE[32][:-1])
        scale, disp = p.choice((1, 2, 4, 8)), self.imm(32)
        bits = p.choice((16, 32, 32))
        return [f"lea {self.dest(bits)}, [{base} + {index}*{scale} + {disp:#x}]"]

    def exchange(self):
        p = self.p
        bits = self.width()
        op = p.choice(("xchg", "xadd", "cmpxchg"))
        if op == "cmpxchg" and self.avoid:
            op = "xadd"
        if p.bool(40):
            return [f"{op} {self.mem(bits, write=True)}, {self.dest(bits)}"]
        return [f"{op} {self.dest(bits)}, {self.dest(bits)}"]

    def conditional(self):
        p = self.p
        cc = p.choice(CONDITIONS)
        if p.bool():
            return [self.define_flags(), f"set{cc} {self.rm(8, write=True)}"]
        bits = p.choice((16, 32))
        return [self.define_flags(), f"cmov{cc} {self.dest(bits)}, {self.rm(bits, write=False)}"]

    def bits(self):
        p = self.p
        bits = p.choice((16, 32))
        if p.bool(30):
            return [f"{p.choice(('bsf', 'bsr'))} {self.dest(bits)}, {self.rm(bits, write=False)}"]
        op = p.choice(("bt", "bts", "btr", "btc"))
        if p.bool():
            return [f"{op} {self.rm(bits, write=op != 'bt')}, {p.int(0, 255)}"]
        if p.bool():
            return [f"{op} {self.dest(bits)}, {self.source(bits)}"]
        offset = self.dest(bits)                   # a bit string in memory: keep it in range
        return [f"and {offset}, 0x7f", f"{op} {self.mem(bits, write=True)}, {offset}"]

    def flags(self):
        p = self.p
        choice = p.int(0, 4)
        if choice == 0:
            return [p.choice(("clc", "stc", "cmc"))] if p.bool() else \
                [self.define_flags(), "cmc"]
        if choice == 1:
            return [self.define_flags(), "lahf"] if not self.avoid else ["stc"]
        if choice == 2:
            return ["sahf"] if not self.avoid else ["clc"]
        if choice == 3:
            return [self.define_flags(), "pushfd", f"pop {self.dest(32)}"]
        return [f"push {self.eflags():#x}", "popfd"]

    def stack(self):
        p = self.p
        choice = p.int(0, 3)
        if choice == 0:
            what = p.choice((self.source(32), f"{self.imm(32):#x}", self.mem(32),
                             f"{self.imm(8) - 128}"))
            return [f"push {what}", f"pop {self.rm(32, write=True)}"]
        if choice == 1:
            return [f"push {self.source(16)}", f"pop {self.dest(16)}"]
        if choice == 2 and not self.avoid:
            return ["pushad", *self.alu(), "popad"]
        if self.avoid:
            return self.alu()
        return ["push ebp", "mov ebp, esp", f"enter {p.int(0, 64)}, {p.int(0, 3)}",
                f"mov [ebp - 4], {self.source(32)}", "leave", "pop ebp"]

    def string(self):
        """A rep string instruction on the data area; EDI is saved and restored."""
        if self.avoid:
            return self.alu()
        p = self.p
        op = p.choice(("movs", "stos", "lods", "cmps", "scas"))
        suffix, size = p.choice((("b", 1), ("w", 2), ("d", 4)))
        count = p.int(0, 12)
        backwards = p.bool(25)
        span = count * size
        lo = span if backwards else 0
        hi = DATA_SIZE - size - (0 if backwards else span)
        src, dst = p.int(lo, hi), p.int(lo, hi)
        prefix = p.choice(("repe ", "repne ", "")) if op in ("cmps", "scas") else \
            p.choice(("rep ", ""))
        return ["push edi", f"lea esi, [edi + {src}]", f"lea edi, [edi + {dst}]",
                f"mov ecx, {count}", "std" if backwards else "cld",
                f"{prefix}{op}{suffix}", "cld", "pop edi"]

    def branch(self):
        p = self.p
        skip = self.label()
        body = [line for _ in range(p.int(1, 3)) for line in self.simple()]
        jump = p.choice([f"j{cc}" for cc in CONDITIONS] + ["jmp", "jecxz"])
        head = [self.define_flags()] if jump.startswith("j") and jump not in ("jmp", "jecxz") \
            else []
        return [*head, f"{jump} {skip}", *body, f"{skip}:"]

    def loop(self):
        p = self.p
        top = self.label()
        self.avoid = set(COUNTER)
        body = [line for _ in range(p.int(1, 4)) for line in self.simple()]
        self.avoid = set()
        kind = p.choice(("loop", "loop", "loope", "loopne"))
        tail = [self.define_flags()] if kind != "loop" else []
        return [f"mov ecx, {p.int(1, 6)}", f"{top}:", *body, *tail, f"{kind} {top}"]

    def call(self):
        if self.avoid:
            return self.alu()
        p = self.p
        function, after = self.label(), self.label()
        body = [line for _ in range(p.int(1, 3)) for line in self.simple()]
        if p.bool():
            return [f"push {self.imm(32):#x}", f"call {function}", f"jmp {after}",
                    f"{function}:", *body, "ret 4", f"{after}:"]
        return [f"call {function}", f"jmp {after}", f"{function}:", *body, "ret", f"{after}:"]

    def simple(self) -> list[str]:
        """Straight-line instructions only (branch and loop bodies)."""
        return self.p.choice((self.alu, self.unary, self.shift, self.move, self.extend,
                              self.lea, self.conditional, self.bits))()


def random_program(seed: int, size: int = 20) -> str:
    """A program from a seed, without hypothesis (long runs, the native report)."""
    return Generator(random_picker(seed), size=size).program()


def programs(size: int = 20):
    """A hypothesis strategy of program texts."""
    from hypothesis import strategies as st

    @st.composite
    def draw_program(draw):
        pick = Picker(lambda lo, hi: draw(st.integers(lo, hi)),
                      lambda seq: draw(st.sampled_from(seq)),
                      lambda n: draw(st.binary(min_size=n, max_size=n)))
        return Generator(pick, size=size).program()

    return draw_program()
