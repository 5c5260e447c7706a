"""The process's memory calls: brk, mmap2, old_mmap, munmap, mprotect.

The heap starts at the page after the program's highest section and grows up; mmap
hands out regions from 0xB7000000 downwards, as i386 Linux's legacy layout does.
File mappings are private copies (MAP_SHARED writes do not reach the file).
"""

from __future__ import annotations

import os
import struct
from typing import TYPE_CHECKING

from ..cpu.memory import PAGE, R, W, X
from ..cpu.registers import c_int
from .errno import EACCES, EINVAL, ENODEV, ENOMEM, KernelError

if TYPE_CHECKING:
    from ..machine import Machine

MMAP_TOP = 0xB7000000
MMAP_BOTTOM = 0x10000000
BRK_LIMIT = 0x40000000                 # the heap may not grow past 1 GiB
MAP_SHARED, MAP_PRIVATE, MAP_FIXED, MAP_ANONYMOUS = 1, 2, 0x10, 0x20
PROT_READ, PROT_WRITE, PROT_EXEC = 1, 2, 4


def page_up(value: int) -> int:
    return (value + PAGE - 1) & ~(PAGE - 1)


def perms_of(prot: int) -> int:
    return (R if prot & PROT_READ else 0) | (W if prot & PROT_WRITE else 0) | \
        (X if prot & PROT_EXEC else 0)


class MemoryCalls:
    def __init__(self):
        self.brk_start: int | None = None
        self.brk_end = 0

    def _heap(self, machine: Machine) -> None:
        if self.brk_start is None:
            self.brk_start = self.brk_end = page_up(machine.program.end)

    def sys_brk(self, machine: Machine, address: int, *_) -> int:
        self._heap(machine)
        if address < self.brk_start or address > BRK_LIMIT:
            return self.brk_end
        old_top, new_top = page_up(self.brk_end), page_up(address)
        if new_top > old_top:
            if self._mapped(machine, old_top, new_top - old_top) or \
                    not self._affordable(machine, new_top - old_top):
                return self.brk_end               # something is in the way, or no memory
            machine.engine.map(old_top, new_top - old_top, R | W)
        elif new_top < old_top:
            machine.engine.unmap(new_top, old_top - new_top)
        self.brk_end = address
        return address

    def _affordable(self, machine: Machine, more: int) -> bool:
        """Would `more` newly mapped bytes stay within the machine's memory budget?"""
        return machine.engine.mapped_bytes() + more <= machine.max_memory

    def _mapped(self, machine: Machine, start: int, size: int) -> int:
        """How many bytes of [start, start+size) are mapped."""
        return sum(min(r.start + r.size, start + size) - max(r.start, start)
                   for r in machine.engine.regions()
                   if r.start < start + size and start < r.start + r.size)

    def _free_area(self, machine: Machine, size: int) -> int:
        regions = sorted(machine.engine.regions(), key=lambda r: r.start, reverse=True)
        top = MMAP_TOP
        for r in regions:
            if r.start >= top:
                continue
            if r.start + r.size <= top - size:
                break
            top = min(top, r.start)
        if top - size < MMAP_BOTTOM:
            raise KernelError(ENOMEM)
        return top - size

    def sys_mmap2(self, machine: Machine, address: int, length: int, prot: int, flags: int,
                  fd: int, page_offset: int, *_) -> int:
        return self._mmap(machine, address, length, prot, flags, fd, page_offset * PAGE)

    def sys_mmap(self, machine: Machine, address: int, length: int, prot: int, flags: int,
                 fd: int, offset: int, *_) -> int:
        """x86-64 mmap: the offset in bytes, a multiple of the page size."""
        if offset % PAGE:
            raise KernelError(EINVAL)
        return self._mmap(machine, address, length, prot, flags, fd, offset)

    def sys_old_mmap(self, machine: Machine, args: int, *_) -> int:
        address, length, prot, flags, fd, offset = struct.unpack("<6I", machine.read(args, 24))
        if offset % PAGE:
            raise KernelError(EINVAL)
        return self._mmap(machine, address, length, prot, flags, fd, offset)

    def _mmap(self, machine: Machine, address: int, length: int, prot: int, flags: int,
              fd: int, offset: int) -> int:
        if length == 0 or length > 0xC0000000 or not flags & (MAP_SHARED | MAP_PRIVATE):
            raise KernelError(EINVAL)
        size = page_up(length)
        data = b""
        if not flags & MAP_ANONYMOUS:
            data = self._file_data(c_int(fd), length, offset, prot, flags)
        if flags & MAP_FIXED:
            if address % PAGE or address + size > 0xC0000000:
                raise KernelError(EINVAL)
            if not self._affordable(machine, size - self._mapped(machine, address, size)):
                raise KernelError(ENOMEM)
            machine.engine.unmap(address, size)
        else:
            if not self._affordable(machine, size):
                raise KernelError(ENOMEM)
            if not (address and address % PAGE == 0 and MMAP_BOTTOM <= address
                    and address + size <= MMAP_TOP and not self._mapped(machine, address, size)):
                address = self._free_area(machine, size)      # the hint is taken when free
        machine.engine.map(address, size, R | W)              # fresh pages are zero
        if data:
            machine.engine.write(address, data, need=0)
        machine.engine.protect(address, size, perms_of(prot))
        return address

    def _file_data(self, fd: int, length: int, offset: int, prot: int, flags: int) -> bytes:
        """What a private mapping of `fd` starts with: at most the file's bytes (a
        mapping past the end reads zeros), checked as Linux checks the descriptor."""
        file = self.fds.get(fd)
        if not hasattr(file, "fd") or getattr(file, "is_dir", False):
            raise KernelError(ENODEV)             # consoles, pipes, directories
        if not file.readable or (flags & MAP_SHARED and prot & PROT_WRITE and not file.writable):
            raise KernelError(EACCES)
        if offset < 0:
            raise KernelError(EINVAL)
        available = max(os.fstat(file.fd).st_size - offset, 0)
        return os.pread(file.fd, min(length, available), offset) if available else b""

    def sys_munmap(self, machine: Machine, address: int, length: int, *_) -> int:
        if address % PAGE or length == 0:
            raise KernelError(EINVAL)
        machine.engine.unmap(address, page_up(length))
        return 0

    def sys_mprotect(self, machine: Machine, address: int, length: int, prot: int, *_) -> int:
        if address % PAGE:
            raise KernelError(EINVAL)
        size = page_up(length)
        regions = machine.engine.regions()
        for page in range(address, address + size, PAGE):
            if not any(r.start <= page < r.start + r.size for r in regions):
                raise KernelError(ENOMEM)
        machine.engine.protect(address, size, perms_of(prot))
        return 0
