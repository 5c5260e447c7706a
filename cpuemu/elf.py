"""Static ELF executables -> Program: ELF32 i386 and ELF64 x86-64.

The program headers are read with plain struct (they are all a loader needs, and the
tiny hand-made ELF files people write overlap them with the ELF header and lie in the
section header fields); pyelftools reads the symbol table when there is a sane one, so
frames and fault reports can name functions.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import NamedTuple

from .errors import LoadError
from .process import AT_PHDR, AT_PHENT, AT_PHNUM, GDT_ADDRESS
from .program import Program, Section, Symbol

PT_LOAD, PT_INTERP, PT_PHDR = 1, 3, 6
ET_EXEC, ET_DYN = 2, 3
EM_386, EM_X86_64 = 3, 62
PF_X, PF_W, PF_R = 1, 2, 4
# Where guest memory may go: below the page the engines keep the GDT in (32-bit), and
# below the canonical hole (64-bit).
USER_END = {32: 0xFFFFF000, 64: 0x0000_8000_0000_0000}


class Layout(NamedTuple):
    """Where one ELF class keeps what a loader reads."""

    bits: int
    machine: int
    header: str           # e_type e_machine e_version e_entry e_phoff e_shoff e_flags
    #                       e_ehsize e_phentsize e_phnum, from offset 16
    phdr: str             # one program header
    fields: tuple[int, ...]   # where p_type p_offset p_vaddr p_filesz p_memsz p_flags are


CLASSES = {1: Layout(32, EM_386, "<HHIIIIIHHH", "<8I", (0, 1, 2, 4, 5, 6)),
           2: Layout(64, EM_X86_64, "<HHIQQQIHHH", "<IIQQQQQQ", (0, 2, 3, 5, 6, 1))}


def is_elf(data: bytes) -> bool:
    return data[:4] == b"\x7fELF"


def load_elf(path: str | Path) -> Program:
    path = Path(path)
    data = path.read_bytes()
    name = str(path)
    if not is_elf(data):
        raise LoadError(f"{name}: not an ELF file")
    layout = CLASSES.get(data[4]) if len(data) > 4 else None
    if layout is None:
        raise LoadError(f"{name}: neither a 32- nor a 64-bit ELF file (ELF class "
                        f"{data[4] if len(data) > 4 else '?'})")
    if len(data) < 16 + struct.calcsize(layout.header):
        raise LoadError(f"{name}: too short for an ELF header ({len(data)} bytes)")
    if data[5] != 1:
        raise LoadError(f"{name}: not little-endian")
    (e_type, e_machine, _, e_entry, e_phoff, _, _, _, e_phentsize, e_phnum) = \
        struct.unpack_from(layout.header, data, 16)
    if e_machine != layout.machine:
        want = "an x86-64" if layout.bits == 64 else "an i386"
        raise LoadError(f"{name}: not {want} executable (e_machine {e_machine})")
    if e_type not in (ET_EXEC, ET_DYN):
        raise LoadError(f"{name}: not an executable (e_type {e_type})")
    size = struct.calcsize(layout.phdr)
    if e_phentsize < size or e_phnum == 0:
        raise LoadError(f"{name}: no program headers")
    sections, phdr_address = [], None
    for i in range(e_phnum):
        at = e_phoff + i * e_phentsize
        values = struct.unpack(layout.phdr, data[at:at + size].ljust(size, b"\0"))
        p_type, p_offset, p_vaddr, p_filesz, p_memsz, p_flags = \
            (values[k] for k in layout.fields)
        if p_type == PT_INTERP:
            needs = _interp(data, p_offset, p_filesz)
            raise LoadError(f"{name}: dynamically linked (needs {needs}); only static "
                            "executables can run")
        if p_type == PT_PHDR:
            phdr_address = p_vaddr
        if p_type != PT_LOAD or p_memsz == 0:
            continue
        if p_filesz > p_memsz and p_memsz:
            p_filesz = p_memsz
        if p_vaddr + p_memsz > USER_END[layout.bits]:
            raise LoadError(f"{name}: segment {i} ({p_vaddr:#x}, {p_memsz:#x} bytes) ends "
                            f"past the user address space ({USER_END[layout.bits]:#x})")
        if p_vaddr < GDT_ADDRESS + 0x1000 and GDT_ADDRESS < p_vaddr + p_memsz:
            raise LoadError(f"{name}: segment {i} ({p_vaddr:#x}, {p_memsz:#x} bytes) covers "
                            f"{GDT_ADDRESS:#x}, the page cpuemu keeps the GDT in")
        if e_type == ET_DYN and p_vaddr < 0x1000:
            raise LoadError(f"{name}: position-independent executables need a base address;"
                            " link with -no-pie or -static")
        perms = ("r" if p_flags & PF_R else "-") + ("w" if p_flags & PF_W else "-") + \
            ("x" if p_flags & PF_X else "-")
        payload = data[p_offset:p_offset + p_filesz]
        sections.append(Section(f"load{len(sections)}", p_vaddr, payload, perms, p_memsz))
        if phdr_address is None and p_offset <= e_phoff < p_offset + p_filesz:
            phdr_address = p_vaddr + e_phoff - p_offset
    if not sections:
        raise LoadError(f"{name}: no loadable segments")
    auxv = {AT_PHENT: e_phentsize, AT_PHNUM: e_phnum}
    if phdr_address is not None:
        auxv[AT_PHDR] = phdr_address
    return Program(sections, _symbols(path), entry=e_entry, entry_kind="start",
                   bits=layout.bits, filename=name, auxv=auxv)


def _interp(data: bytes, offset: int, size: int) -> str:
    """The interpreter's name as printable text (the bytes are the file's, any bytes)."""
    raw = data[offset:offset + min(size, 256)].split(b"\0")[0]
    text = raw.decode("ascii", "backslashreplace")
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


def _symbols(path: Path) -> dict[str, Symbol]:
    """Function and object symbols from .symtab, if pyelftools can read one."""
    try:
        from elftools.elf.elffile import ELFFile
        with open(path, "rb") as f:
            table = ELFFile(f).get_section_by_name(".symtab")
            if table is None:
                return {}
            out = {}
            for sym in table.iter_symbols():
                kind = sym["st_info"]["type"]
                if sym.name and kind in ("STT_FUNC", "STT_OBJECT", "STT_NOTYPE") \
                        and sym["st_shndx"] not in ("SHN_UNDEF", "SHN_ABS"):
                    out[sym.name] = Symbol(sym.name, sym["st_value"], sym["st_size"],
                                           {"STT_FUNC": "func", "STT_OBJECT": "object"}
                                           .get(kind, "label"),
                                           exported=sym["st_info"]["bind"] == "STB_GLOBAL")
            return out
    except Exception:                           # a broken symbol table is not fatal
        return {}
