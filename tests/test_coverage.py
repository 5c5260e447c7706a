"""The coverage table is generated, complete for the guide and the issue's list, and in
step with the code."""

from __future__ import annotations

from cpuemu.interp.coverage import MNEMONIC_NAMES, markdown, supported_forms

from .conftest import ROOT

GUIDE = "mov push pop lea add sub inc dec imul idiv and or xor not neg shl shr jmp cmp call ret"
BEYOND = ("adc sbb mul div sar sal rol ror rcl rcr shld shrd test xchg xadd cmpxchg bswap "
          "movzx movsx cbw cwde cwd cdq bt bts btr btc bsf bsr leave enter nop hlt int int3 "
          "clc stc cmc cld std lahf sahf pushfd popfd pushad popad loop loope loopne jecxz "
          "movsb movsw movsd stosb stosw stosd lodsb lodsw lodsd cmpsb cmpsw cmpsd scasb "
          "scasw scasd cpuid rdtsc")
CONDITIONS = "o no b ae e ne be a s ns p np l ge le g".split()


def covered() -> set[str]:
    return {MNEMONIC_NAMES[i.mnemonic] for infos in supported_forms().values() for i in infos}


def test_docs_coverage_is_the_generated_table():
    assert (ROOT / "docs" / "coverage.md").read_text() == markdown(), \
        "regenerate: python -m cpuemu.interp.coverage > docs/coverage.md"


def test_every_instruction_the_issue_names_is_covered():
    names = covered()
    wanted = set(GUIDE.split()) | set(BEYOND.split())
    wanted |= {f"{p}{c}" for p in ("j", "set", "cmov") for c in CONDITIONS}
    assert wanted - names == set()


def test_every_operand_size_of_the_alu_is_listed():
    forms = {i.instruction_string for i in supported_forms()["alu"]}
    for size in ("8", "16", "32"):
        assert f"ADD r/m{size}, r{size}" in forms and f"ADD r{size}, r/m{size}" in forms
    assert "ADD r/m32, imm8" in forms and "ADD r/m16, imm8" in forms
