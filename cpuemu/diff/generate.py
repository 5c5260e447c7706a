"""Random programs over the interpreter's instruction set, for differential tests.

A program sets every register and the status flags to random values, runs a random
body, and ends on `int3`, so the same bytes can run on both engines and on the real CPU
(whose harness catches the SIGTRAP). Memory operands address a 256-byte data area
through EDI (RDI), which the body never writes; ESP (RSP) is a real stack. Patterns keep
programs well-behaved: every push is popped, loops are bounded, string operations stay
in the data area, divisors are made non-zero.

`bits=64` makes x86-64 programs from the same patterns: REX registers (r8..r15, sil,
r8b..), 32-bit writes to registers holding 64-bit values (zero extension), RIP-relative
and absolute data operands, imm64 moves, and a stack of their own in .bss.

Instructions that read flags (adc, jcc, setcc, cmovcc, rcl, pushfd, ...) always follow a
`cmp` that defines all six status flags, so no result depends on a flag the SDM leaves
undefined; comparisons then need to mask only what the last writer left undefined.

The generator draws through a `Picker`, so hypothesis (`programs()`) and a plain
`random.Random` (`random_program`) drive the same code.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

DATA_SIZE = 256
STACK_TOP = 0xBFFF0000          # inside the emulators' stack and free in a native process
STACK64 = 0x1000                # 64-bit programs bring a stack of this many bytes in .bss
CONDITIONS = ("o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np",
              "l", "ge", "le", "g")
SIZE = {8: "byte", 16: "word", 32: "dword", 64: "qword"}
EFLAGS_RANDOM = 0x8D5 | 0x400                  # status flags and DF, never TF/AC
EFLAGS_IF = 0x200                              # user code cannot clear IF (Unicorn, at CPL 0, can)
_EXTRA = [f"r{i}" for i in range(8, 16)]


@dataclass(frozen=True)
class Mode:
    """What the generator writes differently in 32- and 64-bit programs."""

    bits: int
    dest: dict[int, list[str]]       # registers the body may write, by width
    source: dict[int, list[str]]     # and read (adds the data and stack pointers)
    counter: frozenset[str]          # every name of ECX/RCX
    widths: tuple[int, ...]
    data: str                        # the register holding the data area's address
    sp: str

    @property
    def word(self) -> int:
        return self.bits


MODE32 = Mode(
    32,
    {32: ["eax", "ebx", "ecx", "edx", "esi", "ebp"], 16: ["ax", "bx", "cx", "dx", "si", "bp"],
     8: ["al", "ah", "bl", "bh", "cl", "ch", "dl", "dh"]},
    {32: ["eax", "ebx", "ecx", "edx", "esi", "ebp", "edi", "esp"],
     16: ["ax", "bx", "cx", "dx", "si", "bp", "di", "sp"],
     8: ["al", "ah", "bl", "bh", "cl", "ch", "dl", "dh"]},
    frozenset({"ecx", "cx", "cl", "ch"}), (8, 16, 32, 32, 32), "edi", "esp")
MODE64 = Mode(
    64,
    {64: ["rax", "rbx", "rcx", "rdx", "rsi", "rbp", *_EXTRA],
     32: ["eax", "ebx", "ecx", "edx", "esi", "ebp", *(r + "d" for r in _EXTRA)],
     16: ["ax", "bx", "cx", "dx", "si", "bp", *(r + "w" for r in _EXTRA)],
     8: ["al", "bl", "cl", "dl", "sil", "bpl", *(r + "b" for r in _EXTRA)]},
    {64: ["rax", "rbx", "rcx", "rdx", "rsi", "rbp", *_EXTRA, "rdi", "rsp"],
     32: ["eax", "ebx", "ecx", "edx", "esi", "ebp", *(r + "d" for r in _EXTRA), "edi", "esp"],
     16: ["ax", "bx", "cx", "dx", "si", "bp", *(r + "w" for r in _EXTRA), "di", "sp"],
     8: ["al", "bl", "cl", "dl", "sil", "bpl", *(r + "b" for r in _EXTRA), "dil"]},
    frozenset({"rcx", "ecx", "cx", "cl"}), (8, 16, 32, 32, 64, 64, 64), "rdi", "rsp")
MODES = {32: MODE32, 64: MODE64}
# What a divisor must not be: the registers div and idiv read and write.
ACCUMULATOR_AND_DATA = frozenset({"rax", "eax", "ax", "al", "ah", "rdx", "edx", "dx", "dl", "dh"})


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
    def __init__(self, pick: Picker, *, size: int = 20, loops: bool = True, bits: int = 32):
        self.p = pick
        self.size = size
        self.loops = loops
        self.m = MODES[bits]
        self.labels = 0
        self.avoid: set[str] = set()      # registers a loop body may not write

    # -- the program -------------------------------------------------------------------

    def program(self) -> str:
        p, m = self.p, self.m
        data = ", ".join(str(b) for b in p.bytes(DATA_SIZE))
        lines = ["section .data", "align 16", f"data: db {data}"]
        if m.bits == 64:
            lines = ["bits 64", *lines, "section .bss", "align 16", f"stack: resb {STACK64}",
                     "section .text", "global _start", "_start:",
                     f"    lea rsp, [stack + {STACK64 - DATA_SIZE}]", "    lea rdi, [data]"]
        else:
            lines += ["section .text", "global _start", "_start:",
                      f"    mov esp, {STACK_TOP:#x}", "    mov edi, data"]
        for reg in m.dest[m.word]:
            lines.append(f"    mov {reg}, {self.imm(m.word):#x}")
        lines += [f"    push {self.eflags():#x}", "    popfq" if m.bits == 64 else "    popfd"]
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
        if self.m.bits == 32:
            kinds.append(self.bcd)
        return self.p.choice(kinds)()

    # -- operands ----------------------------------------------------------------------

    def label(self) -> str:
        self.labels += 1
        return f".L{self.labels}"

    def width(self) -> int:
        return self.p.choice(self.m.widths)

    def imm(self, bits: int) -> int:
        p = self.p
        special = [0, 1, 2, (1 << bits) - 1, 1 << (bits - 1), (1 << (bits - 1)) - 1, 0x10]
        if p.bool(30):
            return p.choice(special)
        return p.int(0, (1 << bits) - 1)

    def operand_imm(self, bits: int) -> int:
        """An immediate for an operation of `bits`; 64-bit operations take a sign-extended
        imm32, written signed (-0x80000000, not 0xffffffff80000000)."""
        if bits < 64:
            return self.imm(bits)
        value = self.imm(32)
        return value - (1 << 32) if value >> 31 else value

    def dest(self, bits: int) -> str:
        choices = [r for r in self.m.dest[bits] if r not in self.avoid and
                   not (self.avoid and r in self.m.counter)]
        return self.p.choice(choices)

    def source(self, bits: int) -> str:
        return self.p.choice(self.m.source[bits])

    def mem(self, bits: int, sized: bool = True, *, write: bool = False,
            relative: bool = True, stack: bool = True) -> str:
        """A memory operand in the data area (or just below ESP): EDI-relative with or
        without a segment override, absolute (RIP-relative too in 64-bit code, unless
        `relative` is false), or ESP-relative (a SIB encoding; not with `stack` false)."""
        p, m = self.p, self.m
        disp = p.int(0, DATA_SIZE - 8)
        form = p.int(0, 9)
        if form == 6 and not stack:
            form = 0
        if form <= 4:
            where = f"[{m.data} + {disp}]" if disp else f"[{m.data}]"
        elif form == 5:
            where = f"[data + {disp}]"
        elif form == 6:
            where = f"[{m.sp} - {p.int(1, 16) * m.word // 8}]"
        elif m.bits == 64 and form <= 8 and relative:
            where = f"[rel data + {disp}]"
        else:
            prefix = p.choice(("ds", "ss", "es") + (() if write else ("cs",)))
            where = f"[{prefix}:{m.data} + {disp}]"
        return f"{SIZE[bits]} {where}" if sized else where

    def rm(self, bits: int, *, write: bool, relative: bool = True) -> str:
        if self.p.bool(35):
            return self.mem(bits, write=write, relative=relative)
        return self.dest(bits) if write else self.source(bits)

    def eflags(self) -> int:
        return self.p.int(0, 0xFFFFFFFF) & EFLAGS_RANDOM | EFLAGS_IF

    def define_flags(self) -> str:
        """A cmp that defines all six status flags (before anything that reads them)."""
        bits = self.width()
        if self.p.bool():
            return f"cmp {self.source(bits)}, {self.operand_imm(bits):#x}"
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
            text = f"{op} {self.dest(bits)}, {self.operand_imm(bits):#x}"
        else:
            text = f"{op} {self.mem(bits, write=True)}, {self.operand_imm(bits):#x}"
        if op == "test" and form == 1:
            text = f"test {self.rm(bits, write=False)}, {self.dest(bits)}"
        return [self.define_flags(), text] if op in ("adc", "sbb") else [text]

    def indexed(self):
        """[base + index*scale + disp]: the index register is masked into range first."""
        p, m = self.p, self.m
        bits = self.width()
        index = self.dest(m.word)
        scale = p.choice((1, 2, 4, 8))
        disp = p.int(0, DATA_SIZE - 8 - 31 * scale)
        where = f"{SIZE[bits]} [{m.data} + {index}*{scale} + {disp}]"
        reg = self.dest(bits)
        use = p.choice((f"mov {reg}, {where}", f"mov {where}, {self.source(bits)}",
                        f"add {where}, {self.source(bits)}", f"sub {reg}, {where}",
                        f"inc {where}", f"cmp {where}, {self.operand_imm(bits):#x}"))
        return [f"and {index}, 31", use]

    def unary(self):
        bits = self.width()
        return [f"{self.p.choice(('inc', 'dec', 'neg', 'not'))} {self.rm(bits, write=True)}"]

    def bcd(self):
        """aaa aas daa das aam aad (32-bit code only; aam by 0 is a divide error)."""
        op = self.p.choice(("aaa", "aas", "daa", "das", "aam", "aad"))
        if op in ("aam", "aad") and self.p.bool(30):
            return [f"{op} {self.p.int(0, 255)}"]
        return [op]

    def shift(self):
        p = self.p
        op = p.choice(("shl", "shr", "sar", "sal", "rol", "ror", "rcl", "rcr", "shld", "shrd"))
        bits = self.width()
        target = self.rm(bits, write=True)
        out = [self.define_flags()] if op in ("rcl", "rcr") else []
        if op in ("shld", "shrd"):
            bits = p.choice((16, 32, 64) if self.m.bits == 64 else (16, 32))
            # Unicorn 2.1 puts a RIP-relative shld/shrd destination one byte off when the
            # count is an immediate (it forgets the imm8); the CPU does not.
            target = self.rm(bits, write=True, relative=False)
            count = p.int(0, 16 if bits == 16 else bits - 1)
            if bits >= 32 and p.bool() and "cl" not in self.avoid and not self.avoid:
                return [f"{op} {target}, {self.source(bits)}, cl"]
            return [f"{op} {target}, {self.source(bits)}, {count}"]
        count = p.choice(("1", "cl", str(p.int(0, 63 if bits == 64 else 31)),
                          str(p.int(0, bits))))
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
        return [f"imul {self.dest(bits)}, {self.rm(bits, write=False)}, "
                f"{self.operand_imm(bits):#x}"]

    def divide(self):
        """Divisor forced non-zero, high half prepared so the quotient (almost) fits."""
        if self.avoid:
            return self.alu()
        p = self.p
        bits = self.width()
        signed = p.bool()
        op = "idiv" if signed else "div"
        implicit = {"al", "ah"} if bits == 8 else ACCUMULATOR_AND_DATA
        divisor = p.choice([r for r in self.m.dest[bits] if r not in implicit])
        prepare = {(8, False): "movzx eax, al", (8, True): "cbw",
                   (16, False): "xor dx, dx", (16, True): "cwd",
                   (32, False): "xor edx, edx", (32, True): "cdq",
                   (64, False): "xor edx, edx", (64, True): "cqo"}[bits, signed]
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
            return [f"mov {self.mem(bits, write=True)}, {self.operand_imm(bits):#x}"]
        return [f"bswap {self.dest(p.choice((32, self.m.word)))}"]

    def extend(self):
        p, wide = self.p, self.m.bits == 64
        op = p.choice(("movzx", "movsx"))
        if p.bool(20) and not self.avoid:
            return [p.choice(("cbw", "cwde", "cwd", "cdq") + (("cdqe", "cqo") if wide else ()))]
        if wide and p.bool(20):
            return [f"movsxd {self.dest(64)}, {self.rm(32, write=False)}"]
        src_bits = p.choice((8, 16))
        widths = (16, 32, 64) if wide else (16, 32)
        dst_bits = p.choice(tuple(w for w in widths if w > src_bits))
        return [f"{op} {self.dest(dst_bits)}, {self.rm(src_bits, write=False)}"]

    def lea(self):
        p, m = self.p, self.m
        base, index = self.source(m.word), p.choice(m.source[m.word][:-1])   # not ESP
        scale, disp = p.choice((1, 2, 4, 8)), self.imm(32)
        bits = p.choice((16, 32, 32) + ((64, 64) if m.bits == 64 else ()))
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
        bits = p.choice((16, 32, 32, 64) if self.m.bits == 64 else (16, 32))
        return [self.define_flags(), f"cmov{cc} {self.dest(bits)}, {self.rm(bits, write=False)}"]

    def bits(self):
        p = self.p
        bits = p.choice((16, 32, 64) if self.m.bits == 64 else (16, 32))
        if p.bool(30):
            return [f"{p.choice(('bsf', 'bsr'))} {self.dest(bits)}, {self.rm(bits, write=False)}"]
        op = p.choice(("bt", "bts", "btr", "btc"))
        if p.bool():
            return [f"{op} {self.rm(bits, write=op != 'bt')}, {p.int(0, 255)}"]
        if p.bool():
            return [f"{op} {self.dest(bits)}, {self.source(bits)}"]
        offset = self.dest(bits)                   # a bit string in memory: keep it in range
        # (and away from the stack, where bits above the operand are a return address)
        return [f"and {offset}, 0x7f",
                f"{op} {self.mem(bits, write=True, stack=False)}, {offset}"]

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
        suffix = "q" if self.m.bits == 64 else "d"
        if choice == 3:
            return [self.define_flags(), f"pushf{suffix}", f"pop {self.dest(self.m.word)}"]
        return [f"push {self.eflags():#x}", f"popf{suffix}"]

    def stack(self):
        p, m = self.p, self.m
        word = m.word
        choice = p.int(0, 3)
        if choice == 0:
            imm = self.operand_imm(word)
            what = p.choice((self.source(word), f"{imm:#x}", self.mem(word),
                             f"{self.imm(8) - 128}"))
            return [f"push {what}", f"pop {self.rm(word, write=True)}"]
        if choice == 1:
            return [f"push {self.source(16)}", f"pop {self.dest(16)}"]
        if choice == 2 and not self.avoid and word == 32:
            return ["pushad", *self.alu(), "popad"]
        if self.avoid or choice == 2:
            return self.alu()
        bp, sp = ("rbp", "rsp") if word == 64 else ("ebp", "esp")
        return [f"push {bp}", f"mov {bp}, {sp}", f"enter {p.int(0, 64)}, {p.int(0, 3)}",
                f"mov [{bp} - {word // 8}], {self.source(word)}", "leave", f"pop {bp}"]

    def string(self):
        """A rep string instruction on the data area; EDI is saved and restored."""
        if self.avoid:
            return self.alu()
        p, wide = self.p, self.m.bits == 64
        op = p.choice(("movs", "stos", "lods", "cmps", "scas"))
        suffix, size = p.choice((("b", 1), ("w", 2), ("d", 4)) + ((("q", 8),) if wide else ()))
        count = p.int(0, 12)
        backwards = p.bool(25)
        span = count * size
        lo = span if backwards else 0
        hi = DATA_SIZE - size - (0 if backwards else span)
        src, dst = p.int(lo, hi), p.int(lo, hi)
        prefix = p.choice(("repe ", "repne ", "")) if op in ("cmps", "scas") else \
            p.choice(("rep ", ""))
        si, di = ("rsi", "rdi") if wide else ("esi", "edi")
        return [f"push {di}", f"lea {si}, [{di} + {src}]", f"lea {di}, [{di} + {dst}]",
                f"mov ecx, {count}", "std" if backwards else "cld",
                f"{prefix}{op}{suffix}", "cld", f"pop {di}"]

    def branch(self):
        p = self.p
        skip = self.label()
        body = [line for _ in range(p.int(1, 3)) for line in self.simple()]
        counted = "jrcxz" if self.m.bits == 64 else "jecxz"
        jump = p.choice([f"j{cc}" for cc in CONDITIONS] + ["jmp", counted])
        head = [self.define_flags()] if jump not in ("jmp", counted) else []
        return [*head, f"{jump} {skip}", *body, f"{skip}:"]

    def loop(self):
        p = self.p
        top = self.label()
        self.avoid = set(self.m.counter)
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
            return [f"push {self.imm(31):#x}", f"call {function}", f"jmp {after}",
                    f"{function}:", *body, f"ret {self.m.word // 8}", f"{after}:"]
        return [f"call {function}", f"jmp {after}", f"{function}:", *body, "ret", f"{after}:"]

    def simple(self) -> list[str]:
        """Straight-line instructions only (branch and loop bodies)."""
        return self.p.choice((self.alu, self.unary, self.shift, self.move, self.extend,
                              self.lea, self.conditional, self.bits))()


def random_program(seed: int, size: int = 20, bits: int = 32) -> str:
    """A program from a seed, without hypothesis (long runs, the native report)."""
    return Generator(random_picker(seed), size=size, bits=bits).program()


def programs(size: int = 20, bits: int = 32):
    """A hypothesis strategy of program texts."""
    from hypothesis import strategies as st

    @st.composite
    def draw_program(draw):
        pick = Picker(lambda lo, hi: draw(st.integers(lo, hi)),
                      lambda seq: draw(st.sampled_from(seq)),
                      lambda n: draw(st.binary(min_size=n, max_size=n)))
        return Generator(pick, size=size, bits=bits).program()

    return draw_program()
