"""Assembly programs calling the C library through `extern` (nasm) or undefined names
(GNU as) run as the same object linked by `gcc -m32` (`-m64` for the 64-bit ones: the
System V convention) runs natively: the same stdout, stdio's buffering included, and
the same exit status, on both engines."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from cpuemu import AssemblyError, Machine, assemble, assemble_file
from cpuemu.asm.files import BUILT_IN

HERE = Path(__file__).resolve().parent / "libc"
PROGRAMS = sorted(p for p in HERE.iterdir() if p.suffix in (".asm", ".s"))
STDIN = b"17 25\nAda Lovelace\n"


def native(source: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    missing = [t for t in ("nasm" if source.suffix == ".asm" else "as", "gcc")
               if not shutil.which(t)]
    if missing:
        pytest.skip(f"needs {' and '.join(missing)} (.ci/run installs them)")
    obj, exe = tmp_path / "p.o", tmp_path / "p"
    wide = "64" in source.name
    if source.suffix == ".asm":
        subprocess.run(["nasm", "-f", "elf64" if wide else "elf32", "-I", f"{BUILT_IN}/",
                        "-o", str(obj), str(source)], check=True)   # io.inc: cpuemu's
    else:
        subprocess.run(["as", "--64" if wide else "--32", "-o", str(obj), str(source)],
                       check=True)
    subprocess.run(["gcc", "-m64" if wide else "-m32", "-no-pie", "-o", str(exe), str(obj)],
                   check=True, capture_output=True)
    return subprocess.run([str(exe)], input=STDIN, capture_output=True, timeout=30)


@pytest.mark.parametrize("source", PROGRAMS, ids=lambda p: p.name)
def test_same_output_as_the_program_linked_by_gcc(source, tmp_path, engine):
    real = native(source, tmp_path)
    machine = Machine(assemble_file(source), engine=engine, stdin=STDIN)
    stop = machine.run(5_000_000)
    assert stop.reason == "exited", stop
    assert (machine.stdout, stop.status) == (real.stdout, real.returncode)


def test_an_unknown_extern_names_what_the_library_has():
    with pytest.raises(AssemblyError, match="extern frobnicate: cpuemu's C library has no "
                                            "frobnicate"):
        assemble("extern frobnicate\nsection .text\nglobal main\nmain:\n call frobnicate\n"
                 " ret\n", dialect="nasm")


def test_a_bad_pointer_is_the_guests_fault_at_the_call(engine):
    program = assemble("extern strlen\nsection .text\nglobal main\nmain:\n push 0x10\n"
                       " call strlen\n add esp, 4\n ret\n", dialect="nasm")
    stop = Machine(program, engine=engine).run(100_000)
    assert stop.reason == "fault" and stop.fault.kind == "page-fault"
    assert stop.fault.address == 0x10 and "strlen" in stop.fault.detail


def test_ltrace_lists_the_calls(tmp_path, capsys):
    from cpuemu.cli import main
    assert main(["run", "--ltrace", str(HERE / "raw_exit.asm")]) == 3
    err = capsys.readouterr().err
    assert 'printf("flushed by fflush\\n") = 18' in err and "fflush(0x0) = 0" in err
    assert not any(line.startswith("exit(") for line in err.splitlines())   # a raw exit
