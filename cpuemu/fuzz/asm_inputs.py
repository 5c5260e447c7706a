"""Assembler inputs from a seed: random text, token soup, and mutations of the samples.

Every input is meant to be refused or assembled; what it must never do is raise
anything but AssemblyError or run without end. The vocabulary mixes what each dialect
knows (mnemonics, registers, directives, number notations) with what breaks parsers
(huge numbers, deep nesting, stray quotes, control characters, NUL bytes).
"""

from __future__ import annotations

import random
from functools import cache
from pathlib import Path

from ..asm import sniff
from ..asm.names import mnemonics, registers

SAMPLES = Path(__file__).resolve().parents[2] / "asm_samples"

DIRECTIVES = {
    "nasm": ["section .text", "section .data", "section .bss", "segment", "global",
             "extern", "bits 32", "bits 64", "[bits 32]", "db", "dw", "dd", "dq", "dt",
             "resb", "resw", "resd", "resq", "times", "equ", "align", "%define", "%include",
             "$", "$$", "byte", "word", "dword", "qword", "strict", "rel", "default rel",
             "struc s", "endstruc", "istruc s", "at s.a,", "iend", "absolute", "dt", "rest",
             ".a resd 1", "__float32__(1.5)", "__Infinity__", "-__QNaN__",
             "%macro m 1", "%endmacro", "%rep 3", "%endrep", "%if 1", "%else", "%endif",
             "%assign i 1", "%define F(x) x", "%%l:", "%1", "%0", "%rotate 1", "%exitrep",
             "%error", "%ifdef X", "%undef X", "%xdefine Y X", "%include", "\\"],
    "gas": [".text", ".data", ".bss", ".section .rodata", ".globl", ".global", ".long",
            ".byte", ".word", ".quad", ".string", ".asciz", ".ascii", ".zero", ".skip",
            ".space", ".align", ".balign", ".p2align", ".comm", ".lcomm", ".type", ".size",
            ".code32", ".code64", ".set", ".equ", ".cfi_startproc", "1:", "1b", "1f", "@function",
            ".float", ".double", ".single", ".tfloat", ".macro m a=1", ".endm", ".rept 3",
            ".endr", ".irp x, 1, 2", ".irpc c, 123", ".if 1", ".else", ".endif", ".ifdef x",
            ".include", "\\a", "\\@", ".exitm"],
    "guide": [".DATA", ".CODE", ".MODEL FLAT", ".386", "DB", "DW", "DD", "DQ", "DUP", "?",
              "PTR", "BYTE PTR", "DWORD PTR", "OFFSET", "PROC", "ENDP", "END", "INCLUDE",
              "main", "TYPE", "LENGTHOF", "SIZEOF", "REAL4", "REAL8", "REAL10", "TBYTE"],
}
NUMBERS = ["0", "1", "-1", "7", "0x7fffffff", "0xffffffff", "0x100000000", "4294967296",
           "0ffffffffh", "0b101", "101b", "0o17", "17q", "09", "0x", "1e3", "$08", "'ab'",
           "`\\n`", "1 << 80000", "3 << 99999999999999999999", "1/0", "5 % 0",
           "0x" + "f" * 40, "9" * 5000, "-0x80000000", "(1)", "((((1))))", "~0", "!1",
           "1.5", "-2.5e-3", "1e39", "0x1.8p3", "1.", "3.4028235e38", "1e-400", "9" * 400 + ".5"]
PUNCTUATION = list("[](),:+-*/%$#.;'\"`{}<>=&|^~!@\\") + ["<<", ">>", "::", "..", "\t",
                                                       "\0", "\x7f", "é", "\u202e"]


@cache
def vocabulary(dialect: str) -> tuple[tuple[str, ...], ...]:
    """(mnemonics, registers, directives) as this dialect spells them."""
    names = sorted(mnemonics())
    regs = sorted(registers())
    if dialect == "gas":
        regs = ["%" + r for r in regs] + ["$" + n for n in NUMBERS[:8]]
    return tuple(names), tuple(regs), tuple(DIRECTIVES[dialect])


@cache
def samples(dialect: str) -> tuple[str, ...]:
    """The sample programs written in `dialect` (the mutation corpus)."""
    if not SAMPLES.is_dir():
        return ("section .text\nglobal _start\n_start:\n mov eax, 1\n int 0x80\n",)
    found = []
    for path in sorted(SAMPLES.glob("*")):
        if path.suffix in (".asm", ".s", ".S"):
            text = path.read_text(encoding="utf-8", errors="replace")
            if sniff(text, path.name) == dialect:
                found.append(text)
    return tuple(found) or ("nop\n",)


def token(rng: random.Random, dialect: str) -> str:
    names, regs, directives = vocabulary(dialect)
    pool = rng.random()
    if pool < 0.25:
        return rng.choice(names)
    if pool < 0.45:
        return rng.choice(regs)
    if pool < 0.6:
        return rng.choice(directives)
    if pool < 0.75:
        return rng.choice(NUMBERS)
    if pool < 0.95:
        return rng.choice(PUNCTUATION)
    return "".join(rng.choice("abcxyz_.$@?0123456789") for _ in range(rng.randint(1, 12)))


def random_text(rng: random.Random, dialect: str) -> str:
    alphabet = "".join(map(chr, range(32, 127))) + "\n\n\n\t\0\x1b\u00e9\u4e2d\ufeff"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 400)))


def token_soup(rng: random.Random, dialect: str) -> str:
    lines = []
    for _ in range(rng.randint(1, 12)):
        words = [token(rng, dialect) for _ in range(rng.randint(1, 8))]
        sep = rng.choice([" ", " ", ", ", ""])
        lines.append(sep.join(words))
    return "\n".join(lines)


def mutation(rng: random.Random, dialect: str) -> str:
    lines = rng.choice(samples(dialect)).split("\n")
    for _ in range(rng.randint(1, 6)):
        if not lines:
            lines = [""]
        i = rng.randrange(len(lines))
        kind = rng.random()
        if kind < 0.2:
            del lines[i]
        elif kind < 0.3:
            lines.insert(i, lines[rng.randrange(len(lines))])
        elif kind < 0.4:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif kind < 0.75:                                # a character inserted or changed
            line = lines[i]
            at = rng.randint(0, len(line))
            ch = rng.choice(PUNCTUATION + list("0123456789abcdefxyz_ "))
            lines[i] = line[:at] + ch + line[at + (rng.random() < 0.5):]
        else:                                            # a word replaced by a token
            words = lines[i].split(" ")
            words[rng.randrange(len(words))] = token(rng, dialect)
            lines[i] = " ".join(words)
    return "\n".join(lines)


def expression(rng: random.Random, depth: int = 0) -> str:
    """A constant expression, often extreme: big, negative, shifted, divided by zero."""
    if depth > 3 or rng.random() < 0.4:
        return rng.choice(NUMBERS[:24] + ["$", "$$", "label", "x", "len"]) \
            if rng.random() < 0.9 else str(rng.getrandbits(rng.choice((8, 32, 64, 100))))
    op = rng.choice(["+", "-", "*", "/", "%", "<<", ">>", "&", "|", "^"])
    return f"({expression(rng, depth + 1)} {op} {expression(rng, depth + 1)})"


def operand(rng: random.Random, dialect: str) -> str:
    regs = vocabulary(dialect)[1]
    kind = rng.random()
    if kind < 0.35:
        return rng.choice(regs)
    if kind < 0.6:
        return ("$" if dialect == "gas" else "") + expression(rng)
    if dialect == "gas":
        parts = [rng.choice(regs) if rng.random() < 0.7 else "" for _ in range(2)]
        return f"{expression(rng)}({parts[0]},{parts[1]},{rng.choice('12480')})"
    size = rng.choice(["", "byte ", "dword ", "qword ", "word "])
    if dialect == "guide" and size:
        size = size.upper() + "PTR "
    inner = " + ".join(rng.choice([rng.choice(regs), f"{rng.choice(regs)}*{expression(rng)}",
                                   expression(rng)]) for _ in range(rng.randint(1, 3)))
    return f"{size}[{inner}]"


STATEMENTS = {
    "nasm": ["{m} {o}, {o}", "{m} {o}", "db {e}, {e}", "dd {e}", "dw {s}", "resb {e}",
             "dd {f}", "dt {f}", "dq {f}, {f}", "struc t\n.a resd {e}\nendstruc",
             "istruc t\nat t.a, dd {e}\niend", "absolute {e}",
             "%macro m 1-3\n{m} %1\n%endmacro\nm {o}", "%rep {e}\ndb {e}\n%endrep",
             "%define D(a) (a)*2\ndd D({e})", "%assign i {e}\n%if i > 3\nnop\n%endif",
             "%macro r 1-*\n%rep %0\ndb %1\n%rotate 1\n%endrep\n%endmacro\nr {e}, {e}",
             "resw {e}", "times {e} db {e}", "times {e} nop", "align {e}", "x equ {e}",
             "%define X {e}", "label: {m} {o}", "section .bss", "section .data", "dq {e}"],
    "gas": ["{m} {o}, {o}", "{m} {o}", ".long {e}", ".byte {e}, {e}", ".skip {e}, {e}",
            ".zero {e}", ".p2align {e}", ".balign {e}", ".set x, {e}", "x = {e}",
            ".string {s}", "label: {m} {o}", ".section .bss", ".comm buf, {e}",
            ".float {f}", ".double {f}, {e}", ".macro m a, b=2\n{m} \\a\n.endm\nm {o}",
            ".rept {e}\n.byte {e}\n.endr", ".irp v, {e}, {e}\n.long \\v\n.endr",
            ".set s, {e}\n.if s > 2\nnop\n.else\n.byte s\n.endif"],
    "guide": ["{m} {o}, {o}", "{m} {o}", "x DB {e}", "y DD {e} DUP({e})", "z DW {e} DUP(?)",
              "w BYTE {s}", ".DATA", ".CODE", "f PROC", "f ENDP", "mov eax, OFFSET x",
              "arr DD {e}, {e}, {e}", "r REAL4 {f}", "q REAL10 {f}, {e}"],
}


def statements(rng: random.Random, dialect: str) -> str:
    """Lines shaped like real statements, with extreme expressions and operands."""
    names = vocabulary(dialect)[0]
    lines = ["section .text" if dialect == "nasm" else ".text" if dialect == "gas"
             else ".CODE"]
    for _ in range(rng.randint(1, 10)):
        template = rng.choice(STATEMENTS[dialect])
        line = template.replace("{s}", rng.choice(["'abc'", '"x\\n"', "`\\0`", "'a"]))
        while "{" in line:
            slot = line[line.index("{"):line.index("}") + 1]
            fill = {"{m}": lambda: rng.choice(names), "{o}": lambda: operand(rng, dialect),
                    "{e}": lambda: expression(rng),
                    "{f}": lambda: rng.choice(NUMBERS[-8:] + ["-1.5", "__SNaN__"])}[slot]()
            line = line.replace(slot, fill, 1)
        lines.append(line)
    return "\n".join(lines)


KINDS = (random_text, token_soup, mutation, statements, statements)


def asm_input(seed: int, dialect: str) -> str:
    """The input for `seed`: random text, token soup, mutations, statements (twice)."""
    rng = random.Random(f"{dialect}:{seed}")
    return KINDS[seed % len(KINDS)](rng, dialect)
