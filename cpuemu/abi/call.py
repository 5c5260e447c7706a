"""Call a guest function from Python, as a cdecl (32-bit) or System V AMD64 (64-bit)
caller would.

cdecl: arguments are pushed right to left as dwords. System V: the first six go in RDI
RSI RDX RCX R8 R9, the rest are pushed right to left as qwords, RSP is 16-byte aligned
at the call and the caller's red zone (128 bytes below RSP) is left alone. bytes and str
are copied into an argument area of guest memory and passed as pointers. Then comes a
return address that points at a stub page with a breakpoint on it, so the run stops
exactly when the function returns; like the caller, we then remove what we pushed.
Every other register and all memory are left as the function left them.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..cpu.memory import RW, RX
from ..cpu.registers import EAX, EDX, ESP, gpr, pc_name
from ..errors import CpuemuError, LimitExceeded

if TYPE_CHECKING:
    from ..machine import Machine

RETURN_ADDRESS = 0xFFFFD000            # a page of int3: the "caller" the run returns to
SYSV_REGISTERS = ("rdi", "rsi", "rdx", "rcx", "r8", "r9")
RED_ZONE = 128
ARGUMENT_AREA = 0x5F000000             # strings and buffers passed by pointer live here
ARGUMENT_AREA_SIZE = 0x100000


@dataclass
class CallState:
    """What calling from Python has set up in one machine (Machine.calls)."""

    return_page: bool = False           # RETURN_ADDRESS is mapped
    argument_used: int | None = None     # bytes used in the argument area, once mapped
    arguments: int | None = None         # words pushed by the latest call (for frames)


def _state(machine: Machine) -> CallState:
    if machine.calls is None:
        machine.calls = CallState()
    return machine.calls


def _ensure_return_page(machine: Machine) -> None:
    state = _state(machine)
    if not state.return_page:
        machine.engine.map(RETURN_ADDRESS, 0x1000, RX)
        machine.engine.write(RETURN_ADDRESS, b"\xCC" * 0x1000, need=0)
        state.return_page = True


def pass_argument(machine: Machine, value) -> int:
    """A machine word: ints as they are, bytes/str copied to guest memory."""
    if isinstance(value, bool) or not isinstance(value, (int, bytes, bytearray, str)):
        raise CpuemuError(f"cannot pass {type(value).__name__} to a guest function "
                          "(ints, bytes and str only)")
    if isinstance(value, int):
        bits = machine.bits
        if not -(1 << (bits - 1)) <= value < (1 << bits):
            raise CpuemuError(f"argument {value} does not fit in {bits} bits")
        return value & ((1 << bits) - 1)
    data = value.encode() + b"\0" if isinstance(value, str) else bytes(value)
    state = _state(machine)
    used = state.argument_used
    if used is None:
        machine.engine.map(ARGUMENT_AREA, ARGUMENT_AREA_SIZE, RW)
        used = 0
    if used + len(data) > ARGUMENT_AREA_SIZE:
        raise CpuemuError("the argument area is full (1 MiB of strings and buffers)")
    address = ARGUMENT_AREA + used
    machine.write(address, data)
    state.argument_used = (used + len(data) + 15) & ~15
    return address


def call_function(machine: Machine, where: int | str, args, *, wide: bool = False,
                  max_instructions: int | None = None) -> int:
    """Run the function at `where` to its return; EAX/RAX (or EDX:EAX, RDX:RAX when
    `wide`). Afterwards the program counter and stack are where they were, so `run()`
    goes on with the program (the call's result stays in EAX, its writes in memory)."""
    address = machine.address(where)
    from .frames import declare_function  # (frames imports this module)
    declare_function(machine.program, address)
    _ensure_return_page(machine)
    values = [pass_argument(machine, a) for a in args]
    regs, wide64 = machine.regs, machine.bits == 64
    resume = machine.pc                     # where the program goes on after the call
    if wide64:
        for name, value in zip(SYSV_REGISTERS, values, strict=False):
            regs[name] = value
        pushed = values[len(SYSV_REGISTERS):]
        before = regs.rsp
        top = (before - RED_ZONE - 8 * len(pushed)) & ~0xF     # 16-aligned at the call
        sp = top - 8
        machine.write(sp, struct.pack(f"<{len(pushed) + 1}Q", RETURN_ADDRESS, *pushed))
        undo = before - (top + 8 * len(pushed))                 # red zone and alignment
        regs.rsp, regs.rip = sp, address
    else:
        pushed, undo = values, 0
        sp = (regs.esp - 4 * (len(values) + 1)) & 0xFFFFFFFF
        machine.write(sp, struct.pack(f"<{len(values) + 1}I", RETURN_ADDRESS, *values))
        regs.esp, regs.eip = sp, address
    _state(machine).arguments = len(pushed)
    already = RETURN_ADDRESS in machine.breakpoints
    machine.add_breakpoint(RETURN_ADDRESS)
    exited, machine.exit_status = machine.exit_status, None
    try:
        stop = machine.run(max_instructions)
    finally:
        if not already:
            machine.remove_breakpoint(RETURN_ADDRESS)
    if stop.reason == "breakpoint" and stop.eip == RETURN_ADDRESS:
        machine.exit_status = exited
        word = machine.bits // 8
        sp = gpr(machine.bits, ESP)
        regs[sp] = regs[sp] + word * len(pushed) + undo          # the caller's cleanup
        regs[pc_name(machine.bits)] = resume                     # run() goes on from there
        acc, data = gpr(machine.bits, EAX), gpr(machine.bits, EDX)
        return regs[data] << machine.bits | regs[acc] if wide else regs[acc]
    if stop.reason == "fault":
        raise stop.fault
    if stop.reason == "budget":
        raise LimitExceeded(f"{machine.program.symbolize(address)} did not return within "
                            f"{stop.detail}")
    if stop.reason == "exited":
        raise CpuemuError(f"{machine.program.symbolize(address)} ended the program "
                          f"(exit status {stop.status}) instead of returning")
    raise CpuemuError(f"{machine.program.symbolize(address)} stopped: {stop}")
