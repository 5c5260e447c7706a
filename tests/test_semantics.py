"""Instruction semantics as the Intel SDM states them: one row per case, run on every
engine. Each row: the instructions, registers to set first, the registers and defined
flags expected after. Flags listed as a string: capitals must be set, the rest of
"oszapc" named in lower case must be clear; unnamed flags are not checked."""

from __future__ import annotations

import pytest

from cpuemu import Machine, assemble

DATA = 0x08049000            # where `section .data` starts in these programs

ROWS = [
    # arithmetic
    ("add al, bl", {"eax": 0x80, "ebx": 0x80}, {"al": 0}, "COZsP"),
    ("add eax, 1", {"eax": 0x7FFFFFFF}, {"eax": 0x80000000}, "OSAczP"),
    ("adc eax, ebx", {"eax": 0xFFFFFFFF, "ebx": 0, "cf": 1}, {"eax": 0}, "CZAos"),
    ("sub eax, ebx", {"eax": 1, "ebx": 2}, {"eax": 0xFFFFFFFF}, "CSAozP"),
    ("sbb ax, 1", {"eax": 0x8000, "cf": 1}, {"ax": 0x7FFE}, "Ocsz"),
    ("cmp ecx, ecx", {"ecx": 5}, {"ecx": 5}, "ZPcos"),
    ("neg eax", {"eax": 0}, {"eax": 0}, "cZ"),
    ("neg eax", {"eax": 0x80000000}, {"eax": 0x80000000}, "COS"),
    ("inc eax", {"eax": 0x7FFFFFFF, "cf": 1}, {"eax": 0x80000000}, "OSC"),
    ("dec bl", {"ebx": 0, "cf": 0}, {"bl": 0xFF}, "Sco"),
    ("not eax", {"eax": 0x0F0F0F0F, "cf": 1}, {"eax": 0xF0F0F0F0}, "C"),
    ("xadd eax, ebx", {"eax": 2, "ebx": 3}, {"eax": 5, "ebx": 2}, "czs"),
    ("cmpxchg ecx, ebx", {"eax": 7, "ecx": 7, "ebx": 9}, {"ecx": 9, "eax": 7}, "Z"),
    ("cmpxchg ecx, ebx", {"eax": 7, "ecx": 8, "ebx": 9}, {"ecx": 8, "eax": 8}, "zC"),
    # logic
    ("and eax, ebx", {"eax": 0xF0, "ebx": 0x3C, "cf": 1}, {"eax": 0x30}, "coP"),
    ("xor eax, eax", {"eax": 0x1234}, {"eax": 0}, "ZPcos"),
    ("test al, 0x80", {"eax": 0x80}, {"eax": 0x80}, "Szco"),
    ("or dx, 0x8000", {"edx": 1}, {"edx": 0x8001}, "S"),
    # multiply and divide
    ("mul ebx", {"eax": 0x80000000, "ebx": 4}, {"eax": 0, "edx": 2}, "CO"),
    ("mul bl", {"eax": 16, "ebx": 15}, {"ax": 240}, "co"),
    ("imul ebx", {"eax": 0xFFFFFFFF, "ebx": 5}, {"eax": 0xFFFFFFFB, "edx": 0xFFFFFFFF}, "co"),
    ("imul eax, ebx, 0x10", {"ebx": 0x10000000}, {"eax": 0}, "CO"),
    ("imul cx, bx", {"ecx": 0xFFFF, "ebx": 0xFFFF}, {"cx": 1}, "co"),
    ("div ebx", {"eax": 7, "edx": 1, "ebx": 2}, {"eax": 0x80000003, "edx": 1}, ""),
    ("idiv ebx", {"eax": 0xFFFFFFF9, "edx": 0xFFFFFFFF, "ebx": 2},
     {"eax": 0xFFFFFFFD, "edx": 0xFFFFFFFF}, ""),
    ("idiv bl", {"eax": 0xFF9C, "ebx": 7}, {"al": 0xF2, "ah": 0xFE}, ""),
    ("cdq", {"eax": 0x80000000}, {"edx": 0xFFFFFFFF}, ""),
    ("cwde", {"eax": 0x1234FF80}, {"eax": 0xFFFFFF80}, ""),
    ("cbw", {"eax": 0x7F}, {"eax": 0x7F}, ""),
    ("cwd", {"eax": 0x8000, "edx": 0x12340000}, {"edx": 0x1234FFFF}, ""),
    # shifts and rotates
    ("shl eax, 1", {"eax": 0x80000001}, {"eax": 2}, "COz"),
    ("shr eax, 1", {"eax": 0x80000001}, {"eax": 0x40000000}, "CO"),
    ("sar eax, 4", {"eax": 0x80000010}, {"eax": 0xF8000001}, "cS"),
    ("sar eax, 1", {"eax": 0xFFFFFFFF}, {"eax": 0xFFFFFFFF}, "Co"),
    ("shl eax, cl", {"eax": 1, "ecx": 33, "cf": 1}, {"eax": 2}, "c"),      # count masked to 1
    ("shl eax, cl", {"eax": 1, "ecx": 32, "cf": 1, "zf": 1}, {"eax": 1}, "CZ"),  # count 0
    ("rol al, 1", {"eax": 0x81}, {"al": 0x03}, "CO"),
    ("ror eax, 4", {"eax": 0x12345678}, {"eax": 0x81234567}, "C"),
    ("rcl al, 1", {"eax": 0x80, "cf": 0}, {"al": 0}, "CO"),
    ("rcr al, 1", {"eax": 0x01, "cf": 1}, {"al": 0x80}, "CO"),
    ("shld eax, ebx, 4", {"eax": 0x10000000, "ebx": 0xA0000000}, {"eax": 0xA}, "C"),
    ("shrd eax, ebx, 8", {"eax": 0x12345678, "ebx": 0xAB}, {"eax": 0xAB123456}, "cS"),
    # bits
    ("bt eax, 4", {"eax": 0x10}, {"eax": 0x10}, "C"),
    ("bts eax, ebx", {"eax": 0, "ebx": 35}, {"eax": 8}, "c"),
    ("btr eax, 31", {"eax": 0x80000001}, {"eax": 1}, "C"),
    ("btc ax, 17", {"eax": 0}, {"eax": 2}, "c"),
    ("bsf eax, ebx", {"ebx": 0x00F00000}, {"eax": 20}, "z"),
    ("bsr eax, ebx", {"ebx": 0x00F00000}, {"eax": 23}, "z"),
    ("bsf eax, ebx", {"eax": 0x1234, "ebx": 0}, {"eax": 0x1234}, "Z"),
    ("bswap ecx", {"ecx": 0x11223344}, {"ecx": 0x44332211}, ""),
    # moves and conditions
    ("movsx eax, bl", {"ebx": 0x80}, {"eax": 0xFFFFFF80}, ""),
    ("movzx eax, bx", {"eax": 0xFFFFFFFF, "ebx": 0xFFFF8000}, {"eax": 0x8000}, ""),
    ("lea eax, [ebx + ecx*4 - 8]", {"ebx": 0x1000, "ecx": 3}, {"eax": 0x1004}, ""),
    ("lea ax, [ebx + 0x10005]", {"eax": 0xFFFF0000, "ebx": 0}, {"eax": 0xFFFF0005}, ""),
    ("xchg eax, ebx", {"eax": 1, "ebx": 2}, {"eax": 2, "ebx": 1}, ""),
    ("cmp eax, ebx\n setl cl\n setb ch", {"eax": 0xFFFFFFFF, "ebx": 1}, {"cl": 1, "ch": 0}, ""),
    ("cmp eax, ebx\n cmovg ecx, edx\n cmova esi, edx",
     {"eax": 0xFFFFFFFF, "ebx": 1, "ecx": 0, "edx": 9, "esi": 0}, {"ecx": 0, "esi": 9}, ""),
    # flags
    ("stc\n cmc\n cmc", {}, {}, "C"),
    ("mov ah, 0xD5\n sahf\n lahf", {}, {"ah": 0xD7}, "SZAPC"),
    ("push 0xad5\n popfd\n pushfd\n pop eax", {}, {"eax": 0xAD7}, "OSZAPC"),
    ("std\n cld", {}, {}, ""),
    # stack and frames
    ("push 0x1234\n pop bx", {"ebx": 0xFFFF0000}, {"ebx": 0xFFFF1234}, ""),
    ("pushad\n mov eax, 0\n mov esi, 0\n popad", {"eax": 5, "esi": 6}, {"eax": 5, "esi": 6}, ""),
    ("mov ebp, esp\n enter 8, 0\n mov edx, ebp\n leave\n sub edx, ebp", {}, {"edx": -4 & 0xFFFFFFFF}, ""),
    ("push 7\n call f\n jmp done\nf: mov eax, [esp + 4]\n ret 4\ndone: nop", {}, {"eax": 7}, ""),
    # loops
    ("mov ecx, 5\n xor eax, eax\nl: add eax, ecx\n loop l", {}, {"eax": 15, "ecx": 0}, ""),
    ("xor ecx, ecx\n jecxz over\n mov eax, 1\nover: nop", {"eax": 9}, {"eax": 9}, ""),
    ("mov ecx, 5\n mov eax, 0\nl: inc eax\n cmp eax, 2\n loopne l", {}, {"eax": 2, "ecx": 3}, ""),
]

SETUP_FLAGS = {"cf": 0, "pf": 2, "af": 4, "zf": 6, "sf": 7, "of": 11}
FLAG_ORDER = "oszapc"


def run_to_end(machine: Machine) -> Machine:
    """Step to the label `end` (stepping, not a budget: Unicorn counts each iteration of a
    rep instruction as a step of its own)."""
    end = machine.symbol("end")
    for _ in range(500):
        if machine.regs.eip == end:
            return machine
        stop = machine.step()
        assert stop.reason == "step", stop
    raise AssertionError("did not reach `end`")


def run_row(engine: str, code: str, before: dict[str, int], bits: int = 32) -> Machine:
    source = (f"bits {bits}\nsection .data\nbuf: times 64 db 0\nq: dq 0x1122334455667788\n"
              f"section .text\n_start:\n {code}\nend: nop\n")
    machine = Machine(assemble(source, dialect="nasm"), engine=engine)
    for name, value in before.items():
        if name in SETUP_FLAGS:
            setattr(machine.flags, name, value)
        else:
            machine.regs[name] = value
    return run_to_end(machine)


@pytest.mark.parametrize("code, before, after, flags", ROWS,
                         ids=[row[0].replace("\n", ";") for row in ROWS])
def test_instruction(engine, code, before, after, flags):
    check_row(run_row(engine, code, before), after, flags)


def check_row(machine: Machine, after: dict[str, int], flags: str) -> None:
    for name, value in after.items():
        assert machine.regs[name] == value, f"{name} = {machine.regs[name]:#x}, not {value:#x}"
    for letter in flags:
        name = next(f for f in SETUP_FLAGS if f[0] == letter.lower())
        assert getattr(machine.flags, name) == (1 if letter.isupper() else 0), name


def test_string_copy_both_directions(engine):
    forward = ("mov esi, src\n mov edi, buf\n mov ecx, 4\n cld\n rep movsb\n"
               "mov esi, src + 3\n mov edi, buf + 13\n mov ecx, 4\n std\n rep movsb\n cld")
    source = (f"section .data\nsrc: db 1, 2, 3, 4\nbuf: times 16 db 0\nsection .text\n"
              f"_start:\n {forward}\nend: nop\n")
    machine = run_to_end(Machine(assemble(source, dialect="nasm"), engine=engine))
    buf = machine.symbol("buf")
    assert machine.read(buf, 16) == bytes([1, 2, 3, 4] + [0] * 6 + [1, 2, 3, 4, 0, 0])
    assert machine.regs.ecx == 0 and machine.regs.esi == machine.symbol("src") - 1
    assert machine.regs.edi == buf + 9


def test_repe_cmpsb_stops_at_the_first_difference(engine):
    source = ("section .data\na: db 'abcdx'\nb: db 'abcdy'\nsection .text\n_start:\n"
              " mov esi, a\n mov edi, b\n mov ecx, 5\n cld\n repe cmpsb\nend: nop\n")
    machine = run_to_end(Machine(assemble(source, dialect="nasm"), engine=engine))
    assert machine.regs.ecx == 0 and machine.regs.esi == machine.symbol("a") + 5
    assert machine.flags.zf == 0 and machine.flags.cf == 1       # 'x' < 'y'


def test_scas_finds_a_byte(engine):
    source = ("section .data\ns: db 'hello', 0\nsection .text\n_start:\n"
              " mov edi, s\n mov ecx, -1\n xor al, al\n cld\n repne scasb\n not ecx\n dec ecx\n"
              "end: nop\n")
    machine = run_to_end(Machine(assemble(source, dialect="nasm"), engine=engine))
    assert machine.regs.ecx == 5                                  # strlen("hello")


def test_popf_cannot_clear_if_in_user_mode():
    """User code (CPL 3, IOPL 0) cannot change IF. Interpreter only: Unicorn runs at
    CPL 0, where popfd does clear it."""
    machine = run_row("interp", "push 0\n popfd\n pushfd\n pop eax", {})
    assert machine.regs.eax == 0x202 and machine.flags.__getattr__("if") == 1


@pytest.mark.parametrize("engine", ["interp", "unicorn"])
@pytest.mark.parametrize("src,ax,cf,af", [
    (" mov al, 0x38\n add al, 0x45\n daa\n", 0x83, 0, 1),        # 38 + 45 = 83 in BCD
    (" mov al, 0x99\n add al, 0x01\n daa\n", 0x00, 1, 1),        # 99 + 1 = 100: carry
    (" mov al, 0x42\n sub al, 0x13\n das\n", 0x29, 0, 1),        # 42 - 13 = 29
    (" mov ax, 0x0009\n add al, 0x05\n aaa\n", 0x0104, 1, 1),    # 9 + 5 = 14 unpacked
    (" mov ax, 0x0103\n sub al, 0x05\n aas\n", 0x0008, 1, 1),    # 13 - 5 = 8 unpacked
    (" mov ax, 0x0038\n aam\n", 0x0506, None, None),             # 56 -> 5, 6
    (" mov ax, 0x0506\n aad\n", 0x0038, None, None),             # 5, 6 -> 56
    (" mov ax, 0x0038\n aam 16\n", 0x0308, None, None),          # another base
])
def test_bcd_and_ascii_adjust(engine, src, ax, cf, af):
    m = Machine(assemble("section .text\n_start:\n" + src + " int3\n", dialect="nasm"),
                engine=engine)
    assert m.run(20).fault.kind == "breakpoint"
    assert m.regs.ax == ax
    if cf is not None:
        assert (m.flags.cf, m.flags.af) == (cf, af)


@pytest.mark.parametrize("engine", ["interp", "unicorn"])
def test_aam_by_zero_is_a_divide_error(engine):
    m = Machine(assemble("section .text\n_start: mov ax, 5\n aam 0\n", dialect="nasm"),
                engine=engine)
    stop = m.run(10)
    assert stop.fault.kind == "divide-error" and m.regs.ax == 5
