"""Differential tests: random programs over the interpreter's instruction set, 32- and
64-bit, run in lockstep against Unicorn and end to end against this machine's real CPU.

CPUEMU_DIFF_EXAMPLES (default 500) and CPUEMU_NATIVE_EXAMPLES (default 200) set how
many programs of each mode a run tries; a long campaign raises them."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cpuemu import assemble
from cpuemu.diff import Lockstep
from cpuemu.diff.generate import programs
from cpuemu.diff.native import NativeCPU, compare

UNICORN_EXAMPLES = int(os.environ.get("CPUEMU_DIFF_EXAMPLES", "500"))
NATIVE_EXAMPLES = int(os.environ.get("CPUEMU_NATIVE_EXAMPLES", "200"))
SLOW_DATA = [HealthCheck.too_slow, HealthCheck.data_too_large]


@pytest.mark.parametrize("bits", [32, 64])
@settings(max_examples=UNICORN_EXAMPLES, deadline=None, suppress_health_check=SLOW_DATA)
@given(data=st.data())
def test_interpreter_agrees_with_unicorn(bits, data):
    source = data.draw(programs(bits=bits), label="source")
    outcome = Lockstep(assemble(source, dialect="nasm")).run(20_000)
    assert outcome.agreed, outcome.divergence.report() + "\n\n" + source
    assert outcome.stop.reason == "fault" and outcome.stop.fault.kind in (
        "breakpoint", "divide-error")


@pytest.fixture(scope="module")
def native_cpus():
    """The native harness of each mode, started when first needed."""
    cpus: dict[int, NativeCPU] = {}
    yield lambda bits: cpus.setdefault(bits, NativeCPU(bits))
    for cpu in cpus.values():
        cpu.close()


@pytest.fixture(scope="module")
def native_cpu(native_cpus):
    return native_cpus(32)


@pytest.mark.parametrize("bits", [32, 64])
@settings(max_examples=NATIVE_EXAMPLES, deadline=None, suppress_health_check=SLOW_DATA)
@given(data=st.data())
def test_interpreter_agrees_with_the_real_cpu(native_cpus, bits, data):
    source = data.draw(programs(bits=bits), label="source")
    program = assemble(source, dialect="nasm")
    result = compare(program, native_cpus(bits).run(program))
    assert result.agreed, "\n".join(result.differences) + "\n\n" + source


def test_lockstep_reports_the_first_divergence_with_context():
    """A difference planted in one engine is found at the instruction that exposes it."""
    source = "section .text\n_start:\n mov eax, 1\n add eax, ebx\n int3\n"
    lockstep = Lockstep(assemble(source, dialect="nasm"),
                        setup=lambda m: setattr(m.regs, "ebx", 2 if m.engine.name == "interp" else 3))
    outcome = lockstep.run()
    assert not outcome.agreed
    report = outcome.divergence.report()
    assert outcome.divergence.step == 1                  # ebx differs from the start
    assert "ebx: interp 0x00000002 vs unicorn 0x00000003" in report
    assert "source: <input>:3: mov eax, 1" in report


def test_native_harness_sees_what_the_cpu_does(native_cpu):
    source = ("section .data\nv: dd 0\nsection .text\n_start:\n mov esp, 0xbfff0000\n"
              " mov eax, 6\n imul eax, eax, 7\n mov [v], eax\n stc\n int3\n")
    program = assemble(source, dialect="nasm")
    native = native_cpu.run(program)
    assert native.signal == 5 and native.regs["eax"] == 42 and native.regs["eflags"] & 1
    assert native.memory[program.symbols["v"].address & ~0xFFF][:4] == (42).to_bytes(4, "little")
    assert compare(program, native).agreed


@pytest.mark.parametrize("line", [
    "mov eax, [fs:edi]",          # FS holds the null selector in a Linux process: #GP
    "mov [gs:edi], eax",
    "mov [cs:edi], eax",          # code segments are not writable: #GP
    "mov eax, [cs:edi]",          # but readable
    "mov eax, [ss:edi]",
])
def test_segment_overrides_fault_like_the_real_cpu(native_cpu, line):
    """Unicorn (CPL 0) lets all of these through; the interpreter follows the CPU."""
    source = (f"section .data\nd: dd 5\nsection .text\n_start:\n mov esp, 0xbfff0000\n"
              f" mov edi, d\n {line}\n int3\n")
    program = assemble(source, dialect="nasm")
    result = compare(program, native_cpu.run(program))
    assert result.agreed, result.differences
