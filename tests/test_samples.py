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


NASM64 = ["hello64", "array64", "recursion64", "ripwalk64", "coro_generator64",
          "coro_roundrobin64"]


@pytest.mark.parametrize("name", NASM64)
def test_64_bit_samples_run_natively_alike(name, tmp_path):
    """The 64-bit nasm samples, assembled by nasm and linked by ld, print and exit on
    this machine's CPU exactly as the .expected and .status say (and so as cpuemu does)."""
    import shutil
    import subprocess
    if not (shutil.which("nasm") and shutil.which("ld")):
        pytest.skip("needs nasm and ld (apt-get install nasm binutils)")
    source = SAMPLES / f"{name}.asm"
    subprocess.run(["nasm", "-f", "elf64", "-I", f"{SAMPLES}/", "-o", str(tmp_path / "p.o"),
                    str(source)], check=True)
    subprocess.run(["ld", "-o", str(tmp_path / "p"), str(tmp_path / "p.o")], check=True)
    native = subprocess.run([str(tmp_path / "p")], capture_output=True)
    assert native.stdout == source.with_suffix(".expected").read_bytes()
    assert native.returncode == int(source.with_suffix(".status").read_text())


GCC_SAMPLE = SAMPLES / "gcc64_stats.c"


def _gcc_version() -> str | None:
    import shutil
    import subprocess
    if shutil.which("gcc") is None:
        return None
    return subprocess.run(["gcc", "-dumpfullversion"], capture_output=True, text=True).stdout


@pytest.mark.parametrize("level", ["-O0", "-O2"])
def test_gcc_output_runs_on_both_engines(level, tmp_path):
    """gcc64_stats.s is `gcc -S` of gcc64_stats.c; gcc here rebuilds it at -O0 and -O2,
    and cpuemu runs what gcc wrote, on both engines, with the output and status of the
    C program compiled and run natively."""
    import subprocess
    if _gcc_version() is None:
        pytest.skip("needs gcc")
    asm = tmp_path / f"stats{level}.s"
    subprocess.run(["gcc", "-S", level, "-o", str(asm), GCC_SAMPLE.name], check=True,
                   cwd=SAMPLES)                    # gcc writes the name it was given
    subprocess.run(["gcc", level, "-o", str(tmp_path / "native"), str(GCC_SAMPLE)], check=True)
    native = subprocess.run([str(tmp_path / "native")], capture_output=True)
    assert native.stdout == GCC_SAMPLE.with_suffix(".expected").read_bytes()
    assert native.returncode == int(GCC_SAMPLE.with_suffix(".status").read_text())
    program = assemble_file(asm)
    assert program.bits == 64
    for engine in ("interp", "unicorn"):
        machine = Machine(program, engine=engine)
        stop = machine.run(max_instructions=5_000_000)
        assert (machine.stdout, stop.status) == (native.stdout, native.returncode), engine
    if level == "-O0":
        committed = GCC_SAMPLE.with_suffix(".s").read_text()
        if f"{_gcc_version().strip()}\"" in committed:     # the same gcc wrote both
            assert asm.read_text() == committed


@pytest.mark.parametrize("name", [*(f"{n}.asm" for n in NASM64), "gcc64_stats.s"])
def test_engines_agree_at_every_instruction_of_the_64_bit_samples(name):
    """`cpuemu diff` on each 64-bit sample: registers, defined flags and memory written
    agree after every instruction, to the exit."""
    from cpuemu.diff import Lockstep
    outcome = Lockstep(assemble_file(SAMPLES / name)).run(1_000_000)
    assert outcome.agreed, outcome.divergence.report()
    assert outcome.stop.reason == "exited"
    assert outcome.stop.status == int((SAMPLES / name).with_suffix(".status").read_text())


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_asm_output_is_an_executable_that_runs_natively_and_here(source, tmp_path):
    """`cpuemu asm FILE -o OUT`: the static ELF prints the sample's .expected and exits
    with its .status natively (this machine runs 32- and 64-bit Linux programs) and
    under `cpuemu run OUT`, which loads it through the ELF loader."""
    import subprocess

    from cpuemu.cli import main
    from cpuemu.elf import load_elf
    exe = tmp_path / "prog"
    assert main(["asm", str(source), "-o", str(exe)]) == 0
    expected = (source.with_suffix(".expected").read_bytes(),
                int(source.with_suffix(".status").read_text()))
    native = subprocess.run([str(exe)], capture_output=True, timeout=60)
    assert (native.stdout, native.returncode) == expected
    machine = Machine(load_elf(exe))
    stop = machine.run(max_instructions=1_000_000)
    assert (machine.stdout, stop.status) == expected
