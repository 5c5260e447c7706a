"""The block compiler: a block run as one generated function must leave exactly the
machine that single steps leave, at every budget, fault and code write."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cpuemu import Machine, assemble
from cpuemu.cpu.memory import RW, RWX, R
from cpuemu.diff.generate import programs

CODE = 0x08048000


def stepped(machine: Machine, budget: int):
    """Spend `budget` one instruction at a time (each rep iteration after the first
    spends one more, as in a block run, so a budget may end inside a rep)."""
    return machine._finish(machine.engine._finish_budget(budget, budget))


@pytest.mark.parametrize("bits", [32, 64])
@settings(max_examples=int(os.environ.get("CPUEMU_BLOCK_EXAMPLES", "150")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_blocks_leave_the_machine_single_steps_leave(bits, data):
    source = data.draw(programs(bits=bits), label="source")
    program = assemble(source, dialect="nasm")
    budgets = data.draw(st.lists(st.integers(1, 40), max_size=6), label="budgets")
    blocks, steps = Machine(program), Machine(program)
    perms = data.draw(st.sampled_from([RW, R, 0]), label="data page")   # faults mid-block
    for machine in (blocks, steps):
        machine.engine.protect(machine.symbol("data"), 0x1000, perms)
    for budget in [*budgets, 20_000]:
        stop = blocks.run(budget)
        other = stepped(steps, budget)
        assert blocks.snapshot() == steps.snapshot(), source
        assert blocks.engine.retired() == steps.engine.retired()
        assert (stop.reason, stop.eip) == (other.reason, other.eip)
        if stop.reason != "budget":
            assert stop.fault.kind == other.fault.kind
            break


def test_a_fault_mid_block_leaves_registers_and_flags_of_the_instruction_before():
    src = ("section .text\n_start: mov eax, 5\n add eax, 7\n cmp eax, 12\n"
           " mov ebx, [0]\n mov ecx, 1\n")
    m = Machine(assemble(src, dialect="nasm"))
    stop = m.run()
    assert stop.fault.kind == "page-fault" and stop.eip == CODE + 11
    assert (m.regs.eax, m.regs.ebx, m.regs.ecx, m.engine.retired()) == (12, 0, 0, 3)
    assert m.flags.zf == 1 and m.flags.cf == 0


def test_a_loop_writing_its_own_code_stops_before_the_stale_instruction():
    """Each turn patches the immediate of the `add` that follows in the same block."""
    src = ("section .text\n_start: mov ecx, 3\n xor eax, eax\n"
           "l: inc dword [patch + 1]\npatch: mov edx, 10\n add eax, edx\n dec ecx\n"
           " jnz l\n mov ebx, eax\n mov eax, 1\n int 0x80\n")
    m = Machine(assemble(src, dialect="nasm"))
    m.engine.protect(CODE, 0x1000, RWX)
    assert m.run().status == 11 + 12 + 13


def test_the_translation_is_python_a_reader_can_follow():
    src = "section .text\n_start: mov ecx, 10\nl: add eax, ecx\n dec ecx\n jnz l\n"
    m = Machine(assemble(src, dialect="nasm"))
    text = m.translation(CODE + 5)
    assert "while True:" in text and "r0 = R[0]" in text
    assert "if (res_" in text or "res_1 != 0" in text     # jnz reads dec's result directly
    assert m.run(100).reason in ("budget", "fault")
