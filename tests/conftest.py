"""Fixtures shared by the suite: every engine-level test runs on each engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from cpuemu import Machine, assemble

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "asm_samples"
ENGINES = ["interp", "unicorn"]


@pytest.fixture(params=ENGINES)
def engine(request) -> str:
    return request.param


@pytest.fixture
def run_asm(engine):
    """Assemble text, run it to the end on the engine under test, return the machine."""

    def run(source: str, dialect: str = "nasm", stdin: bytes = b"", budget: int = 100_000):
        machine = Machine(assemble(source, dialect=dialect), engine=engine, stdin=stdin)
        machine.last = machine.run(budget)
        return machine

    return run
