"""The cdecl convention made visible: calling guest functions from Python, the frame
walker (checked at every instruction against a shadow stack kept by the test), the
convention checker, and the stack views."""

from __future__ import annotations

import capstone
import pytest

from cpuemu import CpuemuError, GuestFault, Machine, assemble, assemble_file
from cpuemu.cli import main
from cpuemu.process import EXIT_STUB
from cpuemu.views.stack import backtrace, stack_svg, stack_text

from .conftest import SAMPLES


def sample(name: str, engine: str = "interp", **kw) -> Machine:
    return Machine(assemble_file(SAMPLES / name), engine=engine, **kw)


# -- calling guest functions ---------------------------------------------------------

def test_call_the_guides_myfunc(engine):
    m = sample("guide_cdecl.asm", engine)
    esp = m.regs.esp
    assert m.call("_myFunc", 100, 216, 5) == 321
    assert m.regs.esp == esp                     # arguments removed, as a cdecl caller does
    my_func = m.function("_myFunc")
    assert my_func(1, 2, 3) == 6 and my_func.__name__ == "_myFunc"
    assert m.call(m.symbol("_myFunc"), -1, 0, 0) == 0xFFFFFFFF


def test_call_passes_strings_and_bytes_as_pointers(engine):
    src = ("section .text\n_start: nop\nstrlen: mov edx, [esp + 4]\n xor eax, eax\n"
           ".next: cmp byte [edx + eax], 0\n je .done\n inc eax\n jmp .next\n.done: ret\n"
           "wide: mov eax, [esp + 4]\n mul dword [esp + 8]\n ret\n")
    m = Machine(assemble(src, dialect="nasm"), engine=engine)
    assert m.call("strlen", "hello, world") == 12
    assert m.call("strlen", b"abc\0def") == 3
    assert m.call("wide", 0x10000, 0x10000, wide=True) == 1 << 32
    assert m.regs.edx == 1                        # registers stay as the function left them


def test_call_reports_faults_and_bad_arguments(engine):
    src = "section .text\n_start: nop\nboom: mov eax, [0]\n ret\nquit: mov eax, 1\n int 0x80\n"
    m = Machine(assemble(src, dialect="nasm"), engine=engine)
    with pytest.raises(GuestFault) as info:
        m.call("boom")
    assert info.value.kind == "page-fault" and info.value.address == 0
    with pytest.raises(CpuemuError, match="cannot pass float"):
        m.call("boom", 1.5)
    with pytest.raises(CpuemuError, match="ended the program"):
        Machine(assemble(src, dialect="nasm"), engine=engine).call("quit")
    with pytest.raises(CpuemuError, match="no symbol named"):
        m.call("nope")


# -- frames, checked against an independent shadow stack ---------------------------------

def shadow_walk(m: Machine, limit: int = 20_000):
    """Step `m`; before every instruction yield the call stack as the test sees it:
    (function, return address, first stack argument) triples, innermost first, tracked
    only by watching call and ret execute (capstone decodes them, not the walker).
    System V passes arguments in registers: 64-bit frames have no first stack argument."""
    cs = capstone.Cs(capstone.CS_ARCH_X86, capstone.CS_MODE_64 if m.bits == 64
                     else capstone.CS_MODE_32)
    names = {s.address: s.name for s in m.program.symbols.values()}

    def first_argument():
        return m.read_u32(m.regs.esp + 4) if m.bits == 32 else None
    if m.program.entry_kind == "main":             # main is called by the loader's stub
        stack = [("main", EXIT_STUB, first_argument())]
    else:
        stack = [("_start", None, None)]
    for _ in range(limit):
        yield list(reversed(stack))
        pc = m.pc
        insn = next(cs.disasm(m.read(pc, 15), pc, 1))
        if m.step().reason != "step":
            return
        if insn.mnemonic == "call":
            stack.append((names[m.pc], insn.address + insn.size, first_argument()))
        elif insn.mnemonic == "ret":
            stack.pop()
    raise AssertionError("the program did not end")


@pytest.mark.parametrize("name, steps", [("cdecl_factorial.asm", 130), ("cdecl_fib.asm", 2000),
                                         ("guide_cdecl.asm", 20), ("recursion64.asm", 20_000)])
def test_frames_at_every_instruction(name, steps, engine):
    m = sample(name, engine)
    checked = 0
    for expected in shadow_walk(m, 50_000):
        if not m.program.line_at(m.pc):
            continue                           # the exit stub after main returns
        frames = m.frames()
        got = [(f.function, f.return_address) for f in frames]
        want = [(fn, ret) for fn, ret, _ in expected]
        assert got == want, f"at {m.pc:#x} ({m.source_line(m.pc)})"
        for frame, (_, _, first_arg) in zip(frames, expected, strict=True):
            if first_arg is not None:
                assert frame.args and frame.args[0][1] == first_arg
        checked += 1
    assert checked >= steps


def test_frame_details_in_the_body_of_myfunc(engine):
    m = sample("guide_cdecl.asm", engine)
    m.add_breakpoint(0x08048017)                 # add eax, [ebp-4]: prologue done
    assert m.run().reason == "breakpoint"
    inner, outer = m.frames()
    ebp = m.regs.ebp
    assert (inner.function, inner.state, inner.base) == ("_myFunc", "body", ebp)
    assert [v for _, v in inner.args] == [100, 216, 5]
    assert inner.caller == "main+0x16" and inner.caller_line.line == 41
    assert inner.saved == {"ebp": ebp, "edi": ebp - 8, "esi": ebp - 12}
    assert inner.locals == [(ebp - 4, 221)]      # 216 + 5
    assert (outer.function, outer.caller) == ("main", "(exit)")


# -- the convention checker --------------------------------------------------------------

def test_checker_catches_a_clobbered_ebx(engine):
    m = sample("cdecl_clobber.asm", engine, check_cdecl=True)
    assert m.run().status == 6
    [violation] = m.cdecl_violations
    assert violation.kind == "register" and violation.function == "sum3"
    assert str(violation).startswith("cdecl: sum3 returns with EBX changed (was 0x7, now 0x6)")
    assert str(violation).endswith("cdecl_clobber.asm:40: ret")


SEEDED = {
    "esp": ("leaky: push ebp\n mov ebp, esp\n push eax\n mov eax, 1\n ret\n",
            "leaky returns with ESP not restored"),
    "caller-frame": ("scribble: push ebp\n mov ebp, esp\n mov dword [ebp + 12], 0\n"
                     " pop ebp\n ret\n", "scribble writes 4 bytes at"),
    "register": ("smash: mov esi, 0\n mov edi, 1\n ret\n",
                 "smash returns with ESI, EDI changed"),          # both, at once
}


@pytest.mark.parametrize("kind", SEEDED)
def test_checker_reports_each_seeded_violation(kind, engine):
    body, message = SEEDED[kind]
    name = body.split(":")[0]
    src = (f"section .text\n_start: mov esi, 5\n push 9\n call {name}\n add esp, 4\n"
           f" mov eax, 1\n int 0x80\n{body}")
    m = Machine(assemble(src, dialect="nasm"), engine=engine, check_cdecl=True)
    m.run(1000)
    found = [v for v in m.cdecl_violations if v.kind == kind]
    assert found and message in found[0].message and "<input>:" in found[0].message


@pytest.mark.parametrize("name", ["guide_cdecl.asm", "cdecl_factorial.asm", "cdecl_fib.asm"])
def test_checker_is_quiet_on_correct_programs(name, engine):
    m = sample(name, engine, check_cdecl=True)
    assert m.run().reason == "exited"
    assert m.cdecl_violations == []


# -- views and the command line ------------------------------------------------------

def test_stack_text_and_svg_label_every_part_of_a_frame():
    m = sample("guide_cdecl.asm")
    m.add_breakpoint(0x08048017)
    m.run()
    text = stack_text(m)
    for part in ("arg 1 of _myFunc [ebp+8]", "return -> main+0x16 (line 41)",
                 "saved ebp", "local [ebp-4]", "saved esi <- esp", "<- ebp",
                 "-- frame #0: _myFunc (body)", "-- frame #1: main"):
        assert part in text, part
    svg = stack_svg(m)
    assert svg.startswith("<svg") and "_myFunc #0" in svg and "main #1" in svg
    assert 'class="mark-esp"' in svg and 'class="mark-ebp"' in svg
    assert backtrace(m)[0].startswith("#0 _myFunc(0x64, 0xd8, 0x5) at ")


def test_cli_frames_and_check_cdecl(capsys, tmp_path):
    assert main(["run", "--check-cdecl", str(SAMPLES / "cdecl_clobber.asm")]) == 6
    err = capsys.readouterr().err
    assert "cdecl: sum3 returns with EBX changed (was 0x7, now 0x6)" in err
    crash = tmp_path / "crash.asm"
    crash.write_text("section .text\n_start: push 3\n call f\n add esp, 4\nf: push ebp\n"
                     " mov ebp, esp\n mov eax, [0]\n")
    assert main(["run", "--frames", str(crash)]) == 139
    err = capsys.readouterr().err
    assert "#0 f(0x3) at " in err and "crash.asm:7: mov eax, [0]" in err
    assert "#1 _start() at " in err
    assert "-- frame #0: f (body)" in err and "return -> _start+0x7 (line 3)" in err


# -- System V AMD64 --------------------------------------------------------------------

SYSV = """bits 64
section .text
_start: nop
sum8:                       ; long sum8(a..h): six arguments in registers, two on the stack
    mov rax, rdi
    add rax, rsi
    add rax, rdx
    add rax, rcx
    add rax, r8
    add rax, r9
    add rax, [rsp + 8]
    add rax, [rsp + 16]
    ret
alignment:                  ; RSP mod 16 at entry (8: aligned at the call)
    mov rax, rsp
    and eax, 15
    ret
wide:                       ; RDX:RAX = a * b
    mov rax, rdi
    mul rsi
    ret
"""


def test_call_the_system_v_way(engine):
    m = Machine(assemble(SYSV), engine=engine)
    rsp = m.regs.rsp
    assert m.call("sum8", 1, 2, 3, 4, 5, 6, 70, 800) == 891
    assert m.regs.rsp == rsp                       # the caller's cleanup, red zone kept
    assert m.call("alignment") == 8
    assert m.call("sum8", -1, 0, 0, 0, 0, 0, 0, 0) == (1 << 64) - 1
    assert m.call("wide", 1 << 63, 4, wide=True) == 1 << 65
    pointer = m.call("sum8", b"ab\0", 0, 0, 0, 0, 0, 0, 0)       # bytes go by pointer
    assert m.read(pointer, 3) == b"ab\0"
    with pytest.raises(CpuemuError, match="does not fit in 64 bits"):
        m.call("sum8", 1 << 64)


def test_frames_in_64_bit_code_after_a_fault(capsys, tmp_path):
    src = tmp_path / "deep.asm"
    src.write_text("bits 64\nsection .text\nfact:\n push rbp\n mov rbp, rsp\n sub rsp, 16\n"
                   " mov [rbp - 8], rdi\n cmp rdi, 1\n jbe .one\n dec rdi\n call fact\n"
                   " imul rax, [rbp - 8]\n leave\n ret\n.one:\n mov eax, [0]\n"
                   "_start:\n mov edi, 3\n call fact\n mov eax, 60\n syscall\n")
    assert main(["run", "--frames", str(src)]) == 139
    err = capsys.readouterr().err
    assert err.count("return -> fact+0x1a (line 11)") == 2
    assert "return -> _start+0xa (line 19)" in err and "saved rbp" in err
    assert "local [rbp-8]" in err and "<- rsp" in err
    assert "#3 _start() at " in err and "#1 fact() at " in err
    assert "argument registers: rdi=0x1 rsi=0x0" in err                # where fact(1) is
    assert err.count("red zone") == 16 and "red zone (128 bytes" in err


SEEDED64 = {
    **{f"register-{reg}": (f"smash: mov {reg}, 0\n ret\n", f"smash returns with {reg.upper()} "
                                                           "changed")
       for reg in ("rbx", "rbp", "r12", "r13", "r14", "r15")},
    "esp": ("leaky: push rax\n ret\n", "leaky returns with RSP not restored"),
    "alignment": ("misaligned: call leaf\n ret\nglobal leaf\nleaf: ret\n",
                  "misaligned calls with RSP not 16-byte aligned"),
    "caller-frame": ("scribble: push rbp\n mov rbp, rsp\n mov qword [rbp + 32], 0\n"
                     " pop rbp\n ret\n", "scribble writes 8 bytes at"),
}


@pytest.mark.parametrize("kind", SEEDED64)
def test_system_v_checker_reports_each_seeded_violation(kind, engine):
    body, message = SEEDED64[kind]
    name = body.split(":")[0]
    src = (f"bits 64\nsection .text\n_start: mov rbx, 5\n mov rbp, 6\n mov r12, 7\n"
           f" mov r13, 8\n mov r14, 9\n mov r15, 10\n push 9\n push 9\n call {name}\n"
           f" add rsp, 16\n mov eax, 60\n syscall\n{body}")
    m = Machine(assemble(src), engine=engine, check_cdecl=True)
    m.run(1000)
    found = [v for v in m.cdecl_violations if kind.startswith(v.kind)]
    assert found and message in found[0].message and "<input>:" in found[0].message
    assert str(found[0]).startswith("System V: ")


def test_system_v_checker_allows_the_red_zone(engine):
    src = ("bits 64\nsection .text\n_start: call leaf\n mov rdi, rax\n mov eax, 60\n syscall\n"
           "leaf: mov qword [rsp - 8], 1\n mov qword [rsp - 128], 2\n mov rax, [rsp - 8]\n ret\n")
    m = Machine(assemble(src), engine=engine, check_cdecl=True)
    assert m.run().status == 1 and m.cdecl_violations == []


@pytest.mark.parametrize("name", ["recursion64.asm", "array64.asm", "ripwalk64.asm",
                                  "gcc64_stats.s"])
def test_system_v_checker_is_quiet_on_correct_programs(name, engine):
    m = sample(name, engine, check_cdecl=True)
    assert m.run().reason == "exited"
    assert m.cdecl_violations == []


def test_system_v_checker_is_quiet_on_gcc_o2(tmp_path, engine):
    import shutil
    import subprocess
    if shutil.which("gcc") is None:
        pytest.skip("needs gcc")
    asm = tmp_path / "stats.s"
    subprocess.run(["gcc", "-S", "-O2", "-o", str(asm), str(SAMPLES / "gcc64_stats.c")],
                   check=True)
    m = Machine(assemble_file(asm), engine=engine, check_cdecl=True)
    assert m.run().status == 32
    assert m.cdecl_violations == []


def test_the_checker_names_every_clobbered_register_of_a_return_at_once():
    program = assemble("section .text\nglobal _start\n_start:\n call smash\n mov eax, 1\n"
                       " int 0x80\nsmash:\n mov ebx, 1\n mov esi, 2\n mov edi, 3\n ret\n",
                       dialect="nasm")
    machine = Machine(program, check_cdecl=True)
    machine.run()
    [violation] = machine.cdecl_violations
    assert "smash returns with EBX, ESI, EDI changed (EBX was 0x0, now 0x1; ESI was 0x0, " \
        "now 0x2; EDI was 0x0, now 0x3)" in str(violation)
