"""The Linux process image, i386 and x86-64: where the stack goes and what is on it at
entry.

At `_start` ESP (RSP) points at argc, then argv[], NULL, envp[], NULL, auxv pairs,
AT_NULL, with the strings and AT_RANDOM's 16 bytes above, as the kernel lays them out;
the words are 4 or 8 bytes and the stack pointer is 16-byte aligned. A program whose
entry is `main` is called like C's runtime would: cdecl (a return address to an exit
stub, then argc, argv, envp) or System V AMD64 (argc, argv, envp in RDI, RSI, RDX).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass

STACK_TOP = 0xC0000000
STACK_TOP64 = 0x7FFFFFFFF000
STACK_SIZE = 8 << 20
EXIT_STUB = 0xFFFFE000               # exit(eax) after `main` returns
GDT_ADDRESS = 0xFFFFF000
# mov ebx, eax ; mov eax, 1 ; int 0x80; then, at +0x10, the signal trampolines a handler
# returns to without SA_RESTORER (Linux keeps them in the vDSO): pop eax ; mov eax, 119
# (sigreturn) ; int 0x80, and at +0x20 mov eax, 173 (rt_sigreturn) ; int 0x80.
EXIT_STUB_CODE = bytes.fromhex("89c3b801000000cd80").ljust(16, b"\xcc") + \
    bytes.fromhex("58b877000000cd80").ljust(16, b"\xcc") + bytes.fromhex("b8ad000000cd80")
# mov edi, eax ; mov eax, 60 ; syscall; at +0x20 mov rax, 15 (rt_sigreturn) ; syscall
EXIT_STUB_CODE64 = bytes.fromhex("89c7b83c0000000f05").ljust(32, b"\xcc") + \
    bytes.fromhex("48c7c00f0000000f05")


@dataclass(frozen=True)
class Image:
    """Where a process of one mode keeps its stack and exit stub."""

    bits: int
    stack_top: int
    exit_stub_code: bytes

    @property
    def word(self) -> int:
        return self.bits // 8


IMAGES = {32: Image(32, STACK_TOP, EXIT_STUB_CODE), 64: Image(64, STACK_TOP64, EXIT_STUB_CODE64)}

AT_NULL, AT_PHDR, AT_PHENT, AT_PHNUM, AT_PAGESZ, AT_ENTRY = 0, 3, 4, 5, 6, 9
AT_UID, AT_EUID, AT_GID, AT_EGID, AT_HWCAP, AT_CLKTCK, AT_SECURE, AT_RANDOM = \
    11, 12, 13, 14, 16, 17, 23, 25
RANDOM_BYTES = bytes(range(0x10, 0x20))      # deterministic, so runs are reproducible


def build_stack(write: Callable[[int, bytes], None], argv: list[bytes], envp: list[bytes],
                auxv: list[tuple[int, int]], top: int = STACK_TOP, word: int = 4) -> int:
    """Write the initial stack below `top` in `word`-byte words; return the stack
    pointer (pointing at argc, 16-byte aligned)."""
    sp = top - 16
    sp -= len(RANDOM_BYTES)
    random_at = sp
    write(sp, RANDOM_BYTES)

    def push_string(s: bytes) -> int:
        nonlocal sp
        sp -= len(s) + 1
        write(sp, s + b"\0")
        return sp

    env_ptrs = [push_string(e) for e in envp]
    arg_ptrs = [push_string(a) for a in argv]
    aux = [(k, random_at if k == AT_RANDOM else v) for k, v in auxv]
    if not any(k == AT_RANDOM for k, _ in aux):
        aux.append((AT_RANDOM, random_at))
    words = [len(argv), *arg_ptrs, 0, *env_ptrs, 0]
    for k, v in aux:
        words += [k, v]
    words += [AT_NULL, 0]
    sp = (sp - word * len(words)) & ~0xF
    write(sp, struct.pack(f"<{len(words)}{'Q' if word == 8 else 'I'}", *words))
    return sp


def default_auxv(entry: int) -> list[tuple[int, int]]:
    return [(AT_PAGESZ, 0x1000), (AT_ENTRY, entry), (AT_UID, 0), (AT_EUID, 0), (AT_GID, 0),
            (AT_EGID, 0), (AT_HWCAP, 0), (AT_CLKTCK, 100), (AT_SECURE, 0)]
