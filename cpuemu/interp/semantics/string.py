"""String instructions: movs stos lods cmps scas in byte, word, dword and qword sizes,
with rep / repe / repne handled once for all of them.

Flags: cmps and scas set all six like cmp (source minus destination for cmps,
accumulator minus memory for scas); the others change none. DF chooses the direction.
Each iteration updates ESI/EDI/ECX before the next starts, so a fault part-way leaves
the registers describing exactly the iterations done, with EIP on the instruction.
The address size (32, or 64 in long mode unless a 0x67 prefix makes it 32) decides
whether ESI/EDI/ECX or RSI/RDI/RCX count and how they wrap; a 32-bit update zero-extends.
"""

from __future__ import annotations

from iced_x86 import Code, MemorySizeExt, OpKind
from iced_x86 import Mnemonic as M

from ...cpu.registers import MASK
from ..cpu import DF, RepBudgetSpent
from ..decode import SEG, Unsupported
from ..flags import SUB
from . import handles

EAX, ECX, ESI, EDI = 0, 1, 6, 7
SSE_FORMS = {Code.MOVSD_XMM_XMMM64, Code.MOVSD_XMMM64_XMM, Code.CMPSD_XMM_XMMM64_IMM8}
ADDRESS_BITS = {OpKind.MEMORY_SEG_ESI: 32, OpKind.MEMORY_ESEDI: 32,
                OpKind.MEMORY_SEG_RSI: 64, OpKind.MEMORY_ESRDI: 64}


@handles("movsb", "movsw", "movsd", "movsq", "stosb", "stosw", "stosd", "stosq",
         "lodsb", "lodsw", "lodsd", "lodsq", "cmpsb", "cmpsw", "cmpsd", "cmpsq",
         "scasb", "scasw", "scasd", "scasq")
def string(t):
    insn = t.insn
    if insn.code in SSE_FORMS:            # SSE2's movsd and cmpsd share the mnemonics
        from .sse_float import compare
        from .sse_move import move_scalar
        return (move_scalar if insn.mnemonic == M.MOVSD else compare)(t)
    kinds = {insn.op_kind(i) for i in range(insn.op_count)}
    if kinds & {OpKind.MEMORY_SEG_SI, OpKind.MEMORY_ESDI}:
        raise Unsupported("16-bit address size string instruction")
    t.amask = MASK[next(ADDRESS_BITS[k] for k in kinds if k in ADDRESS_BITS)]  # how ESI.. wrap
    size = MemorySizeExt.size(insn.memory_size)
    body, compares = BODIES[insn.mnemonic](t, size)
    if not (insn.has_rep_prefix or insn.has_repne_prefix):
        return body
    return repeat(t, body, compares)


def repeat(t, body, compares: bool):
    """rep: run `body` ECX times. repe/repne on cmps/scas also stop when ZF says so.
    Each iteration after the first spends one instruction of the budget (`rep_room`),
    as Unicorn counts them, so a budget bounds `rep` with a huge ECX."""
    cpu, mask = t.cpu, t.amask
    r = cpu.r
    t.ends_block = t.repeats = True       # last in its block: the budget left is known
    stop_when_zf = (0 if t.insn.has_rep_prefix else 1) if compares else None

    def op():
        first = True
        while r[ECX] & mask:
            if not first:
                if cpu.rep_room <= 0:
                    raise RepBudgetSpent()
                cpu.rep_room -= 1
            first = False
            body()
            r[ECX] = (r[ECX] - 1) & mask
            if stop_when_zf is not None:
                s = cpu.lazy
                if s[0].zf(s) == stop_when_zf:
                    break
    return op


def _source_base(t):
    """Segment base of DS:ESI (an override may change it); ES:EDI is always ES."""
    cpu, name = t.cpu, SEG.get(t.insn.memory_segment, "ds")
    if name in ("fs", "gs") or not cpu.flat:
        return lambda: cpu.base(name)
    return lambda: 0


def _destination_base(t):
    cpu = t.cpu
    return (lambda: cpu.base("es")) if not cpu.flat and t.width == 32 else (lambda: 0)


def _step(cpu, size: int) -> int:
    return -size if cpu.eflags & DF else size


def movs(t, size):
    cpu, read, write, wrap = t.cpu, t.mem.reader(size), t.mem.writer(size), t.amask
    r, src_base, dst_base = cpu.r, _source_base(t), _destination_base(t)

    def body():
        write((r[EDI] + dst_base()) & wrap, read((r[ESI] + src_base()) & wrap))
        step = _step(cpu, size)
        r[ESI] = (r[ESI] + step) & wrap
        r[EDI] = (r[EDI] + step) & wrap
    return body, False


def stos(t, size):
    cpu, write, wrap = t.cpu, t.mem.writer(size), t.amask
    r, dst_base, acc = cpu.r, _destination_base(t), t.reg_reader(EAX, 0, size * 8)

    def body():
        write((r[EDI] + dst_base()) & wrap, acc())
        r[EDI] = (r[EDI] + _step(cpu, size)) & wrap
    return body, False


def lods(t, size):
    cpu, read, wrap = t.cpu, t.mem.reader(size), t.amask
    r, src_base, put = cpu.r, _source_base(t), t.reg_writer(EAX, 0, size * 8)

    def body():
        put(read((r[ESI] + src_base()) & wrap))
        r[ESI] = (r[ESI] + _step(cpu, size)) & wrap
    return body, False


def cmps(t, size):
    cpu, read, wrap = t.cpu, t.mem.reader(size), t.amask
    r, src_base, dst_base = cpu.r, _source_base(t), _destination_base(t)
    rule, mask = SUB[size * 8], MASK[size * 8]

    def body():
        a = read((r[ESI] + src_base()) & wrap)
        b = read((r[EDI] + dst_base()) & wrap)
        step = _step(cpu, size)
        r[ESI] = (r[ESI] + step) & wrap
        r[EDI] = (r[EDI] + step) & wrap
        cpu.lazy = (rule, a, b, (a - b) & mask, None)
    return body, True


def scas(t, size):
    cpu, read, wrap = t.cpu, t.mem.reader(size), t.amask
    r, dst_base, acc = cpu.r, _destination_base(t), t.reg_reader(EAX, 0, size * 8)
    rule, mask = SUB[size * 8], MASK[size * 8]

    def body():
        a = acc()
        b = read((r[EDI] + dst_base()) & wrap)
        r[EDI] = (r[EDI] + _step(cpu, size)) & wrap
        cpu.lazy = (rule, a, b, (a - b) & mask, None)
    return body, True


BODIES = {}
for _family, _names in ((movs, "movs"), (stos, "stos"), (lods, "lods"), (cmps, "cmps"),
                        (scas, "scas")):
    for _suffix in "bwdq":
        BODIES[getattr(M, f"{_names}{_suffix}".upper())] = _family
