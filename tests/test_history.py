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


# Each turn: getpid, a write of one byte, a read of one byte, brk grown by a page and
# touched, then a few thousand instructions of arithmetic. ~1.3 M instructions in all.
BUSY = """
section .data
cell: db 0
section .text
_start:
    mov eax, 45
    xor ebx, ebx
    int 0x80
    mov ebp, eax              ; the heap's current end
    mov esi, 200
turn:
    mov eax, 20
    int 0x80
    mov eax, 3
    xor ebx, ebx
    mov ecx, cell
    mov edx, 1
    int 0x80
    mov eax, 4
    mov ebx, 1
    mov ecx, cell
    mov edx, 1
    int 0x80
    lea ebx, [ebp + 0x1000]
    mov eax, 45
    int 0x80
    mov [ebp], esi            ; the new page, written
    mov ebp, eax
    mov ecx, 1300
spin:
    add edi, ecx
    xor edi, 0x5555
    dec ecx
    jnz spin
    dec esi
    jnz turn
    mov ebx, edi
    and ebx, 0x7f
    mov eax, 1
    int 0x80
"""


def test_going_back_across_a_million_instructions_and_system_calls():
    stdin = bytes(range(200))
    machine = Machine(assemble(BUSY, dialect="nasm"), stdin=stdin)
    history = History(machine, interval=100_000)
    marks = {}
    for at in (3_000, 400_000, 777_777):
        history.run(at - history.now)
        marks[at] = machine.snapshot()
    stop = history.run(10_000_000)
    assert stop.reason == "exited" and history.now > 1_000_000
    end, status, out = machine.snapshot(), machine.exit_status, machine.stdout
    assert out == stdin                                   # every byte read was echoed
    for at in (777_777, 3_000, 400_000):                  # back, forward, back again
        history.goto(at)
        assert machine.snapshot() == marks[at] and machine.exit_status is None
    history.run(10_000_000)                               # replayed: nothing said twice
    assert machine.snapshot() == end and machine.exit_status == status
    assert machine.stdout == out
    assert len(history.checkpoints) <= history.max_checkpoints
