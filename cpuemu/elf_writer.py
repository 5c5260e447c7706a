"""A Program as a static Linux executable (`cpuemu asm FILE -o OUT`): ELF32 i386 or
ELF64 x86-64, one PT_LOAD per section with its permissions, .bss as memory beyond the
file's bytes, no interpreter and no libc. It runs natively and under `cpuemu run`.

A program whose entry is `main` (the guide's `END main`, or a `main` symbol and no
`_start`) gets a small start routine, as C's runtime would be: it calls main(argc,
argv, envp) by the mode's convention and exits with its return value.
"""

from __future__ import annotations

import struct

from .cpu.memory import PAGE
from .errors import CpuemuError
from .program import Program

PF_X, PF_W, PF_R = 1, 2, 4
PT_LOAD = 1


def start_routine(main: int, at: int, bits: int) -> bytes:
    """Code at `at` that calls `main` the way C's start code does and exits with its
    result (32-bit: cdecl, int 0x80 exit; 64-bit: System V, syscall exit_group)."""
    if bits == 32:
        head = bytes.fromhex("8b0424"          # mov eax, [esp]          argc
                             "8d5c2404"        # lea ebx, [esp+4]        argv
                             "8d4c8304"        # lea ecx, [ebx+eax*4+4]  envp
                             "515350")         # push ecx; push ebx; push eax
        call_at = at + len(head)
        tail = bytes.fromhex("89c3b801000000cd80")   # mov ebx, eax; mov eax, 1; int 0x80
    else:
        head = bytes.fromhex("488b3c24"        # mov rdi, [rsp]          argc
                             "488d742408"      # lea rsi, [rsp+8]        argv
                             "488d54fe08")     # lea rdx, [rsi+rdi*8+8]  envp
        call_at = at + len(head)
        tail = bytes.fromhex("89c7b8e70000000f05")   # mov edi, eax; mov eax, 231; syscall
    return head + b"\xe8" + struct.pack("<i", main - (call_at + 5)) + tail


def elf_bytes(program: Program) -> bytes:
    """The executable file for `program`."""
    sections = [s for s in program.sections if s.size]
    entry = program.entry
    loads = [(s.address, s.data, s.size, s.perms) for s in sections]
    if program.entry_kind == "main":
        at = -(-max(s.address + s.size for s in sections) // PAGE) * PAGE
        stub = start_routine(program.entry, at, program.bits)
        loads.append((at, stub, len(stub), "r-x"))
        entry = at
    wide = program.bits == 64
    header_size, phdr_size = (64, 56) if wide else (52, 32)
    offset = header_size + phdr_size * len(loads)
    phdrs, body = [], bytearray()
    for address, data, size, perms in loads:
        offset = -(-offset // PAGE) * PAGE + address % PAGE       # congruent mod the page
        flags = (PF_R if "r" in perms else 0) | (PF_W if "w" in perms else 0) | \
            (PF_X if "x" in perms else 0)
        phdrs.append((offset, address, len(data), size, flags))
        body += bytes(offset - header_size - phdr_size * len(loads) - len(body)) + data
        offset += len(data)
    ident = b"\x7fELF" + bytes([2 if wide else 1, 1, 1, 0]) + bytes(8)
    if wide:
        header = ident + struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, entry, header_size, 0, 0,
                                     header_size, phdr_size, len(loads), 64, 0, 0)
        table = b"".join(struct.pack("<IIQQQQQQ", PT_LOAD, flags, off, addr, addr, filesz,
                                     memsz, PAGE) for off, addr, filesz, memsz, flags in phdrs)
    else:
        header = ident + struct.pack("<HHIIIIIHHHHHH", 2, 3, 1, entry, header_size, 0, 0,
                                     header_size, phdr_size, len(loads), 40, 0, 0)
        table = b"".join(struct.pack("<8I", PT_LOAD, off, addr, addr, filesz, memsz, flags,
                                     PAGE) for off, addr, filesz, memsz, flags in phdrs)
    return header + table + bytes(body)


def write_elf(program: Program, path: str) -> None:
    """Write the executable, mode 0755."""
    import os
    data = elf_bytes(program)
    try:
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, 0o755)
    except OSError as e:
        raise CpuemuError(f"cannot write {path}: {e.strerror}") from None
