"""Programs built by the real tools (nasm and ld), for oracles that must not depend on
our own assembler: the float generator's programs use x87 and SSE forms and data that
the comparison should exercise whatever our front end accepts."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from ..elf import load_elf
from ..errors import CpuemuError
from ..program import Program


def have_nasm() -> bool:
    return shutil.which("nasm") is not None and shutil.which("ld") is not None


def nasm_program(source: str, bits: int = 32) -> Program:
    """`source` assembled by nasm and linked by ld into a static executable, loaded."""
    if not have_nasm():
        raise CpuemuError("this needs nasm and ld (apt-get install nasm binutils)")
    with tempfile.TemporaryDirectory() as tmp:
        src, obj, exe = Path(tmp) / "p.asm", Path(tmp) / "p.o", Path(tmp) / "p"
        src.write_text(source)
        steps = (["nasm", "-f", "elf64" if bits == 64 else "elf32", "-o", str(obj), str(src)],
                 ["ld", "-m", "elf_x86_64" if bits == 64 else "elf_i386", "-o", str(exe),
                  str(obj)])
        for step in steps:
            result = subprocess.run(step, capture_output=True, text=True)
            if result.returncode:
                raise CpuemuError(f"{step[0]} failed:\n{result.stderr.strip()}")
        return load_elf(exe)
