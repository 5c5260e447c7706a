"""The sandbox: whatever paths and pointers a guest passes, nothing outside its root
directory is read or written, and bad pointers are -EFAULT, never a host exception."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cpuemu.abi.call import pass_argument
from cpuemu.kernel.errno import EFAULT, ENAMETOOLONG, ENOENT

from .guest import syscall, trap_machine

SYS_READ, SYS_WRITE, SYS_OPEN, SYS_CLOSE, SYS_UNLINK, SYS_MKDIR = 3, 4, 5, 6, 10, 39
SYS_RENAME, SYS_STAT64, SYS_GETCWD, SYS_CHDIR = 38, 195, 183, 12
O_RDONLY, O_CREAT_WRONLY = 0, 0o101


@pytest.fixture
def world(tmp_path):
    """A sandbox root inside a directory that also holds a secret the guest must not see."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("do not read")
    root = outside / "root"
    root.mkdir()
    (root / "inside.txt").write_text("inside")
    return root, outside


def snapshot(directory: Path, skip: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() if p.is_file() else b"<dir>"
            for p in directory.rglob("*") if skip not in p.parents and p != skip}


@pytest.fixture
def guest(world, engine):
    root, _ = world
    return trap_machine(engine, root=str(root))


@pytest.mark.parametrize("path", [
    "../secret.txt", "../../secret.txt", "/../secret.txt", "../../../../../../etc/passwd",
    "/etc/passwd", "/proc/self/maps", "/proc/self/mem", "/dev/sda", "link-out/secret.txt",
    "abs-link/secret.txt", "dotdot-link/secret.txt",
])
def test_paths_cannot_leave_the_root(guest, world, path):
    root, outside = world
    os.symlink(str(outside), root / "link-out")             # absolute, pointing outside
    os.symlink("/", root / "abs-link")                      # "/" means the sandbox root
    os.symlink("../../..", root / "dotdot-link")            # clamped at the root
    assert syscall(guest, SYS_OPEN, path, O_RDONLY) == -ENOENT


def test_writes_land_inside_the_root(guest, world):
    root, outside = world
    before = snapshot(outside, root)
    fd = syscall(guest, SYS_OPEN, "../../escape.txt", O_CREAT_WRONLY, 0o644)
    assert fd >= 3
    assert syscall(guest, SYS_WRITE, fd, b"caught", 6) == 6
    assert syscall(guest, SYS_CLOSE, fd) == 0
    assert (root / "escape.txt").read_bytes() == b"caught"   # ".." clamped at the root
    assert syscall(guest, SYS_MKDIR, "/../../made", 0o755) == 0
    assert (root / "made").is_dir()
    assert syscall(guest, SYS_RENAME, "inside.txt", "../../../moved.txt") == 0
    assert (root / "moved.txt").read_text() == "inside"
    assert syscall(guest, SYS_UNLINK, "../secret.txt") == -ENOENT
    assert snapshot(outside, root) == before


def test_symlink_into_the_outside_does_not_follow(guest, world):
    root, outside = world
    os.symlink(str(outside / "secret.txt"), root / "trap")
    assert syscall(guest, SYS_OPEN, "trap", O_RDONLY) == -ENOENT
    assert syscall(guest, SYS_STAT64, "trap", bytes(96)) == -ENOENT


def test_cwd_stays_inside(guest, world):
    assert syscall(guest, SYS_CHDIR, "../../..") == 0
    buf = pass_argument(guest, bytes(64))
    assert syscall(guest, SYS_GETCWD, buf, 64) == 2
    assert guest.read(buf, 2) == b"/\0"


def test_very_long_paths(guest):
    assert syscall(guest, SYS_OPEN, "a" * 5000, O_RDONLY) == -ENAMETOOLONG
    assert syscall(guest, SYS_OPEN, "x/" * 2100, O_RDONLY) == -ENAMETOOLONG
    assert syscall(guest, SYS_OPEN, "b" * 300, O_RDONLY) == -ENAMETOOLONG


@pytest.mark.parametrize("number, args", [
    (SYS_OPEN, (0, O_RDONLY)),                       # NULL path
    (SYS_OPEN, (0x10, O_RDONLY)),                    # unmapped
    (SYS_OPEN, (0xFFFFFFF0, O_RDONLY)),              # the top of the address space
    (SYS_WRITE, (1, 0, 5)),                          # NULL buffer
    (SYS_READ, (0, 0x08048000, 4)),                  # read into code: not writable
    (SYS_STAT64, ("inside.txt", 0)),
    (SYS_GETCWD, (0, 100)),
])
def test_bad_pointers_are_efault(guest, number, args):
    assert syscall(guest, number, *args) == -EFAULT


def test_huge_lengths(guest, world):
    root, _ = world
    buf = pass_argument(guest, bytes(16))
    fd = syscall(guest, SYS_OPEN, "inside.txt", O_RDONLY)
    assert syscall(guest, SYS_READ, fd, buf, 0x7FFFFFFF) == 6       # what there is
    assert guest.read(buf, 6) == b"inside"
    assert syscall(guest, SYS_READ, fd, buf, 0xFFFFFFFF) < 0         # negative as ssize_t
    out = syscall(guest, SYS_OPEN, "big.txt", O_CREAT_WRONLY, 0o644)
    written = syscall(guest, SYS_WRITE, out, buf, 0x7FFFFFFF)        # up to the unmapped end
    assert 0 < written < 0x7FFFFFFF
    assert (root / "big.txt").stat().st_size == written


def test_stat_is_the_sandbox_own_and_engines_agree(tmp_path):
    """Inode numbers, the device and the times come from the sandbox (inodes.py), not
    the host: `cpuemu diff` agrees on a program that creates, stats and renames files,
    and two runs print the same."""
    import shutil
    import subprocess

    from cpuemu import Machine
    from cpuemu.diff import Lockstep
    from cpuemu.elf import load_elf
    if not shutil.which("gcc"):
        pytest.skip("needs gcc -m32 (.ci/run installs gcc-multilib)")
    exe = tmp_path / "stat_rename"
    subprocess.run(["gcc", "-m32", "-static", "-O1", "-o", str(exe),
                    str(Path(__file__).parent / "sandbox" / "stat_rename.c")], check=True)
    program = load_elf(exe)
    outcome = Lockstep(program).run(2_000_000)
    assert outcome.agreed, outcome.divergence.report()
    assert outcome.stop.reason == "exited" and outcome.stop.status == 0
    runs = []
    for engine in ("interp", "unicorn", "interp"):
        machine = Machine(program, engine=engine)
        assert machine.run(max_instructions=2_000_000).status == 0
        runs.append(machine.stdout)
    assert runs[0] == runs[1] == runs[2]
    assert runs[0] == (b"ino 3 dev 2049 size 5 mtime 1767225600\n"
                       b"ino 3 size 6 mtime 1767225601 ctime 1767225601\n"
                       b"root 2\nsum 11\n")
