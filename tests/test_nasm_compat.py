"""Samples written for nasm assemble to the same program with the real nasm, and the
preprocessors of nasm and GNU as give the real tools' bytes.

Data bytes must be identical; instructions must decode to the same text (two valid
encodings of one instruction are both fine).
"""

from __future__ import annotations

import shutil
import subprocess

import iced_x86
import pytest
from elftools.elf.elffile import ELFFile

from cpuemu import assemble_file
from cpuemu.asm import sniff
from cpuemu.asm.encode import format_intel

from .conftest import SAMPLES

NASM_SAMPLES = sorted(p for p in SAMPLES.glob("*.asm") if sniff(p.read_text(), p.name) == "nasm")
pytestmark = pytest.mark.skipif(not shutil.which("nasm") or not shutil.which("ld"),
                                reason="needs nasm and ld (.ci/run installs them)")


def real_nasm(source, tmp_path, program) -> dict[str, bytes]:
    obj, exe = tmp_path / "prog.o", tmp_path / "prog"
    # nasm looks for %include files in -I directories; cpuemu, beside the including file
    elf, emulation = ("elf64", "elf_x86_64") if program.bits == 64 else ("elf32", "elf_i386")
    subprocess.run(["nasm", "-f", elf, "-I", f"{source.parent}/", "-o", obj, source],
                   check=True)
    placement = [f"-T{s.name[1:]}={s.address:#x}" for s in program.sections]
    subprocess.run(["ld", "-m", emulation, "-e", "_start", *placement, "-o", exe, obj],
                   check=True)
    with open(exe, "rb") as f:
        elf = ELFFile(f)
        sections = {s.name: (s["sh_addr"], s.data() if s["sh_type"] != "SHT_NOBITS" else b"")
                    for s in elf.iter_sections() if s.name in (".text", ".data", ".bss")}
        sections["entry"] = elf.header["e_entry"]
        return sections


def instructions(code: bytes, address: int, bits: int = 32) -> list[str]:
    return [format_intel(i) for i in iced_x86.Decoder(bits, code, ip=address)]


def test_there_are_nasm_samples():
    assert len(NASM_SAMPLES) >= 2


@pytest.mark.parametrize("source", NASM_SAMPLES, ids=lambda p: p.name)
def test_same_program_as_nasm(source, tmp_path):
    ours = assemble_file(source)
    theirs = real_nasm(source, tmp_path, ours)
    assert ours.entry == theirs["entry"]
    for section in ours.sections:
        address, data = theirs[section.name]
        assert address == section.address
        if section.name == ".text":
            assert instructions(section.data, address, ours.bits) == \
                instructions(data, address, ours.bits)
        elif section.name != ".bss":
            assert section.data == data


# keystone mis-encodes some of these (push 0xff80 -> 6a 80); cpuemu must give nasm's bytes.
TRICKY = ["push 0xff80", "push 0xffff", "push word 0x1234", "push word -2", "push dword -2",
          "push 0x7f", "push -128", "mov ecx, [ds:edi + 4]", "mov eax, [ss:ebp - 8]",
          "bts dword [edi + 4], 200", "btr cx, 231", "rep movsd", "repne movsd",
          "add eax, byte 5", "xchg eax, eax"]
# 64-bit code, where keystone is worse (docs/x86-64.md): absolute addresses it would
# make RIP-relative, pushes it would sign-extend from imm8, jrcxz it cannot encode.
TRICKY64 = ["push 0xff80", "push -2", "push word 0x1234", "mov rax, [0x402000]",
            "mov rcx, [0x402000]", "mov ecx, [fs:0x28]", "mov rcx, [fs:0x28]",
            "lea rsi, [0x402000]", "add eax, [0x402000]", "mov [0x402000], rax",
            "mov ah, [rax]", "mov r8b, sil", "jrcxz $", "jecxz $", "mov rax, [rel $]",
            "movsxd rax, ecx", "mov qword [rsp + 8], -1", "cmp byte [rel $ + 0x10], 0",
            # nasm's mov r64, imm: zero-extending mov r32 when the constant allows
            "mov rax, 10", "mov r10, 0xffffffff", "mov rax, -1", "mov rax, dword 10",
            "mov rax, qword 10", "mov rax, strict qword 10", "mov r15, 0x100000000"]


@pytest.mark.parametrize("bits, line", [(32, line) for line in TRICKY]
                         + [(64, line) for line in TRICKY64])
def test_tricky_encodings_match_nasm(bits, line, tmp_path):
    from cpuemu import assemble
    base = 0x400000 if bits == 64 else 0x08048000
    src = tmp_path / "t.asm"
    src.write_text(f"bits {bits}\norg {base:#x}\n{line}\n")
    subprocess.run(["nasm", "-f", "bin", "-o", str(tmp_path / "t.bin"), str(src)], check=True)
    ours = assemble(f"bits {bits}\n{line}\n", dialect="nasm").section(".text").data
    assert ours == (tmp_path / "t.bin").read_bytes()


# The preprocessor, one feature per program; each must give the bytes the real nasm gives.
PREPROCESSOR = {
    "macro parameters": "%macro m 3\n db %0, %1, %3, %2\n%endmacro\nm 1, 2, 3\nm 4, {5, 6}, 7\n",
    "defaults and counts": "%macro m 1-3 8, 9\n db %1, %2, %3, %0\n%endmacro\nm 1\nm 1, 2\n",
    "greedy": "%macro m 1+\n db %1\n%endmacro\nm 1, 2, 3\n",
    "rotate": "%macro m 1-*\n%rep %0\n db %1\n%rotate 1\n%endrep\n%endmacro\nm 1, 2, 3\n",
    "local labels": "%macro m 0\n%%here: dd %%here - $$\n%endmacro\nm\nm\n",
    "overloads": "%macro m 1\n db 1\n%endmacro\n%macro m 2\n db 2\n%endmacro\nm a\nm a, b\n",
    "define with parameters": "%define SQ(x) ((x)*(x))\n%define TWO 2\ndd SQ(TWO+1)\n",
    "xdefine and undef": "%define A 1\n%xdefine B A\n%define C A\n%undef A\n%define A 5\n"
                         "db B, C\n",
    "assign": "%assign i 0\n%rep 4\n db i\n%assign i i+3\n%endrep\n",
    "exitrep and nesting": "%assign i 0\n%rep 10\n%rep 2\n db i\n%endrep\n%assign i i+1\n"
                           "%if i == 3\n%exitrep\n%endif\n%endrep\n",
    "conditionals": "%define X 3\n%if X > 5\ndb 1\n%elif X == 3 && 1\ndb 2\n%else\ndb 3\n%endif\n"
                    "%ifndef Y\ndb 4\n%endif\n%ifidni abc, ABC\ndb 5\n%endif\n"
                    "%ifidn abc, ABC\ndb 6\n%else\ndb 7\n%endif\n",
    "continuation": "db 1, \\\n   2, \\\n   3\n",
    "idefine": "%idefine Ten 10\ndb TEN, ten, Ten\n",
}


# GNU as's macro layer, one feature per program; each must give GNU as's bytes.
GAS_MACROS = {
    "macro with defaults": ".macro m a, b=7\n.byte \\a, \\b\n.endm\nm 1\nm 2, 3\nm b=9, a=4\n",
    "rept": ".rept 3\n.byte 5\n.endr\n",
    "irp and irpc": ".irp v, 1, 2, 3\n.byte \\v\n.endr\n.irpc c, 456\n.byte \\c\n.endr\n",
    "if with set values": ".set n, 3\nk = 2\n.if n > k\n.byte 1\n.elseif n == k\n.byte 2\n"
                          ".else\n.byte 3\n.endif\n.ifdef n\n.byte 4\n.endif\n"
                          ".ifndef nothere\n.byte 5\n.endif\n",
    "exitm and nesting": ".macro m x\n.if \\x\n.byte \\x\n.exitm\n.endif\n.byte 0\n.endm\n"
                         "m 0\nm 6\n.rept 2\n.irp v, 7, 8\n.byte \\v\n.endr\n.endr\n",
    "comments": "/* a */ .byte 1 # two\n.byte 2 /* three */\n",
    "vararg, req, ifb and ifc": ".macro m first:req, rest:vararg\n.byte \\first\n"
                                ".ifnb \\rest\n.byte \\rest\n.endif\n.ifc \\first,4\n"
                                ".byte 9\n.endif\n.ifnc \\first, 4\n.byte 8\n.endif\n"
                                ".endm\nm 1, 2, 3\nm 4\n.ifb\n.byte 7\n.endif\n",
    "character constants": ".byte 'A, '\\n, 'b', 0\n.irpc c, xy\n.byte '\\c'\n"
                           ".ascii \"\\c\"\n.endr\n",
    "macro call counter": ".macro m\n.byte \\@\n.endm\n.rept 2\nm\n.endr\nm\n",
}


def real_data(dialect: str, source: str, tmp_path) -> bytes:
    """The .data bytes the real nasm or GNU as makes of `source`."""
    path, obj = tmp_path / ("p.asm" if dialect == "nasm" else "p.s"), tmp_path / "p.o"
    path.write_text(source)
    command = ["nasm", "-f", "elf32"] if dialect == "nasm" else ["as", "--32"]
    subprocess.run([*command, "-o", str(obj), str(path)], check=True)
    with open(obj, "rb") as f:
        return ELFFile(f).get_section_by_name(".data").data()


@pytest.mark.parametrize("dialect, name", [("nasm", n) for n in PREPROCESSOR]
                         + [("gas", n) for n in GAS_MACROS])
def test_preprocessors_give_the_real_tools_bytes(dialect, name, tmp_path):
    from cpuemu import assemble
    source = "section .data\n" + PREPROCESSOR[name] if dialect == "nasm" else \
        ".data\n" + GAS_MACROS[name]
    assert assemble(source, dialect=dialect).section(".data").data == \
        real_data(dialect, source, tmp_path)


def test_gas_include_finds_files_in_include_paths(tmp_path):
    from cpuemu import assemble_file
    (tmp_path / "inc").mkdir()
    (tmp_path / "inc" / "exit.s").write_text(".macro exit code\nmovl $1, %eax\n"
                                             "movl $\\code, %ebx\nint $0x80\n.endm\n")
    source = tmp_path / "prog.s"
    source.write_text('.include "exit.s"\n.text\n.globl _start\n_start:\nexit 42\n')
    program = assemble_file(source, include_paths=[str(tmp_path / "inc")])
    from cpuemu import Machine
    assert Machine(program).run_to_exit() == 42


def test_include_search_paths_and_defines_from_the_command_line(tmp_path, capsys):
    from cpuemu.cli import main
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "exit.inc").write_text("%macro exit 1\n mov eax, 1\n mov ebx, %1\n"
                                                " int 0x80\n%endmacro\n")
    source = tmp_path / "prog.asm"
    source.write_text('%include "exit.inc"\nsection .text\nglobal _start\n_start:\n'
                      "%ifdef LOUD\n exit CODE + 1\n%else\n exit CODE\n%endif\n")
    assert main(["run", "-I", str(tmp_path / "lib"), "-D", "CODE=41", str(source)]) == 41
    assert main(["run", "-I", str(tmp_path / "lib"), "-D", "CODE=41", "-D", "LOUD",
                 str(source)]) == 42
    assert main(["run", str(source)]) == 2                   # no -I: the include is missing
    assert "cannot include 'exit.inc'" in capsys.readouterr().err


def test_error_and_warning_directives_speak_at_their_line():
    from cpuemu import AssemblyError, assemble
    program = assemble('%warning "check this"\nsection .text\nnop\n', dialect="nasm")
    assert [(w.line, w.message) for w in program.warnings] == [(1, "check this")]
    with pytest.raises(AssemblyError, match="stop here") as caught:
        assemble('section .text\nnop\n%if 1\n%error "stop here"\n%endif\n', dialect="nasm")
    assert caught.value.line == 4
