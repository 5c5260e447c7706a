"""Stack frames along the EBP (RBP) chain, correct at every instruction, in 32-bit (cdecl)
and 64-bit (System V AMD64) code alike: only the word size differs.

The innermost frame needs care, because EBP only describes a function's frame once its
prologue has run: at the first instruction the return address is at [ESP]; after
`push ebp` it is at [ESP+4]; in the body it is at [EBP+4]; at the `ret` (after `leave`
or `pop ebp`) it is at [ESP] again. We find where EIP is by decoding the function's
prologue. Functions without a prologue are "frameless": their return address is found
by adding up the stack effects of the instructions from the function's start to EIP.
Outer frames follow the saved EBP values.

The number of arguments comes from the call site: a cdecl caller removes them with
`add esp, 4*n` right after the call. System V passes the first six in registers, so a
64-bit frame lists only the arguments its caller put on the stack.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from iced_x86 import Decoder, FlowControl, Mnemonic, OpKind, Register

from ..cpu.instruction import code_bytes, decode_at
from ..cpu.memory import MemoryFault
from ..cpu.registers import EBP, ESP, gpr
from ..process import EXIT_STUB
from ..program import Program, SourceLine
from .call import RETURN_ADDRESS

if TYPE_CHECKING:
    from ..machine import Machine

MAX_FRAMES = 4096
MAX_ARGS = 16
REG_NAMES = {Register.EBX: "ebx", Register.ESI: "esi", Register.EDI: "edi",
             Register.EAX: "eax", Register.ECX: "ecx", Register.EDX: "edx",
             Register.RBX: "rbx", Register.R12: "r12", Register.R13: "r13",
             Register.R14: "r14", Register.R15: "r15", Register.RSI: "rsi",
             Register.RDI: "rdi", Register.RAX: "rax", Register.RCX: "rcx",
             Register.RDX: "rdx"}
FRAME_POINTER = {Register.EBP, Register.RBP}
STACK_POINTER = {Register.ESP, Register.RSP}


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
        funcs = function_starts(program)
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


def function_starts(program: Program) -> list[tuple[int, str]]:
    """(address, name) of each function, in address order. A function is a symbol the
    source calls one (PROC, `.type f, @function`, an ELF STT_FUNC), an exported one
    (`global`), a `call` target, or the entry point; a plain label inside one (a loop
    top) is not, nor a nasm `.local` label. Computed once per program."""
    cached = getattr(program, "_function_starts", None)
    if cached is not None:
        return cached
    code = [s for s in program.sections if "x" in s.perms]
    targets = call_targets(program) | getattr(program, "_entered", set())
    names = set(program.symbols)
    best: dict[int, tuple[int, str]] = {}
    for sym in program.symbols.values():
        if sym.type == "abs" or not any(c.address <= sym.address < c.end for c in code):
            continue
        if sym.name.startswith(".L") or ("." in sym.name.strip(".")
                                         and sym.name.rsplit(".", 1)[0] in names):
            continue                                     # .L and nasm's parent.local
        rank = 0 if sym.type == "func" else 1 if sym.exported else \
            2 if sym.address == program.entry else 3 if sym.address in targets else None
        if rank is not None and (sym.address not in best or rank < best[sym.address][0]):
            best[sym.address] = (rank, sym.name)
    starts = sorted((address, name) for address, (_, name) in best.items())
    program._function_starts = starts
    return starts


def declare_function(program: Program, address: int) -> None:
    """Something outside the code starts a function at `address` (Machine.call, a
    coroutine's entry): its label is a function's name from now on."""
    entered = program.__dict__.setdefault("_entered", set())
    if address not in entered:
        entered.add(address)
        program.__dict__.pop("_function_starts", None)


def call_targets(program: Program) -> set[int]:
    """Addresses code may call: direct call targets, and addresses the program takes as
    values (`push f`, `mov eax, f`, `lea rdi, [rel f]`, `dd f` in data: callbacks,
    coroutine entries, function tables). A jump target alone is a label, not these."""
    targets: set[int] = set()
    word = program.bits // 8
    for section in program.sections:
        if not section.data:
            continue
        if "x" not in section.perms:
            data = section.data
            targets.update(int.from_bytes(data[i:i + word], "little")
                           for i in range(0, len(data) - word + 1, word))
            continue
        for insn in Decoder(program.bits, section.data, ip=section.address):
            if insn.mnemonic == Mnemonic.CALL and insn.op0_kind in BRANCHES:
                targets.add(insn.near_branch_target)
            elif insn.mnemonic not in JUMPS:
                for i in range(insn.op_count):
                    if insn.op_kind(i) in IMMEDIATES:
                        targets.add(insn.immediate(i) & ((1 << program.bits) - 1))
                    elif insn.op_kind(i) == OpKind.MEMORY:
                        targets.add(insn.memory_displacement)
    return targets


BRANCHES = {OpKind.NEAR_BRANCH16, OpKind.NEAR_BRANCH32, OpKind.NEAR_BRANCH64}
IMMEDIATES = {OpKind.IMMEDIATE32, OpKind.IMMEDIATE64, OpKind.IMMEDIATE32TO64,
              OpKind.IMMEDIATE8TO32}
JUMPS = {Mnemonic.JMP, Mnemonic.JE, Mnemonic.JNE, Mnemonic.LOOP, Mnemonic.JECXZ}


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
    decoder = Decoder(machine.bits, code, ip=start)
    for _ in range(10):
        insn = decoder.decode()
        if insn.is_invalid:
            break
        if insn.mnemonic in (Mnemonic.ENDBR32, Mnemonic.ENDBR64):
            continue
        if prologue.push_ebp is None:
            if insn.mnemonic == Mnemonic.PUSH and _reg(insn, 0) in FRAME_POINTER:
                prologue.push_ebp = insn.ip
                continue
            break
        if prologue.mov_ebp is None:
            if insn.mnemonic == Mnemonic.MOV and _reg(insn, 0) in FRAME_POINTER \
                    and _reg(insn, 1) in STACK_POINTER:
                prologue.mov_ebp, prologue.body = insn.ip, insn.next_ip
                continue
            break
        if insn.mnemonic == Mnemonic.SUB and _reg(insn, 0) in STACK_POINTER \
                and insn.op1_kind != OpKind.REGISTER and not prologue.saves:
            prologue.locals_size += insn.immediate(1) & 0xFFFFFFFF
        elif insn.mnemonic == Mnemonic.PUSH and _reg(insn, 0) in REG_NAMES:
            prologue.saves.append((REG_NAMES[_reg(insn, 0)], insn.next_ip))
        else:
            break
    return prologue


def _reg(insn, i: int) -> int | None:
    return insn.op_register(i) if insn.op_kind(i) == OpKind.REGISTER else None


def _word(machine: Machine, address: int) -> int | None:
    """The machine word (4 or 8 bytes) at `address`, or None where nothing is mapped."""
    try:
        return int.from_bytes(machine.engine.read(address, machine.bits // 8, need=0),
                              "little")
    except MemoryFault:
        return None


def _is_ret(machine: Machine, eip: int) -> bool:
    insn = decode_at(machine, eip)
    return insn is not None and insn.mnemonic == Mnemonic.RET


def _stack_effect(insn) -> int:
    """Bytes `insn` adds to the stack: pushes and pops, and `sub/add esp, n` (a call's
    push is undone by its ret)."""
    if insn.mnemonic == Mnemonic.CALL:
        return 0
    if insn.mnemonic in (Mnemonic.SUB, Mnemonic.ADD) and _reg(insn, 0) in STACK_POINTER \
            and insn.op1_kind != OpKind.REGISTER:
        amount = insn.immediate(1) & 0xFFFFFFFF
        return amount if insn.mnemonic == Mnemonic.SUB else -amount
    return -insn.stack_pointer_increment


def _stack_depth(machine: Machine, start: int, eip: int) -> int:
    """Bytes pushed since `start` when execution reaches `eip`: the stack effects added
    up along the control flow from the function's start (both ways at a conditional
    branch), so a push on a path not taken to `eip` does not count."""
    code = code_bytes(machine, start, max(0, min(eip - start, 4096)) + 15)
    end = start + len(code)
    depth_at = {start: 0}
    todo = [start]
    while todo:
        at = todo.pop()
        if at == eip or not start <= at < end:
            continue
        insn = Decoder(machine.bits, code[at - start:], ip=at).decode()
        if insn.is_invalid:
            continue
        depth = depth_at[at] + _stack_effect(insn)
        flow = insn.flow_control
        targets = []
        if flow in (FlowControl.NEXT, FlowControl.CALL, FlowControl.INDIRECT_CALL,
                    FlowControl.CONDITIONAL_BRANCH, FlowControl.INTERRUPT):
            targets.append(insn.next_ip)
        if flow in (FlowControl.UNCONDITIONAL_BRANCH, FlowControl.CONDITIONAL_BRANCH) \
                and insn.op0_kind in (OpKind.NEAR_BRANCH16, OpKind.NEAR_BRANCH32,
                                      OpKind.NEAR_BRANCH64):
            targets.append(insn.near_branch_target)
        for target in targets:
            if target not in depth_at:
                depth_at[target] = depth
                todo.append(target)
    return depth_at.get(eip, 0)


def argument_count(machine: Machine, return_address: int | None) -> int | None:
    """How many words the caller pushed: read off its `add esp, 4*n` (`add rsp, 8*n`)
    after the call (None when the call site does not say)."""
    if return_address == EXIT_STUB:
        return 3 if machine.bits == 32 else 0          # main(argc, argv, envp)
    if return_address == RETURN_ADDRESS:
        return machine.calls.arguments if machine.calls is not None else None
    if return_address is None:
        return None
    insn = decode_at(machine, return_address)
    if insn is not None and insn.mnemonic == Mnemonic.ADD and _reg(insn, 0) in STACK_POINTER \
            and insn.op1_kind != OpKind.REGISTER:
        return min((insn.immediate(1) & 0xFFFFFFFF) // (machine.bits // 8), MAX_ARGS)
    return None


def frames(machine: Machine) -> list[Frame]:
    """The frames on the stack, innermost first."""
    symbols = Symbols(machine.program)
    regs, word = machine.regs, machine.bits // 8
    eip, esp, ebp = machine.pc, regs[gpr(machine.bits, ESP)], regs[gpr(machine.bits, EBP)]
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
        name, start = symbols.function(ret - 1)      # the call is before its return address
        program = machine.program
        if start == program.entry and program.entry_kind == "start":
            frame = Frame(name, start, "start", None, None, None, low=_frame_top(frame, word))
            continue
        prologue = read_prologue(machine, start) if start is not None else Prologue()
        if prologue.body is not None and ret > prologue.mov_ebp:
            base = caller_ebp
            if base is None or base <= (frame.base or frame.low):
                break                             # the EBP chain is broken
            frame = _body_frame(machine, symbols, name, start, base,
                                low=_frame_top(frame, word))
            caller_ebp = _word(machine, base)
        else:                                     # a caller without a frame pointer
            slot = frame.return_slot + word + (_stack_depth(machine, start, ret)
                                               if start is not None else 0)
            frame = Frame(name, start, "frameless", None, slot, _word(machine, slot),
                          low=_frame_top(frame, word))
            _describe_return(machine, symbols, frame)
    _fill_locals(machine, out, esp)
    return out


def _frame_top(frame: Frame, word: int = 4) -> int:
    """First address above this frame's arguments: where the caller's frame begins."""
    return (frame.return_slot or frame.low) + word + word * len(frame.args)


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
        state, slot, caller_ebp = "prologue", esp + machine.bits // 8, _word(machine, esp)
    elif prologue.body is not None:
        frame = _body_frame(machine, symbols, name, start, ebp, low=esp, eip=eip)
        return frame, _word(machine, ebp)
    else:
        depth = _stack_depth(machine, start, eip) if start is not None else 0
        state, slot, caller_ebp = "frameless", esp + depth, ebp
    ret = _word(machine, slot)
    frame = Frame(name, start, state, None, slot, ret, low=esp)
    _describe_return(machine, symbols, frame)
    if state == "prologue":
        frame.saved[gpr(machine.bits, EBP)] = esp
    return frame, caller_ebp


def _body_frame(machine: Machine, symbols: Symbols, name: str, start: int | None, base: int,
                *, low: int, eip: int | None = None) -> Frame:
    """A frame whose prologue has run: EBP is its base."""
    prologue = read_prologue(machine, start) if start is not None else Prologue()
    word = machine.bits // 8
    frame = Frame(name, start, "body", base, base + word, _word(machine, base + word), low=low)
    frame.saved[gpr(machine.bits, EBP)] = base
    at = base - prologue.locals_size
    for reg, after in prologue.saves:
        at -= word
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
    n, word = argument_count(machine, ret) or 0, machine.bits // 8
    first = frame.return_slot + word
    frame.args = [(first + word * i, _word(machine, first + word * i) or 0) for i in range(n)]


def _fill_locals(machine: Machine, frames_: list[Frame], esp: int) -> None:
    """Locals: the words between a frame's low end and its saved EBP, minus saved registers."""
    word = machine.bits // 8
    for i, frame in enumerate(frames_):
        if frame.base is None:
            continue
        low = esp if i == 0 else _frame_top(frames_[i - 1], word)
        frame.low = low
        saved = set(frame.saved.values())
        frame.locals = [(a, _word(machine, a) or 0)
                        for a in range(frame.base - word, low - 1, -word) if a not in saved][:256]
