"""Call a guest function from Python, as a cdecl caller would.

Arguments are pushed right to left (ints as dwords; bytes and str are copied into an
argument area of guest memory and passed as pointers), then a return address that
points at a stub page with a breakpoint on it, so the run stops exactly when the
function returns. Like a cdecl caller, we then remove the arguments from the stack;
every other register and all memory are left as the function left them.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..cpu.memory import RW, RX
from ..errors import CpuemuError, LimitExceeded

if TYPE_CHECKING:
    from ..machine import Machine

RETURN_ADDRESS = 0xFFFFD000            # a page of int3: the "caller" the run returns to
ARGUMENT_AREA = 0x5F000000             # strings and buffers passed by pointer live here
ARGUMENT_AREA_SIZE = 0x100000


@dataclass
class CallState:
    """What calling from Python has set up in one machine (Machine.calls)."""

    return_page: bool = False           # RETURN_ADDRESS is mapped
    argument_used: int | None = None     # bytes used in the argument area, once mapped
    arguments: int | None = None         # dwords pushed by the latest call (for frames)


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
    """A dword for the stack: ints as they are, bytes/str copied to guest memory."""
    if isinstance(value, bool) or not isinstance(value, (int, bytes, bytearray, str)):
        raise CpuemuError(f"cannot pass {type(value).__name__} to a guest function "
                          "(ints, bytes and str only)")
    if isinstance(value, int):
        if not -(1 << 31) <= value < (1 << 32):
            raise CpuemuError(f"argument {value} does not fit in 32 bits")
        return value & 0xFFFFFFFF
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
    """Run the function at `where` to its return; EAX (or EDX:EAX when `wide`)."""
    if machine.bits != 32:
        raise CpuemuError("calling guest functions from Python is cdecl (32-bit) so far; "
                          "the System V AMD64 convention is not there yet")
    address = machine.address(where)
    _ensure_return_page(machine)
    values = [pass_argument(machine, a) for a in args]
    esp = (machine.regs.esp - 4 * (len(values) + 1)) & 0xFFFFFFFF
    machine.write(esp, struct.pack(f"<{len(values) + 1}I", RETURN_ADDRESS, *values))
    machine.regs.esp = esp
    machine.regs.eip = address
    _state(machine).arguments = len(values)
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
        machine.regs.esp = machine.regs.esp + 4 * len(values)      # the caller's cleanup
        eax = machine.regs.eax
        return machine.regs.edx << 32 | eax if wide else eax
    if stop.reason == "fault":
        raise stop.fault
    if stop.reason == "budget":
        raise LimitExceeded(f"{machine.program.symbolize(address)} did not return within "
                            f"{stop.detail}")
    if stop.reason == "exited":
        raise CpuemuError(f"{machine.program.symbolize(address)} ended the program "
                          f"(exit status {stop.status}) instead of returning")
    raise CpuemuError(f"{machine.program.symbolize(address)} stopped: {stop}")
