"""Paged memory: permissions, faults with addresses, all-or-nothing writes, regions,
pages allocated when touched, and the mapping kept as runs."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cpuemu.cpu.memory import PAGE, RW, RX, Memory, MemoryFault, Region
from cpuemu.cpu.pagemap import PageMap


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


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("set clear protect".split()), st.integers(0, 40),
                          st.integers(0, 12), st.integers(1, 7)), max_size=30))
def test_a_page_map_is_a_dict_of_pages_kept_as_merged_runs(operations):
    """PageMap against the obvious model: one entry per page."""
    pages, model = PageMap(), {}
    for op, first, length, perms in operations:
        end = first + length
        if op == "set":
            pages.set(first, end, perms)
            model.update(dict.fromkeys(range(first, end), perms))
        elif op == "clear":
            pages.clear(first, end)
            for page in range(first, end):
                model.pop(page, None)
        else:
            pages.protect(first, end, perms)
            model.update({p: perms for p in range(first, end) if p in model})
        assert [pages.get(p) for p in range(60)] == [model.get(p) for p in range(60)]
        assert len(pages) == len(model)
        runs = pages.runs()
        assert all(a[1] < b[0] or (a[1] == b[0] and a[2] != b[2]) for a, b in zip(runs, runs[1:], strict=False))
        assert sum(b - a for a, b, _ in pages.runs(10, 20)) == \
            sum(1 for p in range(10, 20) if p in model)


def test_pages_are_allocated_when_touched_not_when_mapped():
    mem = Memory()
    mem.map(0x10000000, 1 << 30, RW)                 # 1 GiB
    assert mem.mapped_bytes() == 1 << 30 and not mem.pages
    assert mem.read(0x10000000, 4) == bytes(4) and not mem.pages    # reading zeros
    mem.write(0x20000000, b"x")
    mem.write(0x30000000, bytes(100))                # zeros need no page either
    assert list(mem.pages) == [0x20000]
    assert mem.reader(4)(0x3FFFFFFC) == 0 and len(mem.pages) == 2   # the interpreter's
    mem.unmap(0x10000000, 1 << 30)
    assert not mem.pages and mem.mapped_bytes() == 0
