"""Hostile input never crashes, hangs or exhausts the host: each reproducer of the
robustness audit, on both engines where both apply. A guest gets Linux's answer (a
-errno, a signal); a library user gets a Stop or a CpuemuError; the host stays well."""

from __future__ import annotations

import os
import re
import resource
import shutil
import signal
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from cpuemu import Machine, assemble
from cpuemu.cpu.memory import RW, R
from cpuemu.elf import load_elf
from cpuemu.errors import AssemblyError, LoadError
from cpuemu.kernel.errno import (
    EACCES,
    EINVAL,
    EISDIR,
    ENAMETOOLONG,
    ENODEV,
    ENOMEM,
    ENOSPC,
    EPIPE,
    from_host,
)
from cpuemu.limits import MAX_IO

from .guest import syscall, trap_machine

SYS_OPEN, SYS_CLOSE, SYS_MKDIR, SYS_CHDIR, SYS_RMDIR = 5, 6, 39, 12, 40
SYS_TIME, SYS_BRK, SYS_GETTIMEOFDAY, SYS_MUNMAP, SYS_MPROTECT = 13, 45, 78, 91, 125
SYS_WRITEV, SYS_NANOSLEEP, SYS_PREAD64, SYS_PWRITE64 = 146, 162, 180, 181
SYS_MMAP2, SYS_GETDENTS64 = 192, 220
O_RDONLY, O_WRONLY_CREAT, O_DIRECTORY = 0, 0o101, 0o200000
PROT_RW, MAP_PRIVATE_ANON, MAP_FIXED, MAP_PRIVATE = 3, 0x22, 0x10, 2
MiB = 1 << 20


@pytest.fixture
def guest(tmp_path, engine):
    root = tmp_path / "root"
    root.mkdir()
    (root / "file.txt").write_bytes(b"contents")
    (root / "dir").mkdir()
    machine = trap_machine(engine, root=str(root))
    machine.root = root
    return machine


def mapped(result: int) -> int:
    """An address mmap2 returned (signed as it comes back), checked not to be -errno."""
    assert not -4096 < result < 0, result
    return result & 0xFFFFFFFF


def buffer(machine: Machine, size: int) -> int:
    """Guest memory to pass as a buffer: an anonymous mapping."""
    return mapped(syscall(machine, SYS_MMAP2, 0, size, PROT_RW, MAP_PRIVATE_ANON, -1, 0))


# -- 2. host exceptions inside system calls become Linux's errno -----------------------

def test_pread_and_pwrite_at_a_negative_offset_are_einval(guest):
    fd = syscall(guest, SYS_OPEN, "file.txt", 2)
    buf = buffer(guest, 4096)
    assert syscall(guest, SYS_PREAD64, fd, buf, 4, 0xFFFFFFFF, 0xFFFFFFFF) == -EINVAL
    assert syscall(guest, SYS_PWRITE64, fd, buf, 4, 0xFFFFFFFF, 0xFFFFFFFF) == -EINVAL
    assert syscall(guest, SYS_PREAD64, fd, buf, 4, 2, 0) == 4
    assert guest.read(buf, 4) == b"nten"


def test_pread_of_a_directory_is_eisdir(guest):
    fd = syscall(guest, SYS_OPEN, "dir", O_RDONLY | O_DIRECTORY)
    assert syscall(guest, SYS_PREAD64, fd, buffer(guest, 4096), 16, 0, 0) == -EISDIR


def test_mmap_of_a_directory_or_a_write_only_file_is_refused(guest):
    directory = syscall(guest, SYS_OPEN, "dir", O_RDONLY | O_DIRECTORY)
    assert syscall(guest, SYS_MMAP2, 0, 4096, 1, MAP_PRIVATE, directory, 0) == -ENODEV
    writer = syscall(guest, SYS_OPEN, "new.txt", O_WRONLY_CREAT, 0o644)
    assert syscall(guest, SYS_MMAP2, 0, 4096, 1, MAP_PRIVATE, writer, 0) == -EACCES
    reader = syscall(guest, SYS_OPEN, "file.txt", O_RDONLY)
    address = mapped(syscall(guest, SYS_MMAP2, 0, 1 << 20, 1, MAP_PRIVATE, reader, 0))
    assert guest.read(address, 9) == b"contents\0"          # past the end: zeros


def test_getdents_reads_through_the_descriptor_not_the_path(guest):
    """Open a directory, remove it, put a link to the host's /etc in its place: the old
    descriptor lists nothing (as on Linux), never the host's names."""
    (guest.root / "gone").mkdir()
    fd = syscall(guest, SYS_OPEN, "gone", O_RDONLY | O_DIRECTORY)
    assert syscall(guest, SYS_RMDIR, "gone") == 0
    os.symlink("/etc", guest.root / "etc-link")
    os.rename(guest.root / "etc-link", guest.root / "gone")
    buf = buffer(guest, 65536)
    assert syscall(guest, SYS_GETDENTS64, fd, buf, 65536) == 0
    live = syscall(guest, SYS_OPEN, "dir", O_RDONLY | O_DIRECTORY)
    size = syscall(guest, SYS_GETDENTS64, live, buf, 65536)
    assert size > 0 and b"passwd" not in guest.read(buf, size)


def test_deep_directories_end_in_an_errno(guest):
    """Twenty levels of 255-character names: past the host's PATH_MAX, whose
    ENAMETOOLONG reaches the guest as an errno, never as a host exception."""
    name = "d" * 255
    results = []
    for _ in range(20):
        results.append(syscall(guest, SYS_MKDIR, name, 0o755))
        if results[-1] == 0:
            assert syscall(guest, SYS_CHDIR, name) == 0
    results.append(syscall(guest, SYS_OPEN, "f", O_WRONLY_CREAT, 0o644))
    assert set(results[:5]) == {0} and -ENAMETOOLONG in results
    assert all(r == 0 or r == -ENAMETOOLONG for r in results[:-1])


@pytest.mark.skipif(os.geteuid() == 0, reason="root may open anything: needs a user")
def test_a_directory_without_permissions_is_eacces(guest):
    assert syscall(guest, SYS_MKDIR, "locked", 0) == 0
    assert syscall(guest, SYS_OPEN, "locked/f", O_WRONLY_CREAT, 0o644) == -EACCES


def test_host_errors_map_by_name():
    assert from_host(PermissionError(13, "x")) == EACCES
    assert from_host(OSError(28, "x")) == ENOSPC
    assert from_host(BrokenPipeError(32, "x")) == EPIPE
    assert from_host(OSError(None, "no errno")) == 5                # EIO


def test_a_clock_moved_decades_by_sleeping_still_tells_the_time(guest):
    timespec = struct.pack("<ii", 0x7FFFFFFF, 0)
    assert syscall(guest, SYS_NANOSLEEP, timespec, 0) == 0
    assert syscall(guest, SYS_TIME, 0) != 0                          # wrapped, as i386 does
    assert syscall(guest, SYS_GETTIMEOFDAY, buffer(guest, 4096), 0) == 0


# -- 5. memory: a budget, pages allocated when touched ----------------------------------

def test_mappings_past_the_memory_budget_are_enomem(guest):
    assert syscall(guest, SYS_MMAP2, 0, 0xA0000000, PROT_RW, MAP_PRIVATE_ANON, -1, 0) \
        == -ENOMEM
    assert syscall(guest, SYS_MMAP2, 0x10000000, 0xC0000000 - 0x10000000, PROT_RW,
                   MAP_PRIVATE_ANON | MAP_FIXED, -1, 0) < 0
    start = syscall(guest, SYS_BRK, 0)
    assert syscall(guest, SYS_BRK, start + 0x3F000000) == start      # 1 GiB: refused
    assert syscall(guest, SYS_BRK, start + 16 * MiB) == start + 16 * MiB


def test_a_larger_budget_maps_more_without_spending_host_memory(engine):
    machine = trap_machine(engine, max_memory=3 << 30)
    address = mapped(syscall(machine, SYS_MMAP2, 0, 0x90000000, PROT_RW, MAP_PRIVATE_ANON,
                             -1, 0))
    machine.write(address + 0x8FFFFFF0, b"far end")
    assert machine.read(address + 0x8FFFFFF0, 7) == b"far end"
    if engine == "interp":                         # two pages touched, not 589,824
        assert len(machine.engine.mem.pages) < 64
    assert syscall(machine, SYS_MUNMAP, address, 0x90000000) == 0


def test_protecting_and_unmapping_work_on_runs_of_pages(engine):
    """Unicorn regions split per call: per-page calls made 16 MiB take minutes."""
    machine = trap_machine(engine)
    size = 64 * MiB
    address = mapped(syscall(machine, SYS_MMAP2, 0, size, PROT_RW, MAP_PRIVATE_ANON, -1, 0))
    assert syscall(machine, SYS_MPROTECT, address + MiB, 32 * MiB, 1) == 0
    regions = [r for r in machine.engine.regions() if address <= r.start < address + size]
    assert [(r.start - address, r.size, r.perms) for r in regions] == \
        [(0, MiB, RW), (MiB, 32 * MiB, R), (33 * MiB, 31 * MiB, RW)]
    if engine == "unicorn":
        assert len(list(machine.engine.uc.mem_regions())) < 16
    assert syscall(machine, SYS_MUNMAP, address, size) == 0
    assert not any(address <= r.start < address + size for r in machine.engine.regions())


def test_writev_moves_at_most_max_io_per_call(engine):
    sink = open(os.devnull, "wb")                  # noqa: SIM115 (closed below)
    machine = trap_machine(engine, capture=False, stdout=sink)
    data = buffer(machine, 16 * MiB)
    vectors = struct.pack("<2I", data, 16 * MiB) * 1024
    assert syscall(machine, SYS_WRITEV, 1, vectors, 1024) == MAX_IO
    sink.close()


def test_captured_output_is_bounded(engine, monkeypatch):
    monkeypatch.setattr("cpuemu.kernel.streams.MAX_CAPTURE", 10)
    machine = trap_machine(engine)
    assert syscall(machine, 4, 1, b"0123456789abcdef", 16) == 16
    assert machine.stdout == b"0123456789" and machine.streams.out.dropped == 6


# -- 6. the assembler: only AssemblyError, never a hang ----------------------------------

ASSEMBLER_REPRODUCERS = [
    ("gas", "lea (%ax,%esp), %eax", "cannot be an index"),
    ("nasm", "mov eax, 1 << -1", "shift count -1"),
    ("gas", "movl $08, %eax", "bad number"),
    ("nasm", '%include "a\0b"', "cannot include"),
    ("nasm", "dd 1 << 80000", "shift count 80000"),
    ("nasm", "dd " + "9" * 5000, "bad number"),
    ("nasm", "dd 0x7fffffff" + "9" * 5000, "number too large"),
    ("nasm", "mov eax, [eax*(1/0)]", "scale must be"),
    ("nasm", "dd 5 / 0", "division by zero"),
    ("nasm", "section .bss\nresb 0xffffffffffffffffff", "limit of 1024 MiB"),
    ("nasm", "section .bss\nresw 0xffffffff", "limit of 1024 MiB"),
    ("nasm", "section .data\nresb 0x80000000", "limit of 64 MiB"),
    ("gas", ".p2align 0x46", "limit of 64 MiB"),
    ("guide", ".DATA\nx DW 0ffffffffh DUP(?)", "limit of 64 MiB"),
    ("guide", ".DATA\nx DW 'abcdefghijk' DUP(?)", "limit of 64 MiB"),
    ("nasm", "dd 3 << 99999999999999999999", "shift count"),
    ("nasm", "times 0ffffffffh dd 1", "262,144 repetitions"),
    ("nasm", "align 0x80000000", "limit of 64 MiB"),
    ("nasm", '%include "/dev/zero"', "not a regular file"),
    ("nasm", "mov eax, " + "(" * 3000 + "1" + ")" * 3000, "nested too deeply"),
    ("nasm", "dd (1 << 100) * (1 << 100)", "value too large"),
]


@pytest.mark.parametrize("dialect, source, words", ASSEMBLER_REPRODUCERS)
def test_the_assembler_refuses_hostile_sources_with_an_assembly_error(dialect, source, words):
    with pytest.raises(AssemblyError, match=re.escape(words)):
        assemble(source, dialect=dialect)


def test_gas_fill_bytes_are_truncated_to_a_byte():
    program = assemble('.data\nx: .skip 2, "yz"\n', dialect="gas")
    assert program.section(".data").data == b"yy"


def test_a_large_bss_costs_no_memory_to_assemble():
    program = assemble("section .bss\nbig resb 0x20000000\nsection .text\nglobal _start\n"
                       "_start: mov eax, 1\n int 0x80\n", dialect="nasm")
    assert program.section(".bss").size == 0x20000000 and program.section(".bss").data == b""
    assert Machine(program, engine="interp").run_to_exit() == 0


# -- 4. rep counts against the budget; run(timeout=) -------------------------------------

REP = """section .bss
buf resb 4096
section .text
global _start
_start:
    mov ecx, 0xffffffff
    mov edi, buf
    rep stosb
"""


@pytest.mark.parametrize("budget", [3, 4, 100])
def test_a_budget_stops_rep_part_way_at_the_same_iteration_on_both_engines(budget):
    program = assemble(REP, dialect="nasm")
    machines = [Machine(program, engine=e) for e in ("interp", "unicorn")]
    stops = [m.run(budget) for m in machines]
    assert [s.reason for s in stops] == ["budget", "budget"]
    assert machines[0].snapshot() == machines[1].snapshot()
    assert machines[0].regs.ecx == 0xFFFFFFFF - (budget - 2)
    assert machines[0].pc == machines[0].symbol("_start") + 10     # still on the rep


def test_run_with_a_timeout_returns_and_can_resume(engine):
    program = assemble("section .text\n_start: inc eax\n jmp _start\n", dialect="nasm")
    machine = Machine(program, engine=engine)
    stop = machine.run(timeout=0.2)
    assert stop.reason == "timeout" and machine.exit_status is None
    count = machine.regs.eax
    assert machine.run(timeout=0.1).reason == "timeout" and machine.regs.eax != count


# -- 7. malformed ELF files --------------------------------------------------------------

def elf32(segments: list[tuple[int, int, int, int]], entry: int = 0x08048000,
          extra: bytes = b"") -> bytes:
    """An ELF32 i386 executable: (p_type, p_vaddr, p_filesz, p_memsz) per header."""
    phoff = 52
    header = b"\x7fELF\x01\x01\x01" + bytes(9) + struct.pack(
        "<HHIIIIIHHHHHH", 2, 3, 1, entry, phoff, 0, 0, 52, 32, len(segments), 0, 0, 0)
    table = b"".join(struct.pack("<8I", t, 0, v, v, f, m, 5, 0x1000)
                     for t, v, f, m in segments)
    return header + table + extra + b"\x90" * 64


@pytest.mark.parametrize("segment, words", [
    ((1, 0xFFFFF000, 0x100, 0x1000), "past the user address space"),
    ((1, 0xFFFF0000, 0x100, 0x20000), "past the user address space"),
    ((1, 0x08048000, 0x100, 0xFFFFFFFF), "past the user address space"),
    ((1, 0x08048000, 0x100, 0xC0000000), "--max-memory"),
])
def test_malformed_segments_are_load_errors(tmp_path, engine, segment, words):
    path = tmp_path / "bad.elf"
    path.write_bytes(elf32([segment]))
    with pytest.raises(LoadError, match=words.replace("-", r"\-")):
        Machine(load_elf(path), engine=engine)


def test_the_interpreter_name_of_a_dynamic_elf_is_printable(tmp_path):
    path = tmp_path / "dyn.elf"
    name_at = 52 + 2 * 32
    data = bytearray(elf32([(3, 0, 12, 12), (1, 0x08048000, 0x100, 0x100)]))
    struct.pack_into("<I", data, 52 + 4, name_at)                     # PT_INTERP p_offset
    data[name_at:name_at + 12] = b"/lib/\x1b[2J\x07ld\0"
    path.write_bytes(bytes(data))
    with pytest.raises(LoadError) as caught:
        load_elf(path)
    assert "\x1b" not in str(caught.value) and "\\x1b" in str(caught.value)


# -- 9. the Unicorn engine ends runs where the interpreter does --------------------------

ENDINGS = {
    "jump to the last address": ("mov eax, 0xffffffff\n jmp eax", "page-fault", 0xFFFFFFFF),
    "code made non-executable": (
        "mov eax, 125\n mov ebx, _start\n and ebx, 0xfffff000\n mov ecx, 4096\n"
        " mov edx, 3\n int 0x80\n nop", "page-fault", "after"),
    "reading the GDT's page": ("mov eax, [0xfffff020]", "page-fault", 0),
    "sysenter": ("sysenter", "invalid-opcode", 0),
    "syscall in 32-bit code": ("syscall", "invalid-opcode", 0),
}


@pytest.mark.parametrize("name", list(ENDINGS))
def test_runs_end_alike_on_both_engines(name):
    code, kind, _ = ENDINGS[name]
    program = assemble(f"section .text\nglobal _start\n_start:\n {code}\n", dialect="nasm")
    results = []
    for engine in ("interp", "unicorn"):
        machine = Machine(program, engine=engine)
        stop = machine.run(1000)
        assert stop.reason == "fault" and stop.fault.kind == kind, (engine, stop)
        results.append((stop.eip, stop.fault.address, machine.regs.as_dict()))
    assert results[0] == results[1]


def test_segment_loads_still_read_the_gdt_on_unicorn():
    src = "section .text\nglobal _start\n_start:\n mov ax, ds\n mov es, ax\n push es\n pop fs\n" \
          " mov ebx, 0\n mov eax, 1\n int 0x80\n"
    assert Machine(assemble(src, dialect="nasm"), engine="unicorn").run_to_exit() == 0


# -- 8 and 10. the host's streams and address space --------------------------------------

HELLO = Path(__file__).resolve().parent.parent / "asm_samples" / "hello_nasm.asm"
CPUEMU = [sys.executable, "-m", "cpuemu"]


def cpuemu(*args: str, **options) -> subprocess.CompletedProcess:
    return subprocess.run([*CPUEMU, *args], capture_output=True, timeout=120, **options)


@pytest.mark.parametrize("redirect", [">&-", "2>&-", ">/dev/full"])
def test_closed_or_full_host_streams_end_the_run_normally(redirect):
    command = " ".join([*CPUEMU, "run", str(HELLO)]) + " " + redirect
    done = subprocess.run(["bash", "-c", command + "; echo status=$?"], capture_output=True,
                          timeout=120)
    assert b"status=0" in done.stdout, done
    assert b"Traceback" not in done.stderr


def test_a_reader_that_goes_away_is_sigpipe_like_a_native_program(tmp_path):
    source = tmp_path / "yes.asm"
    source.write_text("section .data\nline db 'y', 10\nsection .text\nglobal _start\n"
                      "_start:\n mov eax, 4\n mov ebx, 1\n mov ecx, line\n mov edx, 2\n"
                      " int 0x80\n jmp _start\n")
    done = subprocess.run(["bash", "-c", " ".join([*CPUEMU, "run", str(source)])
                           + " | head -1; echo \"status=${PIPESTATUS[0]}\""],
                          capture_output=True, timeout=120)
    assert done.stdout == b"y\nstatus=141\n" and done.stderr == b"", done


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file: needs a user")
def test_an_unreadable_source_is_one_line_of_error(tmp_path):
    source = tmp_path / "secret.asm"
    shutil.copy(HELLO, source)
    source.chmod(0)
    done = cpuemu("run", str(source))
    assert done.returncode == 2 and b"Traceback" not in done.stderr
    assert b"cannot read" in done.stderr


def test_unicorn_runs_under_a_small_address_space_limit():
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (1_000_000_000, 1_000_000_000))
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    done = cpuemu("run", "--engine", "unicorn", str(HELLO), preexec_fn=limit)
    assert done.returncode == 0 and done.stdout.startswith(b"Hello"), done


# -- found by the campaigns -------------------------------------------------------------

def test_a_16_bit_call_pushes_ip_and_jumps_within_64k_on_both_engines():
    """`66 e8 rel16` in 32-bit code (machine-code campaign, seed 2007050): IP, two bytes,
    is pushed, and EIP is the 16-bit target; the interpreter pushed all of EIP."""
    src = "section .text\nglobal _start\n_start:\n db 0x66, 0xe8, 0x00, 0x00\n"
    results = []
    for engine in ("interp", "unicorn"):
        machine = Machine(assemble(src, dialect="nasm"), engine=engine)
        esp = machine.regs.esp
        stop = machine.run(10)
        assert stop.fault.kind == "page-fault" and stop.eip == 0x8004
        assert machine.regs.esp == esp - 2 and machine.read(esp - 2, 2) == b"\x04\x80"
        results.append(machine.snapshot())
    assert results[0] == results[1]


def test_a_source_the_host_will_not_let_us_read_is_one_line_of_error(tmp_path, monkeypatch,
                                                                      capsys):
    """As root nothing is unreadable, so the host's refusal is simulated where cpuemu
    opens the file."""
    import cpuemu.cli
    from cpuemu.cli import main

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")
    source = tmp_path / "secret.asm"
    shutil.copy(HELLO, source)
    monkeypatch.setattr(cpuemu.cli, "open", refuse, raising=False)
    assert main(["run", str(source)]) == 2
    assert f"cannot read {source}: Permission denied" in capsys.readouterr().err


def test_an_include_name_the_host_cannot_look_up_is_an_assembly_error():
    """Found by the guide-dialect campaign after the include code became shared: a
    name longer than the host allows raised OSError from the search."""
    with pytest.raises(AssemblyError, match="cannot include"):
        assemble(".DATA\nINCLUDE " + "x" * 5000 + "\n", dialect="guide")
    with pytest.raises(AssemblyError, match="cannot include"):
        assemble('%include "' + "y" * 5000 + '"\n', dialect="nasm")
