"""The stack: push pop (segment registers too), pushad popad, enter leave.

Flags: none. Every push writes memory before ESP moves, and every pop reads before it
moves, so a fault leaves ESP and memory as they were. In 64-bit mode the stack pointer
is RSP and pushes move 8 bytes (2 with an operand-size prefix); the sizes come from
iced's stack_pointer_increment, so one closure serves both modes.
"""

from __future__ import annotations

from iced_x86 import Code
from iced_x86 import Mnemonic as M

from ...cpu.registers import MASK
from ..decode import SEG
from ..source import Source
from . import handles

ESP, EBP = 4, 5


def push(s: Source, value: str, size: int) -> str:
    """Source lines pushing `value` (`size` bytes): memory first, then the stack
    pointer, so a fault leaves both as they were."""
    t = s.t
    s.raises = s.writes = True
    write = s.bind(f"wr{size}", t.mem.writer(size))
    return s(f"$sp = (R[{ESP}] - {size}) & {t.amask:#x}", f"{write}($sp, {value})",
             f"R[{ESP}] = $sp")


def pop(s: Source, size: int, release: int = 0) -> str:
    """Source lines popping `size` bytes (and `release` more, for ret imm16) into
    `$v`: read before the stack pointer moves."""
    t = s.t
    s.raises = True
    read = s.bind(f"rd{size}", t.mem.reader(size))
    s(f"$v = {read}(R[{ESP}])", f"R[{ESP}] = (R[{ESP}] + {size + release}) & {t.amask:#x}")
    return "$v"


@handles("push")
def push_(t):
    """`push esp` pushes the value from before the push."""
    size = -t.insn.stack_pointer_increment
    s = Source(t)
    value = s.read(0, size * 8)               # a 32-bit push of a selector zero-extends it
    if not (value.isdigit() or value.startswith("R[")):
        s(f"$x = {value}")
        value = "$x"
    return push(s, value, size)


@handles("pop")
def pop_(t):
    size = t.insn.stack_pointer_increment
    r, read, cpu, mask = t.cpu.r, t.mem.reader(size), t.cpu, t.amask
    if t.is_reg(0) and t.insn.op_register(0) in SEG:
        name = t.segment(0)
        t.ends_block = True

        def op_segment():
            esp = r[ESP]
            cpu.load_segment(name, read(esp) & 0xFFFF)
            r[ESP] = (esp + size) & mask
        return op_segment
    if t.is_reg(0):                             # `pop esp` ends with the popped value
        s = Source(t)
        return s.write(0, pop(s, size), size * 8)
    put = t.writer(0, size * 8)

    def op():
        esp = r[ESP]
        value = read(esp)
        r[ESP] = (esp + size) & mask            # a memory destination addresses with the new ESP
        try:
            put(value)
        except BaseException:
            r[ESP] = esp
            raise
    return op


ORDER = (0, 1, 2, 3, 4, 5, 6, 7)                # eax ecx edx ebx esp ebp esi edi


@handles("pushad", "pusha")
def push_all(t):
    size = 4 if t.insn.mnemonic == M.PUSHAD else 2
    r, mem = t.cpu.r, t.mem
    mask = MASK[size * 8]

    def op():
        esp = r[ESP]
        block = b"".join((r[i] & mask).to_bytes(size, "little") for i in reversed(ORDER))
        new = (esp - 8 * size) & 0xFFFFFFFF
        mem.write(new, block)
        r[ESP] = new
    return op


@handles("popad", "popa")
def pop_all(t):
    size = 4 if t.insn.mnemonic == M.POPAD else 2
    cpu, mem = t.cpu, t.mem
    r = cpu.r
    writers = [t.reg_writer(i, 0, size * 8) for i in ORDER]

    def op():
        esp = r[ESP]
        block = mem.read(esp, 8 * size)
        values = [int.from_bytes(block[k * size:(k + 1) * size], "little") for k in range(8)]
        for i, value in zip(reversed(ORDER), values, strict=True):
            if i != ESP:                        # the saved ESP is skipped
                writers[i](value)
        r[ESP] = (esp + 8 * size) & 0xFFFFFFFF
    return op


@handles("leave")
def leave(t):
    """mov esp, ebp; pop ebp (rsp and rbp in 64-bit mode; BP alone with a 66 prefix)."""
    size = 2 if t.insn.code == Code.LEAVEW else t.width // 8
    r, read, mask = t.cpu.r, t.mem.reader(size), t.amask
    put_bp = t.reg_writer(EBP, 0, size * 8)

    def op():
        ebp = r[EBP]
        value = read(ebp)
        r[ESP] = (ebp + size) & mask
        put_bp(value)
    return op


@handles("enter")
def enter(t):
    """enter alloc, level: push EBP, copy `level - 1` frame pointers, push the new frame
    pointer when level > 0, then reserve `alloc` bytes. All memory is checked first."""
    alloc, level = t.insn.immediate(0) & 0xFFFF, (t.insn.immediate(1) & 0xFF) % 32
    size = 2 if t.insn.code == Code.ENTERW_IMM16_IMM8 else t.width // 8
    r, mem, read, mask = t.cpu.r, t.mem, t.mem.reader(size), t.amask

    def op():
        esp, ebp = r[ESP], r[EBP]
        pending: dict[int, int] = {}             # pushes not yet in memory, by address
        at = esp

        def push(value: int) -> None:
            nonlocal at
            at = (at - size) & mask
            pending[at] = value

        push(ebp)
        frame = at
        for k in range(1, level):            # copy the outer frame pointers, as pushed
            source = (ebp - k * size) & mask
            push(pending[source] if source in pending else read(source))
        if level:
            push(frame)
        mem.write(at, b"".join(pending[a].to_bytes(size, "little") for a in sorted(pending)))
        r[EBP] = frame
        r[ESP] = (at - alloc) & mask
    return op

