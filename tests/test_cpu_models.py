"""CPU models: what the SDM leaves undefined, each vendor does one exact thing."""

from __future__ import annotations

import pytest

from cpuemu import CpuemuError, Machine, assemble
from cpuemu.cli import main
from cpuemu.diff import snippets
from cpuemu.interp.undefined import host_model


def test_the_intel_model_reproduces_every_measured_intel_snippet():
    rows = snippets.load()
    assert len(rows) == 1500
    wrong = [(row["asm"], diff) for row in rows
             if (diff := snippets.differences(row, snippets.run(row, "intel")))]
    assert wrong == []


def test_the_amd_model_is_not_the_intel_one():
    """The snippets tell the vendors apart: the AMD model leaves several hundred of them
    with other undefined flags or results (so the test above can fail)."""
    rows = snippets.load()[:300]
    assert sum(bool(snippets.differences(row, snippets.run(row, "amd"))) for row in rows) > 50


def run_flags(src: str, cpu: str) -> int:
    m = Machine(assemble("section .text\n_start:\n" + src + " int3\n", dialect="nasm"),
                cpu=cpu)
    m.run(100)
    return m.regs.eflags


@pytest.mark.parametrize("src,intel,amd", [
    # OF after a 2-bit shl: Intel sets it as the first 1-bit step would, AMD as the last
    (" mov eax, 0x20000000\n shl eax, 2\n", 0, 1),
    # mul: Intel clears ZF and takes SF from the low half; AMD leaves both
    (" mov eax, 0x80000000\n mov ecx, 1\n cmp eax, eax\n mul ecx\n", 0, 1),
])
def test_undefined_flags_follow_the_model(src, intel, amd):
    bit = 11 if "shl" in src else 6                    # OF, or ZF
    assert run_flags(src, "intel") >> bit & 1 == intel
    assert run_flags(src, "amd") >> bit & 1 == amd


def test_a_16_bit_shld_past_16_brings_the_destination_back_on_intel():
    src = " mov ebx, 0xffff\n mov edx, 0x1d5b\n shld bx, dx, 29\n"
    results = {}
    for cpu in ("intel", "amd"):
        m = Machine(assemble("section .text\n_start:\n" + src + " int3\n", dialect="nasm"),
                    cpu=cpu)
        m.run(100)
        results[cpu] = m.regs.bx
    assert results == {"intel": 0x7fff, "amd": 0x6000}


def test_cpuid_names_the_vendor_of_the_model():
    src = " xor eax, eax\n cpuid\n"
    for cpu, vendor in (("intel", b"GenuineIntel"), ("amd", b"AuthenticAMD")):
        m = Machine(assemble("section .text\n_start:\n" + src + " int3\n", dialect="nasm"),
                    cpu=cpu)
        m.run(100)
        words = (m.regs.ebx, m.regs.edx, m.regs.ecx)
        assert b"".join(w.to_bytes(4, "little") for w in words) == vendor


def test_the_default_is_the_host_vendor_and_bad_names_are_refused(tmp_path, capsys):
    m = Machine(assemble("section .text\n_start: nop\n", dialect="nasm"))
    assert m.engine.cpu.model == host_model()
    with pytest.raises(CpuemuError, match="unknown CPU model 'via'"):
        Machine(assemble("section .text\n_start: nop\n", dialect="nasm"), cpu="via")
    src = tmp_path / "f.asm"
    src.write_text("section .text\n_start: mov eax, 0x20000000\n shl eax, 2\n"
                   " seto bl\n mov eax, 1\n int 0x80\n")
    assert main(["run", "--cpu", "intel", str(src)]) == 0       # the exit status is OF
    assert main(["run", "--cpu", "amd", str(src)]) == 1
