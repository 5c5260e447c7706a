"""One fuzz input, run and named by its outcome.

Outcomes are what a user would see: "assembled" or "AssemblyError" for the assembler;
the Stop reason (a fault by its kind: "fault:page-fault") or "LoadError" for a guest.
Any other exception escapes to the caller, which counts it as a host exception: the
thing a campaign exists to find.
"""

from __future__ import annotations

import os
import tempfile

from ..asm import assemble
from ..elf import load_elf
from ..errors import AssemblyError, LoadError
from ..machine import Machine
from .asm_inputs import asm_input
from .guest_inputs import mutated_elf, random_code, syscall_sequence

BUDGET = 20_000               # instructions per guest run
RUN_SECONDS = 5.0             # host time per guest run (Machine.run's timeout)
CLASSES = ("asm", "code", "calls", "elf")


def assembler_outcome(seed: int, dialect: str) -> str:
    try:
        assemble(asm_input(seed, dialect), dialect=dialect)
    except AssemblyError as e:
        if e.__cause__ is not None:          # the assembler's own backstop caught a bug
            raise e.__cause__ from e
        if "KS_ERR" in str(e) or "cannot encode `" in str(e):
            return "AssemblyError with an encoder's words"    # not the user's terms
        return "AssemblyError"
    return "assembled"


def guest_outcome(kind: str, seed: int, engine: str, bits: int) -> str:
    if kind == "elf":
        return _elf_outcome(seed, engine, bits)
    program = (random_code if kind == "code" else syscall_sequence)(seed, bits)
    return _run(Machine(program, engine=engine, stdin=b"guest input\n"))


def _elf_outcome(seed: int, engine: str, bits: int) -> str:
    handle, path = tempfile.mkstemp(prefix="cpuemu-fuzz-", suffix=".elf")
    try:
        with os.fdopen(handle, "wb") as f:
            f.write(mutated_elf(seed, bits))
        try:
            machine = Machine(load_elf(path), engine=engine)
        except LoadError:
            return "LoadError"
        return _run(machine)
    finally:
        os.unlink(path)


def _run(machine: Machine) -> str:
    stop = machine.run(BUDGET, timeout=RUN_SECONDS)
    return f"fault:{stop.fault.kind}" if stop.reason == "fault" else stop.reason


def outcome(kind: str, seed: int, *, dialect: str = "nasm", engine: str = "interp",
            bits: int | None = None) -> str:
    """The outcome of input `seed` of class `kind` (bits None: alternate by seed)."""
    if kind == "asm":
        return assembler_outcome(seed, dialect)
    return guest_outcome(kind, seed, engine, bits or (32 if seed % 2 == 0 else 64))
