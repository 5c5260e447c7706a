"""The flat segment model Linux gives a process, and the GDT both engines install.

Measured natively here for a 32-bit process: CS=0x23, DS=ES=SS=0x2b, FS=GS=0, every base
0 and limit 4 GiB; `set_thread_area` hands out GDT entry 12 (selector 0x63) for TLS.
For a 64-bit process: CS=0x33 (a long-mode code segment), SS=0x2b, DS=ES=FS=GS=0;
FS and GS bases live in FS_BASE/GS_BASE (arch_prctl), not in descriptors.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

USER_CS, USER_DS, TLS_SELECTOR = 0x23, 0x2B, 0x63
USER_CS64 = 0x33
TLS_ENTRY = 12
GDT_ENTRIES = 16
LINUX_SELECTORS = {"cs": USER_CS, "ds": USER_DS, "es": USER_DS, "ss": USER_DS,
                   "fs": 0, "gs": 0}
LINUX_SELECTORS64 = {"cs": USER_CS64, "ds": 0, "es": 0, "ss": USER_DS, "fs": 0, "gs": 0}


def linux_selectors(bits: int) -> dict[str, int]:
    """The segment registers of a new Linux process of this mode."""
    return LINUX_SELECTORS64 if bits == 64 else LINUX_SELECTORS

ACCESS_CODE_DPL3 = 0xFB     # present, ring 3, code, readable, accessed
ACCESS_DATA_DPL3 = 0xF3     # present, ring 3, data, writable, accessed
ACCESS_DATA_DPL0 = 0x93     # present, ring 0, data, writable, accessed
FLAGS_32_PAGES = 0xC        # 32-bit, limit in 4 KiB pages
FLAGS_64_PAGES = 0xA        # long mode (L), limit in 4 KiB pages


@dataclass(frozen=True)
class Segment:
    """What a selector means: its base and limit (bytes, inclusive)."""

    selector: int
    base: int = 0
    limit: int = 0xFFFFFFFF


def descriptor(base: int, limit_pages: int, access: int, flags: int = FLAGS_32_PAGES) -> bytes:
    """One 8-byte GDT descriptor in the processor's scattered layout."""
    value = ((limit_pages & 0xFFFF) | (base & 0xFFFFFF) << 16 | access << 40
             | ((limit_pages >> 16) & 0xF) << 48 | flags << 52 | (base >> 24) << 56)
    return struct.pack("<Q", value)


def decode_descriptor(raw: bytes) -> tuple[int, int]:
    """(base, limit in bytes) of an 8-byte descriptor."""
    (value,) = struct.unpack("<Q", raw)
    base = (value >> 16) & 0xFFFFFF | ((value >> 56) & 0xFF) << 24
    limit = value & 0xFFFF | ((value >> 48) & 0xF) << 16
    if (value >> 55) & 1:
        limit = (limit << 12) | 0xFFF
    return base, limit


def linux_gdt(tls_base: int | None = None) -> bytearray:
    """The GDT of a Linux i386 process: user code 0x23, user data 0x2b, optional TLS 0x63.

    Entry 2 (selector 0x10) is a ring-0 data segment: Unicorn runs at CPL 0 and refuses
    SS=0x2b, so its engine loads 0x10 into SS and shows 0x2b at the register interface.
    """
    gdt = bytearray(GDT_ENTRIES * 8)
    gdt[2 * 8:3 * 8] = descriptor(0, 0xFFFFF, ACCESS_DATA_DPL0)
    gdt[(USER_CS >> 3) * 8:(USER_CS >> 3) * 8 + 8] = descriptor(0, 0xFFFFF, ACCESS_CODE_DPL3)
    gdt[(USER_DS >> 3) * 8:(USER_DS >> 3) * 8 + 8] = descriptor(0, 0xFFFFF, ACCESS_DATA_DPL3)
    gdt[(USER_CS64 >> 3) * 8:(USER_CS64 >> 3) * 8 + 8] = descriptor(
        0, 0xFFFFF, ACCESS_CODE_DPL3, FLAGS_64_PAGES)
    if tls_base is not None:
        gdt[TLS_ENTRY * 8:TLS_ENTRY * 8 + 8] = descriptor(tls_base, 0xFFFFF, ACCESS_DATA_DPL3)
    return gdt
