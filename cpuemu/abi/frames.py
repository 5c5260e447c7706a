"""Stack frames along the EBP chain, correct at every instruction.

The innermost frame needs care, because EBP only describes a function's frame once its
prologue has run: at the first instruction the return address is at [ESP]; after
`push ebp` it is at [ESP+4]; in the body it is at [EBP+4]; at the `ret` (after `leave`
or `pop ebp`) it is at [ESP] again. We find where EIP is by decoding the function's
prologue. Functions without a prologue are "frameless": their return address is found
by adding up the stack effects of the instructions from the function's start to EIP.
Outer frames follow the saved EBP values.

The number of arguments comes from the call site: a cdecl caller removes them with
`add esp, 4*n` right after the call.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from iced_x86 import Decoder, Mnemonic, OpKind, Register

from ..cpu.instruction import code_bytes, decode_at
from ..cpu.memory import MemoryFault
from ..process import EXIT_STUB
from ..program import Program, SourceLine
from .call import RETURN_ADDRESS

if TYPE_CHECKING:
    from ..machine import Machine

MAX_FRAMES = 4096
MAX_ARGS = 16
REG_NAMES = {Register.EBX: "ebx", Register.ESI: "esi", Register.EDI: "edi",
             Register.EAX: "eax", Register.ECX: "ecx", Register.EDX: "edx"}


@dataclass
class Frame:
    """One function activation."""

    function: str                     # symbol name, or the address in hex
    function_address: int | None
    state: str                        # "entry" "prologue" "body" "returning" "frameless" "start"
    base: int | None                  # this frame's EBP, once its prologue has set it
    return_slot: int | None           # where the return address is stored
    return_address: int | None
    caller: str = ""                  # "main+0xc"
    caller_line: SourceLine | None = None
    args: list[tuple[int, int]] = field(default_factory=list)     # (address, value)
    locals: list[tuple[int, int]] = field(default_factory=list)   # (address, value)
    saved: dict[str, int] = field(default_factory=dict)           # register -> address
    low: int = 0                      # lowest stack address that belongs to this frame

    def __str__(self) -> str:
        where = f" <- {self.caller}" if self.caller else ""
        line = f" ({self.caller_line.file}:{self.caller_line.line})" if self.caller_line else ""
        args = ", ".join(f"{v:#x}" for _, v in self.args)
        return f"{self.function}({args}){where}{line}"


class Symbols:
    """Function names for code addresses, and source lines for call sites."""

    def __init__(self, program: Program):
        code = [s for s in program.sections if "x" in s.perms]
        self.program = program
        funcs = sorted((s.address, s.name) for s in program.symbols.values()
                       if s.type != "abs" and "." not in s.name
                       and any(c.address <= s.address < c.end for c in code))
        self.addresses = [a for a, _ in funcs]
        self.names = [n for _, n in funcs]
        self.lines = sorted(program.source_map)
        self.code = code

    def function(self, address: int) -> tuple[str, int | None]:
        i = bisect.bisect_right(self.addresses, address) - 1
        if i < 0 or not self.in_code(address):
            return f"{address:#x}", None
        return self.names[i], self.addresses[i]

    def describe(self, address: int) -> str:
        if address == EXIT_STUB:
            return "(exit)"
        if address == RETURN_ADDRESS:
            return "(python caller)"
        name, start = self.function(address)
        return name if start is None or address == start else f"{name}+{address - start:#x}"

    def line_before(self, address: int) -> SourceLine | None:
        """The source line of the instruction that ends at `address` (a call site)."""
        i = bisect.bisect_left(self.lines, address) - 1
        return self.program.source_map[self.lines[i]] if i >= 0 else None

    def in_code(self, address: int) -> bool:
        return any(c.address <= address < c.end for c in self.code)


@dataclass
class Prologue:
    """What a function's first instructions do to the stack."""

    push_ebp: int | None = None       # address of `push ebp`
    mov_ebp: int | None = None        # address of `mov ebp, esp`
    body: int | None = None           # first address after `mov ebp, esp`
    locals_size: int = 0              # from `sub esp, n` right after
    saves: list[tuple[str, int]] = field(default_factory=list)   # (reg, address after push)


def read_prologue(machine: Machine, start: int) -> Prologue:
    code = code_bytes(machine, start, 64)
    prologue = Prologue()
    decoder = Decoder(32, code, ip=start)
    for _ in range(10):
        insn = decoder.decode()
        if insn.is_invalid:
            break
        if insn.mnemonic == Mnemonic.ENDBR32:
            continue
        if prologue.push_ebp is None:
            if insn.mnemonic == Mnemonic.PUSH and _reg(insn, 0) == Register.EBP:
                prologue.push_ebp = insn.ip32
                continue
            break
        if prologue.mov_ebp is None:
            if insn.mnemonic == Mnemonic.MOV and _reg(insn, 0) == Register.EBP \
                    and _reg(insn, 1) == Register.ESP:
                prologue.mov_ebp, prologue.body = insn.ip32, insn.next_ip32
                continue
            break
        if insn.mnemonic == Mnemonic.SUB and _reg(insn, 0) == Register.ESP \
                and insn.op1_kind != OpKind.REGISTER and not prologue.saves:
            prologue.locals_size += insn.immediate(1) & 0xFFFFFFFF
        elif insn.mnemonic == Mnemonic.PUSH and _reg(insn, 0) in REG_NAMES:
            prologue.saves.append((REG_NAMES[_reg(insn, 0)], insn.next_ip32))
        else:
            break
    return prologue


def _reg(insn, i: int) -> int | None:
    return insn.op_register(i) if insn.op_kind(i) == OpKind.REGISTER else None


def _u32(machine: Machine, address: int) -> int | None:
    try:
        return int.from_bytes(machine.engine.read(address, 4, need=0), "little")
    except MemoryFault:
        return None


def _is_ret(machine: Machine, eip: int) -> bool:
    insn = decode_at(machine, eip)
    return insn is not None and insn.mnemonic == Mnemonic.RET


def _stack_depth(machine: Machine, start: int, eip: int) -> int:
    """Bytes pushed since `start`, adding stack effects along the straight line to eip."""
    code = code_bytes(machine, start, max(0, min(eip - start, 4096)) + 15)
    decoder = Decoder(32, code, ip=start)
    depth = 0
    for insn in decoder:
        if insn.ip32 >= eip or insn.is_invalid:
            break
        if insn.mnemonic != Mnemonic.CALL:          # a call's push is undone by its ret
            depth -= insn.stack_pointer_increment
    return depth


def argument_count(machine: Machine, return_address: int | None) -> int | None:
    """How many dwords the caller pushed: read off its `add esp, 4*n` after the call
    (None when the call site does not say)."""
    if return_address == EXIT_STUB:
        return 3                                          # main(argc, argv, envp)
    if return_address == RETURN_ADDRESS:
        return machine.calls.arguments if machine.calls is not None else None
    if return_address is None:
        return None
    insn = decode_at(machine, return_address)
    if insn is not None and insn.mnemonic == Mnemonic.ADD and _reg(insn, 0) == Register.ESP \
            and insn.op1_kind != OpKind.REGISTER:
        return min((insn.immediate(1) & 0xFFFFFFFF) // 4, MAX_ARGS)
    return None


def frames(machine: Machine) -> list[Frame]:
    """The frames on the stack, innermost first (cdecl: 32-bit machines; a 64-bit one
    has none to show until the System V frame walker exists)."""
    if machine.bits != 32:
        return []
    symbols = Symbols(machine.program)
    regs = machine.regs
    eip, esp, ebp = regs.eip, regs.esp, regs.ebp
    if not symbols.in_code(eip):
        return []                                 # in the exit stub, or lost
    out: list[Frame] = []
    name, start = symbols.function(eip)
    frame, caller_ebp = _innermost(machine, symbols, name, start, eip, esp, ebp)
    while True:
        out.append(frame)
        ret = frame.return_address
        if ret is None or ret in (EXIT_STUB, RETURN_ADDRESS) or not symbols.in_code(ret) \
                or len(out) >= MAX_FRAMES:
            break
        name, start = symbols.function(ret)
        program = machine.program
        if start == program.entry and program.entry_kind == "start":
            frame = Frame(name, start, "start", None, None, None, low=_frame_top(frame))
            continue
        prologue = read_prologue(machine, start) if start is not None else Prologue()
        if prologue.body is not None and ret > prologue.mov_ebp:
            base = caller_ebp
            if base is None or base <= (frame.base or frame.low):
                break                             # the EBP chain is broken
            frame = _body_frame(machine, symbols, name, start, base, low=_frame_top(frame))
            caller_ebp = _u32(machine, base)
        else:                                     # a caller without a frame pointer
            slot = frame.return_slot + 4 + (_stack_depth(machine, start, ret)
                                            if start is not None else 0)
            frame = Frame(name, start, "frameless", None, slot, _u32(machine, slot),
                          low=_frame_top(frame))
            _describe_return(machine, symbols, frame)
    _fill_locals(machine, out, esp)
    return out


def _frame_top(frame: Frame) -> int:
    """First address above this frame's arguments: where the caller's frame begins."""
    return (frame.return_slot or frame.low) + 4 + 4 * len(frame.args)


def _innermost(machine: Machine, symbols: Symbols, name: str, start: int | None, eip: int,
               esp: int, ebp: int) -> tuple[Frame, int | None]:
    program = machine.program
    if start is not None and start == program.entry and program.entry_kind == "start":
        return Frame(name, start, "start", None, None, None, low=esp), None
    prologue = read_prologue(machine, start) if start is not None else Prologue()
    if _is_ret(machine, eip):
        state, slot, caller_ebp = "returning", esp, ebp
    elif prologue.body is not None and start is not None and eip <= prologue.push_ebp:
        state, slot, caller_ebp = "entry", esp, ebp
    elif prologue.body is not None and eip == prologue.mov_ebp:
        state, slot, caller_ebp = "prologue", esp + 4, _u32(machine, esp)
    elif prologue.body is not None:
        frame = _body_frame(machine, symbols, name, start, ebp, low=esp, eip=eip)
        return frame, _u32(machine, ebp)
    else:
        depth = _stack_depth(machine, start, eip) if start is not None else 0
        state, slot, caller_ebp = "frameless", esp + depth, ebp
    ret = _u32(machine, slot)
    frame = Frame(name, start, state, None, slot, ret, low=esp)
    _describe_return(machine, symbols, frame)
    if state == "prologue":
        frame.saved["ebp"] = esp
    return frame, caller_ebp


def _body_frame(machine: Machine, symbols: Symbols, name: str, start: int | None, base: int,
                *, low: int, eip: int | None = None) -> Frame:
    """A frame whose prologue has run: EBP is its base."""
    prologue = read_prologue(machine, start) if start is not None else Prologue()
    frame = Frame(name, start, "body", base, base + 4, _u32(machine, base + 4), low=low)
    frame.saved["ebp"] = base
    at = base - prologue.locals_size
    for reg, after in prologue.saves:
        at -= 4
        if eip is None or eip >= after:
            frame.saved[reg] = at
    _describe_return(machine, symbols, frame)
    return frame


def _describe_return(machine: Machine, symbols: Symbols, frame: Frame) -> None:
    ret = frame.return_address
    if ret is None:
        return
    frame.caller = symbols.describe(ret)
    if symbols.in_code(ret):
        frame.caller_line = symbols.line_before(ret)
    n = argument_count(machine, ret) or 0
    first = frame.return_slot + 4
    frame.args = [(first + 4 * i, _u32(machine, first + 4 * i) or 0) for i in range(n)]


def _fill_locals(machine: Machine, frames_: list[Frame], esp: int) -> None:
    """Locals: the words between a frame's low end and its saved EBP, minus saved registers."""
    for i, frame in enumerate(frames_):
        if frame.base is None:
            continue
        low = esp if i == 0 else _frame_top(frames_[i - 1])
        frame.low = low
        saved = set(frame.saved.values())
        frame.locals = [(a, _u32(machine, a) or 0) for a in range(frame.base - 4, low - 1, -4)
                        if a not in saved][:256]
