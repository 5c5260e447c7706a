"""Time travel: stepping back restores registers and memory bit for bit."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cpuemu import CpuemuError, Machine, assemble
from cpuemu.debug import History
from cpuemu.diff.generate import programs


@pytest.mark.parametrize("bits", [32, 64])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.data_too_large])
@given(data=st.data(), forward=st.integers(1, 400), replay=st.integers(0, 400))
def test_forward_then_back_is_the_starting_machine(bits, data, forward, replay):
    source = data.draw(programs(bits=bits), label="source")
    machine = Machine(assemble(source, dialect="nasm"))
    start = machine.snapshot()
    history = History(machine)
    history.run(forward)
    taken = len(history)
    middle = machine.snapshot()
    assert history.back(taken) == taken
    assert machine.snapshot() == start
    history.run(taken)                              # the same steps again: the same machine
    assert machine.snapshot() == middle
    history.back(len(history))
    assert machine.snapshot() == start


def test_undo_covers_the_kernel_and_new_mappings():
    src = ("section .data\nbuf: times 8 db 0\nsection .text\n_start:\n"
           " mov eax, 45\n xor ebx, ebx\n int 0x80\n lea ebx, [eax + 0x3000]\n"
           " mov eax, 45\n int 0x80\n mov dword [ebx - 4], 7\n"       # brk grows, then a write
           " mov eax, 3\n xor ebx, ebx\n mov ecx, buf\n mov edx, 8\n int 0x80\n int3\n")
    machine = Machine(assemble(src, dialect="nasm"), stdin=b"abcdefgh")
    start = machine.snapshot()
    history = History(machine)
    assert history.run(100).fault.kind == "breakpoint"
    assert machine.read(machine.symbol("buf"), 8) == b"abcdefgh"
    history.back(len(history))
    assert machine.snapshot() == start                 # heap pages unmapped again, buf zero


def test_reverse_continue_stops_at_a_breakpoint():
    src = "section .text\n_start: mov ecx, 5\nl: inc eax\n dec ecx\n jnz l\nend: int3\n"
    machine = Machine(assemble(src, dialect="nasm"))
    history = History(machine)
    history.run(100)
    machine.add_breakpoint("l")
    stop = history.run_back()
    assert stop.reason == "breakpoint" and machine.regs.eip == machine.symbol("l")
    assert (machine.regs.eax, machine.regs.ecx) == (4, 1)          # the last turn's start
    machine.remove_breakpoint("l")
    assert history.run_back(until=lambda m: m.regs.eax == 2).reason == "breakpoint"
    assert (machine.regs.eax, machine.regs.ecx) == (2, 3)          # before the third inc
    assert history.step_back() and machine.regs.eip == machine.symbol("l") + 2   # the jnz
    assert history.run_back().detail == "start of history"
    assert not history.step_back()
    assert machine.regs.eip == machine.symbol("_start") and machine.regs.eax == 0


def test_time_travel_needs_the_interpreter():
    machine = Machine(assemble("section .text\n_start: nop\n", dialect="nasm"), engine="unicorn")
    with pytest.raises(CpuemuError, match="needs the interp engine"):
        History(machine)
