"""Samples written for nasm assemble to the same program with the real nasm.

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
            "movsxd rax, ecx", "mov qword [rsp + 8], -1", "cmp byte [rel $ + 0x10], 0"]


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
