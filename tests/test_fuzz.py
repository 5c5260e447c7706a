"""Fuzzing in CI: each input class of cpuemu.fuzz under hypothesis, a few thousand inputs
per run, each with a time limit. The long campaigns run the same functions:
`python -m cpuemu.fuzz CLASS N SEED` (figures in the issue notes)."""

from __future__ import annotations

import os
import random
import signal
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cpuemu import Machine, assemble
from cpuemu.debug.debugger import Debugger
from cpuemu.fuzz.classify import outcome

SEEDS = st.integers(0, 2**32 - 1)
SECONDS_PER_INPUT = 20
EXAMPLES = int(os.environ.get("CPUEMU_FUZZ_EXAMPLES", "700"))   # per dialect / engine


class Hang(Exception):
    pass


@contextmanager
def time_limit(seconds: float):
    """Fail an input that runs past `seconds` (a hang, for the campaign's purposes)."""
    def alarm(signum, frame):
        raise Hang(f"no result after {seconds} s")
    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


ASSEMBLER_OUTCOMES = {"assembled", "AssemblyError"}


@pytest.mark.parametrize("dialect", ["nasm", "gas", "guide"])
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(seed=SEEDS)
def test_the_assembler_only_ever_raises_assembly_error(dialect, seed):
    with time_limit(SECONDS_PER_INPUT):
        assert outcome("asm", seed, dialect=dialect) in ASSEMBLER_OUTCOMES


GUEST_OUTCOMES = {"exited", "signal", "budget", "deadlock", "timeout", "LoadError",
                  "fault:page-fault", "fault:general-protection", "fault:invalid-opcode",
                  "fault:divide-error", "fault:breakpoint", "fault:x87-fpu-error",
                  "fault:simd-fp-exception", "fault:alignment-check", "fault:overflow",
                  "fault:bound-range", "fault:stack-fault"}


@pytest.mark.parametrize("kind, share", [("code", 3), ("calls", 3), ("elf", 2)])
@pytest.mark.parametrize("engine", ["interp", "unicorn"])
def test_guest_inputs_end_in_a_stop_or_a_load_error(kind, share, engine):
    @settings(max_examples=max(EXAMPLES * share // 8, 1), deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow])
    @given(seed=SEEDS)
    def check(seed):
        with time_limit(SECONDS_PER_INPUT):
            assert outcome(kind, seed, engine=engine) in GUEST_OUTCOMES
    check()


COMMANDS = ["step", "s", "si", "next", "n", "ni", "finish", "continue", "c", "back", "rc",
            "break", "b", "tbreak", "delete", "watch", "rwatch", "info", "info registers",
            "info frame", "info symbol", "info display", "print", "p", "p/x", "p/c", "x",
            "x/4w", "x/99999999d", "x/3q", "x/2s", "x/3i", "list", "bt", "help",
            "frobnicate", "", "reverse-continue", "reverse-step", "reverse-next",
            "reverse-finish", "rsi", "until", "advance", "display", "display/i",
            "undisplay", "set", "set var", "up", "down", "frame", "disassemble",
            "condition", "condition 1", "enable", "disable", "start", "run", "kill"]
ARGUMENTS = ["", "0xzz", "abc", "_start", "msg", "1", "-1", "99999999999999999999", "0x0",
             "0xffffffffffffffff", "$esp", "$eax", "regs", "flags", "stack", "frames",
             "hello_nasm.asm:9", ":", "all", "eax", "\x1b[A", "'", "[", "1 2 3", "if",
             "if $eax == 4", "$eax = 7", "{int}$esp = 1", "*(int*)$esp", "*(char*)0",
             "(int)", "$1", "$", "1/0", "$pc", "*$pc", "&msg", "{int}msg", "(char*)msg",
             "1 << 200", "== =", "$eflags", "$xmm0", "$st0", "*_start", "'a'", "'\\n'"]


@settings(max_examples=max(EXAMPLES // 4, 1), deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(seed=SEEDS)
def test_the_debugger_answers_every_command_line_in_one_line(seed):
    rng = random.Random(seed)
    program = assemble("section .data\nmsg db 'hi', 10\nsection .text\nglobal _start\n"
                       "_start:\n mov eax, 4\n mov ebx, 1\n mov ecx, msg\n mov edx, 3\n"
                       " int 0x80\n dec esi\n jns _start\n mov eax, 1\n int 0x80\n",
                       dialect="nasm")
    machine = Machine(program, engine=rng.choice(["interp", "unicorn"]))
    machine.regs.esi = 3                                # four writes, then exit
    lines = [" ".join(filter(None, (rng.choice(COMMANDS), rng.choice(ARGUMENTS),
                                    rng.choice(["", rng.choice(ARGUMENTS)]))))
             for _ in range(12)]
    out: list[str] = []
    with time_limit(SECONDS_PER_INPUT):
        Debugger(machine, out=out.append).run(lines)
    errors = [line for line in out if line.startswith("error:")]
    assert not any("internal" in line or "\n" in line for line in errors), errors
