"""The Linux i386 process image: where the stack goes and what is on it at entry.

At `_start` ESP points at argc, then argv[], NULL, envp[], NULL, auxv pairs, AT_NULL,
with the strings and AT_RANDOM's 16 bytes above, as the kernel lays them out.
A program whose entry is `main` is called like C's runtime would: a return address to
an exit stub, then argc, argv, envp.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

STACK_TOP = 0xC0000000
STACK_SIZE = 8 << 20
EXIT_STUB = 0xFFFFE000               # exit(eax) after `main` returns
GDT_ADDRESS = 0xFFFFF000
# mov ebx, eax ; mov eax, 1 ; int 0x80
EXIT_STUB_CODE = bytes.fromhex("89c3b801000000cd80")

AT_NULL, AT_PHDR, AT_PHENT, AT_PHNUM, AT_PAGESZ, AT_ENTRY = 0, 3, 4, 5, 6, 9
AT_UID, AT_EUID, AT_GID, AT_EGID, AT_HWCAP, AT_CLKTCK, AT_SECURE, AT_RANDOM = \
    11, 12, 13, 14, 16, 17, 23, 25
RANDOM_BYTES = bytes(range(0x10, 0x20))      # deterministic, so runs are reproducible


def build_stack(write: Callable[[int, bytes], None], argv: list[bytes], envp: list[bytes],
                auxv: list[tuple[int, int]], top: int = STACK_TOP) -> int:
    """Write the initial stack below `top`; return ESP (pointing at argc)."""
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
    sp = (sp - 4 * len(words)) & ~0xF
    write(sp, struct.pack(f"<{len(words)}I", *words))
    return sp


def default_auxv(entry: int) -> list[tuple[int, int]]:
    return [(AT_PAGESZ, 0x1000), (AT_ENTRY, entry), (AT_UID, 0), (AT_EUID, 0), (AT_GID, 0),
            (AT_EGID, 0), (AT_HWCAP, 0), (AT_CLKTCK, 100), (AT_SECURE, 0)]
