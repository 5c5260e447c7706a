"""Making one system call as a guest would, from a test."""

from __future__ import annotations

from cpuemu import Machine, assemble
from cpuemu.abi.call import pass_argument

TRAP_PROGRAM = "section .text\n_start: nop\ntrap: int 0x80\n int3\n"
ARGS = ("ebx", "ecx", "edx", "esi", "edi", "ebp")


def trap_machine(engine: str, **options) -> Machine:
    """A machine whose code is one `int 0x80` (at `trap`) followed by int3."""
    return Machine(assemble(TRAP_PROGRAM, dialect="nasm"), engine=engine, **options)


def syscall(machine: Machine, number: int, *args) -> int:
    """One i386 system call with these arguments (str and bytes are copied into guest
    memory and passed as pointers); returns EAX as a signed value."""
    machine.regs.eip = machine.symbol("trap")
    machine.regs.eax = number
    for reg, value in zip(ARGS, args, strict=False):
        machine.regs[reg] = pass_argument(machine, value) if isinstance(value, (str, bytes)) \
            else value & 0xFFFFFFFF
    machine.exit_status = None
    stop = machine.run(10)
    assert stop.reason == "fault" and stop.fault.kind == "breakpoint", stop
    eax = machine.regs.eax
    return eax - (1 << 32) if eax & 0x80000000 else eax
