"""System and miscellany: nop (every encoding), pause, endbr32/64, int n, int3, into,
syscall, hlt, cpuid, rdtsc, ud2, and the privileged instructions a user process may not
run.

Flags: none. The interrupt forms end the translated block: `int 0x80` and (64-bit)
`syscall` go to the machine's trap (the kernel); any other `int n`, hlt, cli/sti and
port I/O are a general protection fault in user mode, as Linux delivers them (SIGSEGV);
int3 is a breakpoint (SIGTRAP) with EIP after it. `syscall` saves RIP in RCX and RFLAGS
in R11 as the CPU does, and Linux returns with RFLAGS restored from R11.
"""

from __future__ import annotations

from ...stop import SYSCALL_TRAP
from ..cpu import CpuFault
from . import handles

EAX, ECX, EDX, EBX, R11 = 0, 1, 2, 3, 11

# cpuid: the model's vendor string (EBX EDX ECX spell it), and a family 6 processor with
# exactly what the interpreter implements, so a program (or glibc's ifunc resolvers)
# asking picks code it can run: EDX has FPU (0), TSC (4), CMOV (15), FXSR (24), SSE (25)
# and SSE2 (26); ECX has SSE3 (0) and SSSE3 (9). No MMX, SSE4 or AVX.
VENDORS = {"intel": "GenuineIntel", "amd": "AuthenticAMD"}
FEATURES_EDX = 1 << 0 | 1 << 4 | 1 << 15 | 1 << 24 | 1 << 25 | 1 << 26
FEATURES_ECX = 1 << 0 | 1 << 9


def cpuid_leaves(model: str) -> dict[int, tuple[int, int, int, int]]:
    words = [int.from_bytes(VENDORS[model][i:i + 4].encode(), "little") for i in (0, 4, 8)]
    return {0: (1, words[0], words[2], words[1]),          # EAX, EBX, ECX, EDX
            1: (0x00000611, 0, FEATURES_ECX, FEATURES_EDX)}


@handles("nop", "pause", "endbr32", "endbr64", "prefetcht0", "prefetcht1", "prefetcht2",
         "prefetchnta", "prefetchw")
def nop(t):
    """Hints: a prefetch only warms the cache, and never faults, even on a bad address."""
    return _nothing


def _nothing():
    return None


@handles("int")
def interrupt(t):
    vector, engine, cpu, after = t.imm(0, 8), t.engine, t.cpu, t.next_ip
    t.ends_block = True
    if vector == 0x80:
        def op_syscall():
            cpu.eip = after
            engine.syscall(vector)
            return after
        return op_syscall

    def op():
        raise CpuFault("general-protection", f"int {vector:#x}")
    return op


@handles("syscall")
def syscall(t):
    engine, cpu, after = t.engine, t.cpu, t.next_ip
    t.ends_block = True
    if t.width != 64:
        def op_invalid():
            raise CpuFault("invalid-opcode", "syscall in 32-bit mode (Linux uses int 0x80)")
        return op_invalid
    r = cpu.r

    def op():
        r[ECX] = after
        r[R11] = cpu.get_eflags()
        cpu.eip = after
        engine.syscall(SYSCALL_TRAP)
        return after
    return op


@handles("sysenter")
def sysenter(t):
    """Linux enters the kernel through sysenter only from its vDSO, which cpuemu does
    not provide: a bare sysenter is #UD here, on both engines."""
    t.ends_block = True

    def op():
        raise CpuFault("invalid-opcode", "sysenter (Linux uses int 0x80)")
    return op


@handles("int3")
def breakpoint_(t):
    t.ends_block = True
    after = t.next_ip

    def op():
        raise CpuFault("breakpoint", resume=after)
    return op


@handles("into")
def into(t):
    cpu = t.cpu

    def op():
        s = cpu.lazy
        if s[0].of(s):
            raise CpuFault("general-protection", "into with OF set")
    return op


@handles("hlt", "cli", "sti", "in", "out", "insb", "insw", "insd", "outsb", "outsw",
         "outsd", "lgdt", "lidt", "lldt", "ltr", "clts", "invd", "wbinvd", "rdmsr", "wrmsr")
def privileged(t):
    text = t.name

    def op():
        raise CpuFault("general-protection", f"{text} in user mode")
    return op


@handles("ud2", "ud0", "ud1")
def undefined(t):
    def op():
        raise CpuFault("invalid-opcode", "ud2")
    return op


@handles("cpuid")
def cpuid(t):
    r, leaves = t.cpu.r, cpuid_leaves(t.cpu.model)

    def op():
        leaf = r[EAX]
        r[EAX], r[EBX], r[ECX], r[EDX] = leaves.get(leaf, (0, 0, 0, 0))
    return op


@handles("rdtsc")
def rdtsc(t):
    """The time stamp counter counts the instructions retired before this one: the same
    on every run. The engine counts per block, so rdtsc ends its block and adds its own
    place in it."""
    r, engine, before = t.cpu.r, t.engine, t.index
    t.ends_block = True

    def op():
        count = engine.retired() + before
        r[EAX], r[EDX] = count & 0xFFFFFFFF, count >> 32 & 0xFFFFFFFF
    return op

