"""The assembler compatibility suite: one program per feature in tests/compat/, each
assembled by cpuemu and by the real tool (nasm, or GNU as; linked by ld at cpuemu's
section addresses), and gcc's own position-independent output of tests/compat/gcc/.

For each: every section's bytes and every symbol's value are identical, and the program
prints and exits the same natively, on the interpreter and on Unicorn. A first line
`; compat: ARGS` (nasm) or `# compat: ARGS` (gas) gives -I/-D options to both
assemblers, paths relative to tests/compat/.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from cpuemu import Machine, assemble_file

COMPAT = Path(__file__).resolve().parent / "compat"
PROGRAMS = sorted([*COMPAT.glob("nasm/*.asm"), *COMPAT.glob("gas/*.s")])
GCC_SOURCES = sorted(COMPAT.glob("gcc/*.c"))
GCC_BUILDS = [(c, bits, flags) for c in GCC_SOURCES for bits in (32, 64)
              for flags in ("-O0", "-O2", "-O1 -fPIC")]     # -fPIC: globals through the GOT
LINKER_SYMBOLS = {"__bss_start", "_edata", "_end"}       # ld adds these to every program
# Names an assembler keeps for itself: gas's .L labels (in the symbol table only when a
# relocation needs one), nasm's ..@ macro-local names and cpuemu's istruc names.
PRIVATE = (".L", "..@", "..istruc.")
BUDGET = 5_000_000


def needs(*tools: str) -> None:
    missing = [t for t in tools if not shutil.which(t)]
    if missing:
        pytest.skip(f"needs {' and '.join(missing)} (.ci/run installs them)")


def options(source: Path) -> tuple[list[str], dict[str, str]]:
    """The -I directories and -D defines the file's first line asks for."""
    first = source.read_text().splitlines()[0]
    words = shlex.split(first.split("compat:", 1)[1]) if "compat:" in first else []
    includes, defines = [], {}
    for flag, value in zip(words[::2], words[1::2], strict=True):
        if flag == "-I":
            includes.append(str(COMPAT / value))
        else:
            name, _, text = value.partition("=")
            defines[name] = text or ""
    return includes, defines


def real_build(source: Path, program, tmp_path: Path) -> Path:
    """The real assembler's object, linked by ld with cpuemu's section addresses."""
    includes, defines = options(source)
    obj, exe = tmp_path / "real.o", tmp_path / "real"
    if source.suffix == ".asm":
        needs("nasm", "ld")
        command = ["nasm", "-f", f"elf{program.bits}", *(f"-I{d}/" for d in includes),
                   *(f"-D{k}={v}" if v else f"-D{k}" for k, v in defines.items())]
    else:
        needs("as", "ld")
        command = ["as", f"--{program.bits}", *(f"-I{d}" for d in includes)]
    subprocess.run([*command, "-o", str(obj), str(source)], check=True)
    placement = [f"--section-start={s.name}={s.address:#x}" for s in program.sections]
    below = program.sections[0].address - 0x100000      # unwind tables: out of the way
    placement.append(f"--section-start=.eh_frame={below:#x}")
    emulation = "elf_x86_64" if program.bits == 64 else "elf_i386"
    subprocess.run(["ld", "-m", emulation, "-e", hex(program.entry), *placement, "-o",
                    str(exe), str(obj)], check=True)
    return exe


def ours(source: Path):
    includes, defines = options(source)
    return assemble_file(source, include_paths=includes, defines=defines)


def compare_images(program, exe: Path) -> None:
    with open(exe, "rb") as f:
        elf = ELFFile(f)
        assert elf.header["e_entry"] == program.entry
        for section in program.sections:
            theirs = elf.get_section_by_name(section.name)
            assert theirs is not None, f"ld made no {section.name}"
            assert theirs["sh_addr"] == section.address, section.name
            assert theirs["sh_size"] == section.size, section.name
            if section.name != ".bss":
                assert section.data == theirs.data(), f"{section.name} bytes differ"
        symbols = {s.name: s["st_value"] for s in elf.get_section_by_name(".symtab").iter_symbols()
                   if s.name and s["st_info"]["type"] not in ("STT_FILE", "STT_SECTION")
                   and s.name not in LINKER_SYMBOLS and not s.name.startswith(PRIVATE)}
    mine = {name: sym.address for name, sym in program.symbols.items()
            if not name.startswith(PRIVATE)}
    assert mine == symbols


def same_run(program, exe: Path) -> tuple[bytes, int]:
    """(stdout, status) natively, which both engines must give too."""
    native = subprocess.run([str(exe)], capture_output=True, timeout=60)
    expected = (native.stdout, native.returncode)
    for engine in ("interp", "unicorn"):
        machine = Machine(program, engine=engine)
        stop = machine.run(max_instructions=BUDGET)
        assert stop.reason == "exited", (engine, stop)
        assert (machine.stdout, stop.status) == expected, engine
    return expected


def test_the_suite_has_a_program_per_feature():
    assert len([p for p in PROGRAMS if p.suffix == ".asm"]) >= 7
    assert len([p for p in PROGRAMS if p.suffix == ".s"]) >= 6
    assert GCC_SOURCES


@pytest.mark.parametrize("source", PROGRAMS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_same_program_as_the_real_assembler(source, tmp_path):
    program = ours(source)
    exe = real_build(source, program, tmp_path)
    compare_images(program, exe)
    stdout, _ = same_run(program, exe)
    assert stdout                                    # every program says something


@pytest.mark.parametrize("c_source, bits, level", GCC_BUILDS,
                         ids=[f"{c.stem}-m{b}{o.replace(' ', '')}" for c, b, o in GCC_BUILDS])
def test_gcc_position_independent_output(c_source, bits, level, tmp_path):
    """`gcc -S` as this machine's gcc writes it by default (PIE: the pc thunk,
    _GLOBAL_OFFSET_TABLE_, @GOTOFF, @PLT, jump tables; with -fPIC also @GOT and
    @GOTPCREL): cpuemu resolves it as a static link does, to the bytes ld makes of GNU
    as's object."""
    needs("gcc", "as", "ld")
    source = tmp_path / f"{c_source.stem}.s"
    subprocess.run(["gcc", f"-m{bits}", *level.split(), "-S", "-o", str(source),
                    str(c_source)], check=True)
    program = ours(source)
    exe = real_build(source, program, tmp_path)
    compare_images(program, exe)
    stdout, status = same_run(program, exe)
    assert stdout == b"three zero four one five two many three many 14400\n" and status == 7
