"""Paged memory: permissions, faults with addresses, all-or-nothing writes, regions."""

from __future__ import annotations

import pytest

from cpuemu.cpu.memory import PAGE, RW, RX, Memory, MemoryFault, Region


def test_read_write_across_pages():
    mem = Memory()
    mem.map(0x1000, 2 * PAGE, RW)
    mem.write(0x1FFE, b"abcd")
    assert mem.read(0x1FFE, 4) == b"abcd"
    assert mem.read(0x2000, 2) == b"cd"


def test_fault_carries_first_bad_address():
    mem = Memory()
    mem.map(0x1000, PAGE, RW)
    with pytest.raises(MemoryFault) as info:
        mem.read(0x1FFE, 4)
    assert (info.value.address, info.value.access, info.value.mapped) == (0x2000, "read", False)


def test_write_to_read_only_changes_nothing():
    mem = Memory()
    mem.map(0x1000, PAGE, RW)
    mem.map(0x2000, PAGE, RX)
    with pytest.raises(MemoryFault) as info:
        mem.write(0x1FFE, b"wxyz")
    assert info.value.address == 0x2000 and info.value.mapped
    assert mem.read(0x1FFE, 2) == b"\0\0"


def test_regions_merge_equal_neighbours():
    mem = Memory()
    mem.map(0x1000, PAGE, RW)
    mem.map(0x2000, PAGE, RW)
    mem.map(0x3000, PAGE, RX)
    assert mem.regions() == [Region(0x1000, 2 * PAGE, RW), Region(0x3000, PAGE, RX)]
    mem.unmap(0x2000, PAGE)
    assert not mem.is_mapped(0x2000)
