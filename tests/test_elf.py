"""The ELF loader: static executables, the tiny hand-made kind, and clear refusals."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from cpuemu import LoadError, Machine
from cpuemu.elf import load_elf
from cpuemu.process import AT_PHDR, AT_PHNUM

HERE = Path(__file__).resolve().parent / "elf"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    exe = tmp_path_factory.mktemp("elf") / "tiny"
    subprocess.run(["nasm", "-f", "bin", "-o", str(exe), str(HERE / "tiny.asm")], check=True)
    exe.chmod(0o755)
    return exe


def test_tiny_overlapping_headers_run_like_native(tiny, engine):
    native = subprocess.run([str(tiny)], capture_output=True)
    assert (native.stdout, native.returncode) == (b"tiny\n", 42)
    assert tiny.stat().st_size < 128
    program = load_elf(tiny)
    assert [(s.address, s.perms) for s in program.sections] == [(0x08048000, "r-x")]
    assert program.auxv[AT_PHNUM] == 1 and program.auxv[AT_PHDR] == 0x08048000 + 0x2C
    machine = Machine(program, engine=engine)
    assert machine.run().status == 42 and machine.stdout == b"tiny\n"


# (how gcc builds the refused executable, or the bytes it is, and what the refusal says)
REFUSED = [
    (["-m32"], "dynamically linked .*only static"),
    (["-no-pie"], "dynamically linked .*ld-linux-x86-64.*only static"),
    (["-static-pie"], "position-independent"),
    (b"\x7fELF\x03\x01\x01" + bytes(60), "neither a 32- nor a 64-bit ELF"),
    (b"\x7fELF\x01\x01\x01" + bytes(20), "too short for an ELF header"),
]


@pytest.mark.parametrize("build, why", REFUSED)
def test_refusals_say_why(tmp_path, build, why):
    exe = tmp_path / "refused"
    if isinstance(build, bytes):
        exe.write_bytes(build)
    else:
        src = tmp_path / "m.c"
        src.write_text("int main(void) { return 0; }\n")
        subprocess.run(["gcc", *build, "-o", str(exe), str(src)], check=True)
    with pytest.raises(LoadError, match=why):
        load_elf(exe)


def test_brk_starts_after_the_highest_segment(tmp_path, engine):
    src = tmp_path / "b.c"
    src.write_text('#include "%s"\nstatic char big[100000];\nvoid _start(void) {\n'
                   "  u32 b = S1(45, 0);\n  big[0] = 1;\n"
                   "  S1(1, b >= (u32)(big + sizeof big) && (b & 4095) == 0);\n}\n"
                   % (HERE.parent / "conformance" / "sys.h"))
    exe = tmp_path / "b"
    subprocess.run(["gcc", "-m32", "-static", "-nostdlib", "-fno-pie", "-no-pie",
                    "-fno-stack-protector", "-O1", "-o", str(exe), str(src)], check=True)
    assert subprocess.run([str(exe)]).returncode == 1
    assert Machine(load_elf(exe), engine=engine).run().status == 1


def test_a_64_bit_executable_from_nasm_and_ld(tmp_path, engine):
    """ELF64: nasm -f elf64 + ld output loads at its own addresses and runs as x86-64."""
    import shutil
    if not (shutil.which("nasm") and shutil.which("ld")):
        pytest.skip("needs nasm and ld")
    samples = HERE.parent.parent / "asm_samples"
    subprocess.run(["nasm", "-f", "elf64", "-I", f"{samples}/", "-o", str(tmp_path / "r.o"),
                    str(samples / "ripwalk64.asm")], check=True)
    subprocess.run(["ld", "-o", str(tmp_path / "r"), str(tmp_path / "r.o")], check=True)
    program = load_elf(tmp_path / "r")
    assert program.bits == 64 and "_start" in program.symbols
    machine = Machine(program, engine=engine)
    assert machine.run().status == 98
    assert machine.stdout == (samples / "ripwalk64.expected").read_bytes()
