"""Every program in asm_samples/ prints its .expected and exits with its .status."""

from __future__ import annotations

import pytest

from cpuemu import Machine, assemble_file

from .conftest import SAMPLES

SOURCES = sorted(p for p in SAMPLES.iterdir() if p.suffix in (".asm", ".s"))


def test_every_sample_has_expectations():
    assert len(SOURCES) >= 10
    for src in SOURCES:
        assert src.with_suffix(".expected").is_file(), src
        assert src.with_suffix(".status").is_file(), src


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_sample(source, engine):
    machine = Machine(assemble_file(source), engine=engine)
    stop = machine.run(max_instructions=1_000_000)
    assert stop.reason == "exited", stop
    assert machine.stdout == source.with_suffix(".expected").read_bytes()
    assert stop.status == int(source.with_suffix(".status").read_text())


def test_libco_style_switch_is_plain_gnu_as(tmp_path):
    """coro_gas.s is written as C coroutine libraries write theirs: GNU as assembles the
    same file, and natively it prints what cpuemu prints."""
    import subprocess
    source = SAMPLES / "coro_gas.s"
    subprocess.run(["as", "--32", "-o", str(tmp_path / "c.o"), str(source)], check=True)
    subprocess.run(["ld", "-m", "elf_i386", "-o", str(tmp_path / "c"), str(tmp_path / "c.o")],
                   check=True)
    native = subprocess.run([str(tmp_path / "c")], capture_output=True)
    assert native.stdout == source.with_suffix(".expected").read_bytes()
    assert native.returncode == int(source.with_suffix(".status").read_text())
