"""Guest inputs from a seed: random machine code, random system call sequences, and
mutated ELF files, each a Program (or ELF bytes) a Machine runs under a budget.

The machine code mixes uniformly random bytes with fragments real code is made of
(prefixes, ModRM forms, string and x87 opcodes, far transfers, int n), so decoding gets
past the first byte often. System calls come mostly from the numbers the kernel knows,
with arguments drawn from values that break kernels: 0, -1, huge sizes, pointers to
valid memory, to its last bytes, to unmapped and to kernel addresses, and paths.
"""

from __future__ import annotations

import random
import struct

from ..kernel import I386_ABI, X86_64_ABI, Kernel
from ..program import Program, Section

CODE32, CODE64, DATA = 0x08048000, 0x00400000, 0x0804C000
DATA64 = 0x00404000
FRAGMENTS = [b"\x66", b"\x67", b"\xf3", b"\xf2", b"\xf0", b"\x2e", b"\x64", b"\x65", b"\x0f",
             b"\x8b\x00", b"\x89\x18", b"\xa4", b"\xf3\xa4", b"\xf3\xab", b"\xf2\xae",
             b"\xd9\xe8", b"\xdd\x00", b"\xd9\xfe", b"\xde\xf9", b"\x0f\x0b", b"\xcd\x80",
             b"\xcd\x03", b"\xcc", b"\xf4", b"\xea\x00\x00\x00\x00\x23\x00", b"\xff\x28",
             b"\xc3", b"\xcb", b"\xcf", b"\xe8\x00\x00\x00\x00", b"\xeb\xfe", b"\x8e\xd8",
             b"\x8e\xe0", b"\x0f\xa1", b"\x9d", b"\x0f\x05", b"\x0f\x34", b"\x0f\xa2",
             b"\x0f\x31", b"\xc5\xf8\x77", b"\x62", b"\xf7\xf1", b"\xf6\xf1", b"\xd4\x00",
             b"\x0f\x01\xd0", b"\x48", b"\x41", b"\x4f"]


def random_code(seed: int, bits: int) -> Program:
    """Up to 64 bytes of code, registers pointing into a data page, then int3."""
    rng = random.Random(f"code{bits}:{seed}")
    code = bytearray()
    # registers first: pointers into the data page or random values
    data = DATA if bits == 32 else DATA64
    for reg in range(8):
        if reg == 4:
            continue                              # keep the stack
        value = data + rng.randrange(0, 0x1000) if rng.random() < 0.6 \
            else rng.getrandbits(32)
        code += bytes([0xB8 + reg]) + struct.pack("<I", value)
    while len(code) < 40 + 64 and rng.random() < 0.97:
        code += rng.choice(FRAGMENTS) if rng.random() < 0.4 else bytes([rng.getrandbits(8)])
    code += b"\xcc"
    base = CODE32 if bits == 32 else CODE64
    sections = [Section(".text", base, bytes(code), "r-x"),
                Section(".data", data, bytes(rng.getrandbits(8) for _ in range(256)),
                        "rw-", 0x1000)]
    return Program(sections, entry=base, bits=bits, filename=f"<code {seed}>")


PATHS = [b"file\0", b"/\0", b"..\0", b"dir/sub\0", b"/etc/passwd\0", b"\0", b"x" * 300 + b"\0",
         b"/proc/self/maps\0", b"a/../../b\0", b"dir\0", b"link\0"]


def syscall_sequence(seed: int, bits: int) -> Program:
    """Up to 12 system calls in a row with hostile arguments, then int3."""
    rng = random.Random(f"calls{bits}:{seed}")
    abi = I386_ABI if bits == 32 else X86_64_ABI
    known = [n for n, name in abi.table.items() if _implemented(abi, name)]
    data = DATA if bits == 32 else DATA64
    blob = b"".join(PATHS)
    pointers = [data, data + 0x100, data + 0xFF8, data + 0xFFF, 0, 1, 0xFFFFF000,
                0xC0000000, data + 0x2000, 0x08048000]
    pointers += [data + 0x200 + blob.index(p) for p in PATHS]
    values = [0, 1, 2, 3, 4, 0xFFFFFFFF, 0x7FFFFFFF, 0x80000000, 4096, 0x10000, 0x1000000,
              0x40000000, 0o777, 0o644, 0x241, 0x42, 0x22, 0x21, 0x10]
    code = bytearray()
    for _ in range(rng.randint(1, 12)):
        number = rng.choice(known) if rng.random() < 0.85 else rng.randrange(0, 460)
        args = [rng.choice(pointers) if rng.random() < 0.45 else
                rng.choice(values) if rng.random() < 0.8 else rng.getrandbits(32)
                for _ in abi.args]
        code += _call(bits, abi, number, args)
    code += b"\xcc"
    base = CODE32 if bits == 32 else CODE64
    payload = bytes(rng.getrandbits(8) for _ in range(0x200)) + blob
    sections = [Section(".text", base, bytes(code), "r-x"),
                Section(".data", data, payload, "rw-", 0x2000)]
    return Program(sections, entry=base, bits=bits, filename=f"<calls {seed}>")


def _implemented(abi, name: str) -> bool:
    method = abi.implementation(name)
    return bool(method) and hasattr(Kernel, f"sys_{method}")


REG32 = {"eax": 0, "ecx": 1, "edx": 2, "ebx": 3, "esi": 6, "edi": 7, "ebp": 5}
REG64 = {"rax": (0x48, 0), "rdi": (0x48, 7), "rsi": (0x48, 6), "rdx": (0x48, 2),
         "r10": (0x49, 2), "r8": (0x49, 0), "r9": (0x49, 1)}


def _call(bits: int, abi, number: int, args: list[int]) -> bytes:
    out = bytearray()
    for reg, value in ((abi.number, number), *zip(abi.args, args, strict=True)):
        if bits == 32:
            out += bytes([0xB8 + REG32[reg]]) + struct.pack("<I", value & 0xFFFFFFFF)
        else:
            rex, code = REG64[reg]
            out += bytes([rex, 0xB8 + code]) + struct.pack("<Q", value & 0xFFFFFFFF)
    return bytes(out + (b"\xcd\x80" if bits == 32 else b"\x0f\x05"))


def base_elf(bits: int) -> bytes:
    """A small valid static executable: code that writes and exits, a data segment."""
    code32 = b"\xb8\x04\x00\x00\x00\xbb\x01\x00\x00\x00\xb9\x00\x90\x04\x08\xba\x03\x00" \
             b"\x00\x00\xcd\x80\xb8\x01\x00\x00\x00\x31\xdb\xcd\x80"
    code64 = b"\xb8\x01\x00\x00\x00\xbf\x01\x00\x00\x00\xbe\x00\x10\x40\x00\xba\x03\x00" \
             b"\x00\x00\x0f\x05\xb8\x3c\x00\x00\x00\x31\xff\x0f\x05"
    if bits == 32:
        text_at, data_at, code = 0x08048000, 0x08049000, code32
        header = b"\x7fELF\x01\x01\x01" + bytes(9) + struct.pack(
            "<HHIIIIIHHHHHH", 2, 3, 1, text_at + 0x74, 52, 0, 0, 52, 32, 2, 40, 0, 0)
        phdrs = struct.pack("<8I", 1, 0, text_at, text_at, 0x74 + len(code),
                            0x74 + len(code), 5, 0x1000)
        phdrs += struct.pack("<8I", 1, 0x1000, data_at, data_at, 3, 0x2000, 6, 0x1000)
    else:
        text_at, data_at, code = 0x00400000, 0x00401000, code64
        header = b"\x7fELF\x02\x01\x01" + bytes(9) + struct.pack(
            "<HHIQQQIHHHHHH", 2, 62, 1, text_at + 0xB0, 64, 0, 0, 64, 56, 2, 64, 0, 0)
        phdrs = struct.pack("<IIQQQQQQ", 1, 5, 0, text_at, text_at, 0xB0 + len(code),
                            0xB0 + len(code), 0x1000)
        phdrs += struct.pack("<IIQQQQQQ", 1, 6, 0x1000, data_at, data_at, 3, 0x2000, 0x1000)
    image = bytearray((header + phdrs).ljust(0x74 if bits == 32 else 0xB0, b"\0") + code)
    image = image.ljust(0x1000, b"\0") + b"hi\n"
    return bytes(image)


INTERESTING = [0, 1, 2, 3, 0x7F, 0xFF, 0x1000, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF,
               0xFFFFF000, 0xC0000000, 0xBFFFF000, 0x08048000, 0x00400000, 0x10000000]


def mutated_elf(seed: int, bits: int) -> bytes:
    """The base executable with header and program-header bytes and fields mutated."""
    rng = random.Random(f"elf{bits}:{seed}")
    image = bytearray(base_elf(bits))
    head = 52 + 2 * 32 if bits == 32 else 64 + 2 * 56
    for _ in range(rng.randint(1, 6)):
        kind = rng.random()
        if len(image) < 16:
            break
        at = rng.randrange(min(head, len(image) - 8))
        if kind < 0.4:
            image[at] = rng.getrandbits(8)
        elif kind < 0.8:
            width = rng.choice((2, 4, 8) if bits == 64 else (2, 4))
            at -= at % width
            value = rng.choice(INTERESTING) & ((1 << 8 * width) - 1)
            image[at:at + width] = value.to_bytes(width, "little")
        elif kind < 0.9:
            del image[rng.randrange(len(image)):]
        else:
            image += bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 64)))
    return bytes(image)
