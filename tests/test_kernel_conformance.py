"""The kernel against the real one: programs that make every supported system call run
natively and on both engines, and must agree on stdout, the files they leave behind and
their exit status. C programs are built with `gcc -m32 -static -nostdlib` (`c64_*.c`
with -m64: the x86-64 ABI), nasm ones by the real nasm and ld; the emulators run the
very same executables."""

from __future__ import annotations

import resource
import shutil
import subprocess
from pathlib import Path

import pytest

from cpuemu import Machine
from cpuemu.elf import load_elf
from cpuemu.kernel import X86_64_ABI
from cpuemu.kernel.table import X86_64
from cpuemu.limits import MAX_MEMORY

HERE = Path(__file__).resolve().parent / "conformance"
PROGRAMS = sorted(p.name for p in HERE.iterdir() if p.suffix in (".c", ".asm"))
STDIN = b"stdin data\n"
ARGS = ["one", "two words"]
SYSCALLS = set("""exit exit_group read write open openat creat close lseek _llseek readv writev
pread64 pwrite64 dup dup2 dup3 pipe pipe2 unlink mkdir rmdir rename access stat64 fstat64
lstat64 getdents64 getcwd chdir brk mmap2 old_mmap munmap mprotect getpid getppid gettid
getuid32 geteuid32 getgid32 getegid32 time gettimeofday clock_gettime times nanosleep uname
set_thread_area set_tid_address rt_sigaction rt_sigprocmask ioctl fcntl64 sched_yield kill
tgkill getrandom stat lstat fstat chmod fchmod fchmodat chown32 lchown32 fchown32 link linkat
symlink symlinkat readlink readlinkat umask utime utimes utimensat getgroups32 poll ppoll
_newselect setpgid getpgid getpgrp setsid getsid rt_sigreturn sigreturn rt_sigpending
rt_sigsuspend pause alarm setitimer getitimer sigaltstack clock_nanosleep clone fork vfork
execve wait4""".split())
# Every x86-64 call the kernel carries out, read off its own table.
SYSCALLS64 = {name for name in X86_64.values() if X86_64_ABI.implementation(name)}


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("conformance-build")


def build(name: str, out: Path) -> Path:
    source = HERE / name
    exe = out / source.stem
    if exe.exists():
        return exe
    if source.suffix == ".c":
        bits = "-m64" if source.name.startswith("c64_") else "-m32"
        subprocess.run(["gcc", bits, "-static", "-nostdlib", "-fno-pie", "-no-pie",
                        "-fno-stack-protector", "-fno-builtin", "-O1", "-o", str(exe),
                        str(source)], check=True, capture_output=True)
    else:
        obj = out / (source.stem + ".o")
        wide = source.name.startswith("nasm64_")
        subprocess.run(["nasm", "-f", "elf64" if wide else "elf32", "-o", str(obj),
                        str(source)], check=True)
        subprocess.run(["ld", "-m", "elf_x86_64" if wide else "elf_i386", "-o", str(exe),
                        str(obj)], check=True)
    return exe


def files_in(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() else b"<dir>")
            for p in sorted(root.rglob("*"))}


@pytest.mark.parametrize("name", PROGRAMS)
def test_same_as_the_real_kernel(name, build_dir, tmp_path, engine):
    exe = build(name, build_dir)
    native_root, emulated_root = tmp_path / "native", tmp_path / "emulated"
    native_root.mkdir()
    emulated_root.mkdir()
    native = subprocess.run([str(exe), *ARGS], cwd=native_root, input=STDIN,
                            capture_output=True, timeout=30, env={})
    calls: list[str] = []
    machine = Machine(load_elf(exe), engine=engine, stdin=STDIN, root=str(emulated_root),
                      strace=calls.append, argv=[str(exe), *ARGS])
    stop = machine.run(5_000_000)
    assert stop.reason in ("exited", "signal"), stop
    status = native.returncode if native.returncode >= 0 else 128 - native.returncode
    assert machine.stdout == native.stdout
    assert stop.status == status
    assert files_in(emulated_root) == files_in(native_root)
    assert not any(line.startswith("cpuemu: unsupported") for line in machine.kernel.log_lines)


@pytest.mark.parametrize("bits, wanted", [(32, SYSCALLS), (64, SYSCALLS64)])
def test_every_listed_syscall_is_exercised(build_dir, tmp_path, bits, wanted):
    """The programs above, traced once on the interpreter, make every call the issues
    list; strace names them by the ABI's own names (stat64 in i386, newfstatat in x86-64)."""
    seen: set[str] = set()

    def trace(line: str) -> None:
        seen.add(line.split("] ")[-1].split("(")[0])        # `[pid N] ` once forked
    for name in ("signals", "processes") if shutil.which("gcc") else ():
        root = tmp_path / f"glibc-{name}"                    # the glibc programs too
        root.mkdir()
        exe = root / name
        subprocess.run(["gcc", f"-m{bits}", "-static", "-O2", "-o", str(exe),
                        str(HERE.parent / "glibc" / f"{name}.c")], check=True)
        Machine(load_elf(exe), strace=trace, root=str(root), argv=[f"./{name}"]).run(
            50_000_000)
    for name in PROGRAMS:
        program = load_elf(build(name, build_dir))
        if program.bits != bits:
            continue
        root = tmp_path / name
        root.mkdir()
        machine = Machine(program, stdin=STDIN, root=str(root), strace=trace)
        machine.run(5_000_000)
    assert wanted - seen == set()


def test_tools_are_present():
    """The suite needs gcc -m32 and nasm; CI installs them (a missing tool is a failure)."""
    assert shutil.which("gcc") and shutil.which("nasm") and shutil.which("ld")


@pytest.fixture(scope="module")
def glibc(build_dir):
    """build(name, bits): tests/glibc/NAME.c built with gcc -static (and libm), once."""
    def build(name: str, bits: int) -> Path:
        exe = build_dir / f"{name}{bits}"
        if not exe.exists():
            subprocess.run(["gcc", f"-m{bits}", "-static", "-O2", "-o", str(exe),
                            str(HERE.parent / "glibc" / f"{name}.c"), "-lm"], check=True)
        return exe
    return build


@pytest.mark.parametrize("bits", [32, 64])
def test_glibc_floats_printf_strtod_and_libm_match_the_real_cpu(glibc, engine, bits):
    """%f %e %g %a, strtod/strtof/strtold, sqrt sin cos pow exp log atan2 fmod lrint in
    float, double and long double print what the CPU prints, to the last digit, on both
    engines (Unicorn's inexact fprem, f2xm1, fyl2x, fsin... are the interpreter's there:
    fast/exact_x87.py)."""
    exe = glibc("floats", bits)
    native = subprocess.run([str(exe), "5"], capture_output=True, timeout=30)
    machine = Machine(load_elf(exe), engine=engine, argv=[str(exe), "5"])
    stop = machine.run(100_000_000)
    assert stop.status == native.returncode == 5
    assert machine.stdout == native.stdout


@pytest.mark.parametrize("bits", [32, 64])
def test_glibc_large_allocations_run_as_natively(glibc, engine, bits):
    """malloc of 16 and 256 MiB, touched and freed, brk growth, an impossible request:
    the output native Linux gives, on both engines (pages mapped and unmapped as runs,
    allocated when touched; the 1 GiB memory budget refuses 3 GiB as Linux does under
    `ulimit -v` of the same size)."""
    exe = glibc("memory", bits)

    def as_much_memory_as_the_guest():
        resource.setrlimit(resource.RLIMIT_AS, (MAX_MEMORY, MAX_MEMORY))
    native = subprocess.run([str(exe)], capture_output=True, timeout=60,
                            preexec_fn=as_much_memory_as_the_guest)
    machine = Machine(load_elf(exe), engine=engine, argv=[str(exe)])
    stop = machine.run(50_000_000)
    assert (machine.stdout, stop.status) == (native.stdout, native.returncode)
    assert b"256 MiB: 6" in machine.stdout and b"3 GiB: refused" in machine.stdout


@pytest.mark.parametrize("bits", [32, 64])
def test_glibc_signals_are_delivered_as_linux_delivers_them(glibc, engine, bits):
    """Handlers run in Linux's signal frames and return through sigreturn: raise, kill,
    SA_SIGINFO, blocking and unblocking, recovering from SIGSEGV and SIGFPE, alarm with
    pause, setitimer, a nanosleep a timer cuts short, SIGPIPE ignored, SIGTERM's default:
    the same output and status natively and on both engines."""
    exe = glibc("signals", bits)
    native = subprocess.run([str(exe)], capture_output=True, timeout=60)
    machine = Machine(load_elf(exe), engine=engine, argv=[str(exe)])
    stop = machine.run(50_000_000)
    assert native.returncode == -15                       # killed by SIGTERM
    assert (machine.stdout, stop.status) == (native.stdout, 128 + 15)
    assert b"segv at 0x1234" in machine.stdout and b"ticks 4" in machine.stdout


@pytest.mark.parametrize("bits", [32, 64])
def test_glibc_processes_fork_exec_wait_pipes_and_a_shell(glibc, engine, bits, tmp_path):
    """fork, pipes between processes, wait statuses (an exit code, a fault, SIGTERM),
    execve of a program in the sandbox, a tiny shell's `producer | consumer`, kill with a
    handler in the child, SIGCHLD: natively and on both engines alike (the program execs
    itself as ./processes, so both run it from the directory that holds it)."""
    exe = glibc("processes", bits)
    roots = {name: tmp_path / name for name in ("native", "emulated")}
    for root in roots.values():
        root.mkdir()
        shutil.copy(exe, root / "processes")
    native = subprocess.run(["./processes"], cwd=roots["native"], capture_output=True,
                            timeout=60)
    machine = Machine(load_elf(roots["emulated"] / "processes"), engine=engine,
                      root=str(roots["emulated"]), argv=["./processes"])
    stop = machine.run(50_000_000)
    assert (machine.stdout, stop.status) == (native.stdout, native.returncode == 0 and 0)
    assert b"pipeline: producer 0, consumer 5" in machine.stdout
    assert b"terminated: 1 by 15" in machine.stdout
    assert files_in(roots["emulated"]) == files_in(roots["native"])


@pytest.mark.parametrize("args", [[], ["float"]])
@pytest.mark.parametrize("bits", [32, 64])
def test_glibc_static_printf(glibc, engine, args, bits):
    exe = glibc("printf", bits)
    native = subprocess.run([str(exe), *args], capture_output=True, timeout=30)
    machine = Machine(load_elf(exe), engine=engine, argv=[str(exe), *args])
    stop = machine.run(50_000_000)
    assert (machine.stdout, stop.status) == (native.stdout, native.returncode) == \
        (native.stdout, 7)
    # glibc probes these and falls back, as on an older kernel
    unsupported = {line.split("(")[1].split(")")[0] for line in machine.kernel.log_lines}
    assert unsupported <= {"rseq", "statx"}


def test_a_deadlock_across_processes_names_every_process_and_strace_says_which(engine):
    """Parent and child both read a pipe whose write ends they both hold open: the run
    is a deadlock, reported with each process, what it waits for and its backtrace;
    strace lines carry `[pid N]` once there are two processes."""
    from cpuemu import assemble
    program = assemble("section .bss\nfds: resd 2\nbyte_: resb 1\nsection .text\n"
                       "global _start\n_start:\n mov eax, 42\n mov ebx, fds\n int 0x80\n"
                       " mov eax, 2\n int 0x80\n mov eax, 20\n int 0x80\n"
                       " call wait_for_data\n"
                       "wait_for_data:\n mov eax, 3\n mov ebx, [fds]\n mov ecx, byte_\n"
                       " mov edx, 1\n int 0x80\n ret\n", dialect="nasm")
    lines: list[str] = []
    machine = Machine(program, engine=engine, strace=lines.append)
    stop = machine.run(100_000)
    assert stop.reason == "deadlock"
    assert "every process is blocked" in stop.detail
    assert "process 1000 (parent 999)" in stop.detail
    assert "process 1001 (parent 1000)" in stop.detail
    assert stop.detail.count("read from an empty pipe whose write end is open") == 2
    assert stop.detail.count("#0 wait_for_data()") == 2
    assert lines[0].startswith("pipe(") and not lines[0].startswith("[pid")
    assert "[pid 1001] getpid() = 1001" in lines and "[pid 1000] getpid() = 1000" in lines
