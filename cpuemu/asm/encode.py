"""Encode one instruction: normalised Intel text -> keystone -> bytes, checked by iced-x86.

keystone 0.9.2 mis-encodes silently on some inputs (truncated immediates, 16-bit pushes),
so every encoding is decoded back and compared with what the source asked for; any
difference is an AssemblyError at the source line, never wrong code.

In 64-bit mode keystone is worse (measured; see docs/keystone.md): it encodes an
absolute `[0x402000]` as RIP-relative `[rip+0x402000]` for most instructions (and
`fs:[0x28]` as `fs:[rip+0x28]`), turns `push 0xff80` into a sign-extended imm8, and
aborts the whole process ("LLVM ERROR") on a high-byte register beside a REX prefix
(`mov ah, [r8]`). So absolute addresses reach it only in the SIB form `[x+riz*1]`,
RIP-relative ones with the displacement already computed, pushes are encoded here, and
`ah`..`dh` next to a REX operand are refused before keystone sees them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache

import iced_x86
from keystone import KS_ARCH_X86, KS_MODE_32, KS_MODE_64, Ks, KsError

from .forms import explain, fits, forms, memory_sizes
from .names import (
    HIGH_BYTES,
    SHIFTS,
    canonical,
    canonical_register,
    iced_mnemonic_names,
    iced_register_names,
    is_extended,
    needs_long_mode,
    needs_rex,
    register_bits,
    sizing_register_bits,
)

SIZE_UNSAID = "operation size not specified"     # the layout adds the dialect's way to say it
SIZE_PTR = {8: "byte", 16: "word", 32: "dword", 64: "qword", 80: "tbyte", 128: "xmmword"}

JCC = {"j" + cc for cc in ("o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np",
                           "l", "ge", "le", "g")}
RELATIVE = JCC | {"jmp", "call", "loop", "loope", "loopne", "jecxz", "jcxz", "xbegin"}
STACK_OPS = {"push", "pop"}
# Memory operands of these need no size: lea takes an address; in 32-bit code the
# stack and indirect branches move dwords.
SIZE_FREE = {"lea", "invlpg", "lgdt", "lidt", "sgdt", "sidt", "clflush", "prefetch",
             "prefetchw", "prefetcht0", "prefetcht1", "prefetcht2", "prefetchnta", "fxsave",
             "fxrstor", "fldenv", "fnstenv", "fnsave", "frstor", "bound", "lds", "les",
             "lfs", "lgs", "lss", "nop"}
DEFAULT_DWORD = {"push", "pop", "call", "jmp"}
# Immediates sized by the instruction, not by the destination.
OWN_IMM_WIDTH = {"shl", "shr", "sal", "sar", "rol", "ror", "rcl", "rcr", "shld", "shrd",
                 "enter", "ret", "retf", "int", "in", "out", "bt", "bts", "btr", "btc",
                 "push", "imul"}
# Opcode bytes for forms keystone rejects (`movsd`) or widens (`push cs` -> 66 0e).
# keystone knows no endbr32/endbr64 (gcc -fcf-protection writes them).
FIXED = {"movsd": "a5", "endbr64": "f30f1efa", "endbr32": "f30f1efb",
         "push es": "06", "push cs": "0e", "push ss": "16", "push ds": "1e",
         "push fs": "0fa0", "push gs": "0fa8", "pop es": "07", "pop ss": "17", "pop ds": "1f",
         "pop fs": "0fa1", "pop gs": "0fa9"}

PREFIX_BYTES = {"rep": 0xF3, "repe": 0xF3, "repz": 0xF3, "repne": 0xF2, "repnz": 0xF2,
                "lock": 0xF0}

MASK32 = 0xFFFFFFFF
MASK64 = (1 << 64) - 1

# Instructions 64-bit mode does not have (their opcodes mean something else or #UD).
LONG_MODE_INVALID = {"pushad", "popad", "pusha", "popa", "aaa", "aas", "daa", "das", "aam",
                     "aad", "into", "bound", "les", "lds", "salc", "arpl", "pushfd", "popfd",
                     "sysexit", "jmpe"}
# Instructions only 64-bit mode has.
LONG_MODE_ONLY = {"cdqe", "cqo", "movsxd", "movsq", "stosq", "lodsq", "cmpsq", "scasq",
                  "pushfq", "popfq", "iretq", "swapgs", "jrcxz", "cmpxchg16b", "movabs"}
ASK_64 = "(`bits 64`, `.code64` or --bits 64)"
# Mnemonics that mean the 64-bit form in 64-bit code.
WORD_SIZED_64 = {"pushf": "pushfq", "popf": "popfq", "iret": "iretq"}


@dataclass(frozen=True)
class COp:
    """An operand with every expression evaluated. A memory operand whose base is "rip"
    holds its target address in `disp`, or with `rip_literal` the displacement from the
    next instruction as written (gas `8(%rip)`)."""

    kind: str                 # "reg", "imm", "mem"
    reg: str = ""
    value: int = 0
    size: int | None = None   # bits, memory operands (and immediates the text sized)
    strict: bool = False      # an immediate whose size is not to be shortened
    modrm: bool = False       # mov reg, imm32 as C7 /0 (the form ld relaxes GOT loads to)
    seg: str | None = None
    base: str | None = None
    index: str | None = None
    scale: int = 1
    disp: int = 0
    rip_literal: bool = False
    disp_size: int | None = None  # bits the displacement is encoded in, when the text says


class EncodeError(Exception):
    """Why one instruction could not be encoded; `operand` indexes the culprit if known.
    `unencodable`: no form was found (forms.explain says why in the user's terms)."""

    def __init__(self, message: str, operand: int | None = None, unencodable: bool = False):
        super().__init__(message)
        self.operand, self.unencodable = operand, unencodable


def hex_signed(value: int) -> str:
    return f"-{-value:#x}" if value < 0 else f"{value:#x}"


BIT_TESTS = {"bt", "bts", "btr", "btc"}


def signed32(value: int) -> int:
    """A displacement as the CPU reads it: [ebx+0xfffffffc] is [ebx-4]."""
    return (value + (1 << 31) & MASK32) - (1 << 31)


def render_operand(op: COp, mnemonic: str, bits: int = 32, next_ip: int = 0) -> str:
    """Intel text for keystone. `next_ip` is the address after the instruction (for
    RIP-relative targets: the displacement is computed here, not by keystone)."""
    if op.kind == "reg":
        return X87_STACK.get(op.reg, op.reg)        # keystone spells st1 as st(1)
    if op.kind == "imm":
        if mnemonic in RELATIVE:
            return f"{op.value & (MASK64 if bits == 64 else MASK32):#x}"
        if mnemonic in BIT_TESTS and 0x80 <= op.value <= 0xFF:
            return hex_signed(op.value - 0x100)     # keystone takes only a signed imm8 here
        return hex_signed(op.value)
    parts = []
    if op.base == "rip":
        parts.append("rip")
        disp = op.disp if op.rip_literal else op.disp - next_ip
    else:
        if op.base:
            parts.append(op.base)
        if op.index:
            parts.append(f"{op.index}*{op.scale:#x}")
        disp = signed32(op.disp)
    if parts:
        inner = "+".join(parts) + (("+" if disp > 0 else "") + hex_signed(disp) if disp else "")
    elif bits == 64 and -(1 << 31) <= op.disp < (1 << 31):
        inner = f"{hex_signed(op.disp)}+riz*1"      # absolute: SIB form, never RIP-relative
    else:
        inner = f"{op.disp & (MASK64 if bits == 64 else MASK32):#x}"
    size = f"{SIZE_PTR[op.size]} ptr " if op.size else ""
    seg = f"{op.seg}:" if op.seg else ""
    return f"{size}{seg}[{inner}]"


X87_STACK = {f"st{i}": f"st({i})" for i in range(8)}


def render(mnemonic: str, ops: list[COp], prefixes: tuple[str, ...], bits: int = 32,
           next_ip: int = 0) -> str:
    text = " ".join((*prefixes, mnemonic))
    if ops:
        text += " " + ", ".join(render_operand(op, mnemonic, bits, next_ip) for op in ops)
    return text


def settle_sizes(mnemonic: str, ops: list[COp], bits: int) -> list[COp]:
    """Give unsized memory operands the size the instruction implies, or refuse.

    A register operand sizes the memory one (keystone infers it from the register);
    push/pop and indirect branches move a machine word; anything else must say.
    """
    registers = [op.reg if op.kind == "reg" else None for op in ops]
    if mnemonic in SIZE_FREE or sizing_register_bits(mnemonic, registers):
        return ops
    said = [op.size for op in ops if op.kind == "imm" and op.size] \
        if mnemonic not in SHIFTS and mnemonic not in STACK_OPS else []
    if said:                                  # nasm `mov [x], byte 5`: the immediate says
        ops = [replace(op, size=said[0]) if op.kind == "mem" and op.size is None else op
               for op in ops]
    out = []
    for i, op in enumerate(ops):
        if op.kind == "mem" and op.size is None:
            if mnemonic in DEFAULT_DWORD:
                op = replace(op, size=bits)
            else:
                sizes = memory_sizes(mnemonic, bits)
                if len(sizes) != 1:
                    if not fits(forms(mnemonic, bits), ops):
                        raise EncodeError("no form", i, unencodable=True)
                    raise EncodeError(SIZE_UNSAID, i)
                [size] = sizes                # one form only (fstcw, ldmxcsr, fxsave...)
                if size in SIZE_PTR:
                    op = replace(op, size=size)
        out.append(op)
    return out


def check_mode(mnemonic: str, ops: list[COp], bits: int) -> None:
    """Refuse what the mode does not have, in words a user recognises, before keystone
    guesses (or aborts the process: a high-byte register beside a REX prefix).
    `mnemonic` is as written (`movabs`, not the `mov` it encodes as)."""
    names = [(i, r) for i, op in enumerate(ops) for r in (op.reg, op.base, op.index) if r]
    if bits == 32:
        for i, reg in names:
            if needs_long_mode(reg):
                raise EncodeError(f"{reg} exists only in 64-bit code {ASK_64}", i)
        if mnemonic in LONG_MODE_ONLY:
            raise EncodeError(f"{mnemonic} exists only in 64-bit code {ASK_64}")
        return
    if mnemonic in LONG_MODE_INVALID:
        raise EncodeError(f"{mnemonic} does not exist in 64-bit mode")
    if mnemonic in STACK_OPS and ops and ops[0].kind == "reg" and \
            (ops[0].reg in ("cs", "ds", "es", "ss") or register_bits(ops[0].reg) == 32):
        raise EncodeError(f"{mnemonic} {ops[0].reg} does not exist in 64-bit mode "
                          "(the stack moves 8 bytes: use the 64-bit register)", 0)
    high = [i for i, reg in names if reg in HIGH_BYTES]
    rex = [op.reg for op in ops if op.kind == "reg" and needs_rex(op.reg)] + \
        [r for op in ops for r in (op.base, op.index) if r and is_extended(r)]
    if high and rex:
        raise EncodeError(f"{ops[high[0]].reg} cannot be used in the same instruction as "
                          f"{rex[0]} (it needs a REX prefix, which turns ah..dh into "
                          "spl..dil)", high[0])


def check_immediates(mnemonic: str, ops: list[COp], bits: int = 32) -> None:
    """Refuse immediates that do not fit the operand they go to (keystone truncates)."""
    if mnemonic in RELATIVE or not ops:
        return
    if mnemonic in OWN_IMM_WIDTH:          # counts, vectors, ports: at most 16 bits
        if mnemonic not in ("push", "imul"):
            for i, op in enumerate(ops):
                if op.kind == "imm" and not -128 <= op.value <= 0xFFFF:
                    raise EncodeError(f"immediate {op.value} is out of range here", i)
        return
    first = ops[0]
    width = register_bits(first.reg) if first.kind == "reg" else first.size
    for i, op in enumerate(ops[1:], 1):
        if width and op.kind == "imm" and not -(1 << (width - 1)) <= op.value < (1 << width):
            raise EncodeError(f"immediate {op.value} ({op.value & MASK64:#x}) "
                              f"does not fit in {width} bits", i)
        if width == 64 and op.kind == "imm" and not -(1 << 31) <= op.value < (1 << 31) \
                and not (mnemonic in ("mov", "movabs") and first.kind == "reg"):
            raise EncodeError(f"immediate {op.value & MASK64:#x} does not fit in a "
                              "sign-extended 32-bit immediate (only mov to a register takes "
                              "64 bits)", i)


@cache
def _assembler(bits: int) -> Ks:
    return Ks(KS_ARCH_X86, KS_MODE_64 if bits == 64 else KS_MODE_32)


@cache
def keystone_bytes(text: str, address: int, bits: int) -> bytes:
    """keystone's encoding of one normalised instruction (never directives or symbols)."""
    *prefixes, rest = text.split(" ", text.count(" ")) if text.split()[0] in PREFIX_BYTES \
        else [text]
    fixed = FIXED.get(rest)
    if fixed and all(p in PREFIX_BYTES for p in prefixes):
        return bytes(PREFIX_BYTES[p] for p in prefixes) + bytes.fromhex(fixed)
    try:
        encoding, _ = _assembler(bits).asm(text, address)
    except KsError:
        encoding = None
    if not encoding:
        raise EncodeError(f"cannot encode `{text}`", unencodable=True)
    return bytes(encoding)



def encode(mnemonic: str, ops: list[COp], prefixes: tuple[str, ...], address: int,
           bits: int = 32, written: list[str] = ()) -> tuple[bytes, str]:
    """Bytes for one instruction at `address`, and the text handed to keystone.
    `written` is each operand's source text, for errors (forms.explain)."""
    try:
        return _encode(mnemonic, ops, prefixes, address, bits)
    except EncodeError as e:
        if not e.unencodable:
            raise
        message, operand = explain(mnemonic, ops, bits, list(written))
        raise EncodeError(message, operand if operand is not None else e.operand) from None


def _encode(mnemonic: str, ops: list[COp], prefixes: tuple[str, ...], address: int,
            bits: int) -> tuple[bytes, str]:
    written = mnemonic.lower()
    if written in WAITING_FORMS:          # finit is fwait + fninit, as every assembler has it
        code, text = _encode(WAITING_FORMS[written], ops, prefixes, address + 1, bits)
        return b"\x9b" + code, f"fwait; {text}"
    if bits == 64:
        written = WORD_SIZED_64.get(written, written)
    mnemonic = canonical(written)
    ops = [replace(op, reg=canonical_register(op.reg)) if op.kind == "reg" else op
           for op in ops]
    check_mode(written, ops, bits)
    if written == "movabs" and len(ops) == 2 and ops[0].kind == "reg" and ops[1].kind == "imm":
        return wide_move(ops), f"movabs {ops[0].reg}, {ops[1].value:#x}"
    if len(ops) == 2 and ops[1].kind == "imm" and ops[1].modrm:
        return modrm_move(ops, bits), f"mov {ops[0].reg}, {ops[1].value:#x}"
    strict = next((i for i, op in enumerate(ops) if op.kind == "imm" and op.strict), None)
    if strict is not None and mnemonic != "push":
        raise EncodeError("cpuemu honours `strict` on push only: keystone picks the shortest "
                          "immediate elsewhere", strict)
    ops = settle_sizes(mnemonic, ops, bits)
    check_immediates(mnemonic, ops, bits)
    text = render(mnemonic, ops, prefixes, bits, address)
    code = push_immediate(mnemonic, ops, prefixes, bits) or \
        counted_jump(mnemonic, ops, prefixes, address, bits)
    if code is None:
        code = keystone_bytes(text, address if mnemonic in RELATIVE else 0, bits)
        if any(op.kind == "mem" and op.base == "rip" and not op.rip_literal for op in ops):
            # the displacement counts from the next instruction: now its length is known
            text = render(mnemonic, ops, prefixes, bits, address + len(code))
            code = keystone_bytes(text, 0, bits)
    code = keep_segment_override(ops, code, bits)
    verify(mnemonic, ops, prefixes, code, address, bits, text)
    return sized_displacement(ops, code, address, bits), text


def sized_displacement(ops: list[COp], code: bytes, address: int, bits: int) -> bytes:
    """The encoding with the displacement width the text asked for (nasm `[byte esi]`
    is `[esi+0]` with a disp8; `[dword esi+4]` a disp32); iced re-encodes it."""
    at = next((i for i, op in enumerate(ops) if op.kind == "mem" and op.disp_size), None)
    if at is None:
        return code
    op = ops[at]
    if op.base is None and op.index is None:
        if op.disp_size != 32 and bits != 16:
            raise EncodeError(f"an absolute address has a 32-bit displacement, not "
                              f"{op.disp_size}-bit", at)
        return code
    if op.base == "rip":
        raise EncodeError("a RIP-relative address always has a 32-bit displacement", at)
    displacement = signed32(op.disp) if bits != 64 else op.disp
    if op.disp_size == 8 and not -128 <= displacement <= 127:
        raise EncodeError(f"displacement {hex_signed(displacement)} does not fit in a "
                          "byte ([byte ...])", at)
    ins = decode_one(code, address, bits)
    ins.memory_displ_size = 1 if op.disp_size == 8 else 4
    encoder = iced_x86.Encoder(bits)
    encoder.encode(ins, address)
    return bytes(encoder.take_buffer())


GPR64 = ("rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
         *(f"r{i}" for i in range(8, 16)))


def wide_move(ops: list[COp]) -> bytes:
    """`movabs r64, imm64` (REX.W B8+r io), which keystone shortens to a sign-extended
    imm32 whenever the value fits one."""
    reg, value = ops[0].reg, ops[1].value
    if reg not in GPR64:
        raise EncodeError("movabs with an immediate moves into a 64-bit register", 0)
    if not -(1 << 63) <= value < (1 << 64):
        raise EncodeError(f"immediate {value} does not fit in 64 bits", 1)
    number = GPR64.index(reg)
    opcode = bytes([0x48 | (number >> 3), 0xB8 + (number & 7)])
    return opcode + (value & MASK64).to_bytes(8, "little")


def modrm_move(ops: list[COp], bits: int) -> bytes:
    """`mov r32/r64, imm32` in the C7 /0 form (keystone would pick B8+r for r32)."""
    reg, value = ops[0].reg, ops[1].value
    width = register_bits(reg)
    if width not in (32, 64) or (width == 64 and bits != 64):
        raise EncodeError(f"a GOT load goes to a {bits}-bit register, not {reg}", 0)
    if not -(1 << 31) <= value < (1 << (31 if width == 64 else 32)):
        raise EncodeError(f"address {value:#x} does not fit in the 32-bit immediate a "
                          "static link writes here", 1)
    code = iced_x86.Code.MOV_RM64_IMM32 if width == 64 else iced_x86.Code.MOV_RM32_IMM32
    register = getattr(iced_x86.Register, reg.upper().replace("B", "L")
                       if reg.endswith("b") else reg.upper())
    ins = iced_x86.Instruction.create_reg_i32(code, register, signed32(value))
    encoder = iced_x86.Encoder(bits)
    encoder.encode(ins, 0)
    return bytes(encoder.take_buffer())


# x87 control instructions whose plain spelling waits for pending exceptions first.
WAITING_FORMS = {"finit": "fninit", "fclex": "fnclex", "fstsw": "fnstsw", "fstcw": "fnstcw",
                 "fsave": "fnsave", "fstenv": "fnstenv"}


def push_immediate(mnemonic: str, ops: list[COp], prefixes: tuple[str, ...],
                   bits: int) -> bytes | None:
    """`push imm`, encoded here: keystone turns 0xff80..0xffff into a sign-extended
    imm8 (`push 0xff80` -> 6a 80, which pushes 0xffffff80) and ignores `word`. In 64-bit
    mode the immediate is 32 bits, sign-extended to the 8 bytes pushed."""
    if mnemonic != "push" or prefixes or len(ops) != 1 or ops[0].kind != "imm":
        return None
    if ops[0].size == 8:                      # nasm `push byte 7`: 6a ib, sign-extended
        if not -128 <= ops[0].value <= 127:
            raise EncodeError(f"push byte takes -128..127 (it is sign-extended to the "
                              f"{SIZE_PTR[bits]} pushed), not {ops[0].value}", 0)
        return bytes([0x6A, ops[0].value & 0xFF])
    width = ops[0].size or bits
    if width not in (16, bits):
        raise EncodeError(f"push takes a word or {SIZE_PTR[bits]} immediate", 0)
    if width == 64:
        if not -(1 << 31) <= ops[0].value < (1 << 31):
            raise EncodeError(f"immediate {ops[0].value & MASK64:#x} does not fit: push "
                              "takes a sign-extended 32-bit immediate in 64-bit mode", 0)
        width = 32
    elif not -(1 << (width - 1)) <= ops[0].value < (1 << width):
        raise EncodeError(f"immediate {ops[0].value:#x} does not fit in {width} bits", 0)
    value = ops[0].value & ((1 << width) - 1)
    signed = value - (1 << width) if value >> (width - 1) else value
    prefix = b"\x66" if width == 16 else b""
    if -128 <= signed <= 127 and not ops[0].strict:
        return prefix + bytes([0x6A, signed & 0xFF])
    return prefix + b"\x68" + value.to_bytes(width // 8, "little")


# jrcxz/jecxz in 64-bit code: keystone fails them ("Invalid fixup"), so they are encoded
# here: E3 rel8, with an address-size prefix when the counter is ECX.
COUNTED_JUMPS = {"jrcxz": b"\xe3", "jecxz": b"\x67\xe3"}


def counted_jump(mnemonic: str, ops: list[COp], prefixes: tuple[str, ...], address: int,
                 bits: int) -> bytes | None:
    if bits != 64 or mnemonic not in COUNTED_JUMPS or prefixes or len(ops) != 1 \
            or ops[0].kind != "imm":
        return None
    opcode = COUNTED_JUMPS[mnemonic]
    offset = ops[0].value - (address + len(opcode) + 1)
    if not -128 <= offset <= 127:
        raise EncodeError(f"{mnemonic} reaches only 128 bytes back or 127 forward; the "
                          f"target is {offset:+d} bytes away", 0)
    return opcode + bytes([offset & 0xFF])


SEGMENT_PREFIX = {"es": 0x26, "cs": 0x2E, "ss": 0x36, "ds": 0x3E, "fs": 0x64, "gs": 0x65}


def keep_segment_override(ops: list[COp], code: bytes, bits: int) -> bytes:
    """keystone drops an override naming the default segment (`[ds:edi]`); nasm keeps
    it, and so do we: the source asked for the prefix byte."""
    seg = next((op.seg for op in ops if op.kind == "mem" and op.seg), None)
    if seg and decode_one(code, 0, bits).segment_prefix == iced_x86.Register.NONE:
        return bytes([SEGMENT_PREFIX[seg]]) + code
    return code


# -- the round-trip check -------------------------------------------------------------

_IMM_BITS = {
    iced_x86.OpKind.IMMEDIATE8: 8, iced_x86.OpKind.IMMEDIATE8_2ND: 8,
    iced_x86.OpKind.IMMEDIATE16: 16, iced_x86.OpKind.IMMEDIATE32: 32,
    iced_x86.OpKind.IMMEDIATE64: 64, iced_x86.OpKind.IMMEDIATE8TO16: 16,
    iced_x86.OpKind.IMMEDIATE8TO32: 32, iced_x86.OpKind.IMMEDIATE8TO64: 64,
    iced_x86.OpKind.IMMEDIATE32TO64: 64,
}
_BRANCH_KINDS = {iced_x86.OpKind.NEAR_BRANCH16, iced_x86.OpKind.NEAR_BRANCH32,
                 iced_x86.OpKind.NEAR_BRANCH64}
# Mnemonics iced spells differently from a valid source spelling.
_SAME = {"int3": {"int3"}, "int": {"int", "int3"}, "movs": {"movsb", "movsw", "movsd"},
         "cmps": {"cmpsb", "cmpsw", "cmpsd"}, "stos": {"stosb", "stosw", "stosd"},
         "lods": {"lodsb", "lodsw", "lodsd"}, "scas": {"scasb", "scasw", "scasd"}}
_SYMMETRIC = {"xchg", "test"}


def decode_one(code: bytes, address: int, bits: int):
    return iced_x86.Decoder(bits, code, ip=address).decode()


def format_intel(ins) -> str:
    return _formatter().format(ins)


@cache
def _formatter():
    f = iced_x86.Formatter(iced_x86.FormatterSyntax.INTEL)
    f.hex_prefix, f.hex_suffix = "0x", ""
    f.uppercase_hex = False
    f.space_after_operand_separator = True
    return f


def verify(mnemonic: str, ops: list[COp], prefixes: tuple[str, ...], code: bytes,
           address: int, bits: int, text: str) -> None:
    """Decode `code` and insist it is the instruction the source asked for."""
    ins = decode_one(code, address, bits)

    def mismatch(why: str) -> EncodeError:
        return EncodeError(f"keystone encoded `{text}` as `{format_intel(ins)}` "
                           f"({code.hex(' ')}): {why}")

    if ins.is_invalid or ins.len != len(code):
        raise mismatch("not one valid instruction")
    got = iced_mnemonic_names().get(ins.mnemonic, "?")
    if mnemonic == "xchg" and got == "nop" and len(ops) == 2 and ops[0] == ops[1]:
        return                                     # xchg eax, eax is the one-byte nop
    if got != mnemonic and got not in _SAME.get(mnemonic, ()):
        raise mismatch(f"mnemonic {got}")
    if mnemonic in STACK_OPS and ins.stack_pointer_increment not in _stack_steps(ops, bits):
        raise mismatch(f"moves the stack by {ins.stack_pointer_increment} bytes")
    if ins.is_string_instruction or got == "int3" or not ops:
        return
    theirs = list(range(ins.op_count))
    mine = list(ops)
    if mnemonic == "imul" and len(mine) == 2 and mine[1].kind == "imm":
        mine = [mine[0], mine[0], mine[1]]         # imul eax, 10 is imul eax, eax, 10
    if mnemonic.startswith("f") and len(theirs) == len(mine) + 1 and \
            ins.op0_kind == iced_x86.OpKind.REGISTER and ins.op0_register == iced_x86.Register.ST0:
        mine = [COp("reg", reg="st0"), *mine]      # fxch st2 is fxch st0, st2
    if len(mine) != len(theirs):
        raise mismatch(f"{len(theirs)} operands, expected {len(mine)}")
    if mnemonic in _SYMMETRIC and len(mine) == 2 and not _op_equal(ins, 0, mine[0], bits):
        mine.reverse()
    for i, op in enumerate(mine):
        why = _op_differs(ins, i, op, mnemonic, bits)
        if why:
            raise mismatch(why)


def _stack_steps(ops: list[COp], bits: int) -> set[int]:
    step = bits // 8
    if ops and ops[0].kind == "reg" and register_bits(ops[0].reg) == 16 \
            and ops[0].reg not in ("cs", "ds", "es", "ss", "fs", "gs"):
        step = 2
    if ops and ops[0].kind in ("mem", "imm") and ops[0].size == 16:
        step = 2
    return {step, -step}


def _op_equal(ins, i: int, op: COp, bits: int) -> bool:
    return _op_differs(ins, i, op, "", bits) is None


def _op_differs(ins, i: int, op: COp, mnemonic: str, bits: int) -> str | None:
    kind = ins.op_kind(i)
    if op.kind == "reg":
        got = iced_register_names().get(ins.op_register(i), "?")
        return None if kind == iced_x86.OpKind.REGISTER and got == op.reg \
            else f"operand {i + 1} is not {op.reg}"
    if op.kind == "imm":
        if kind in _BRANCH_KINDS:
            return None if ins.near_branch_target == op.value & ((1 << bits) - 1) \
                else f"branch target {ins.near_branch_target:#x}, expected {op.value:#x}"
        width = _IMM_BITS.get(kind)
        if width is None:
            return f"operand {i + 1} is not an immediate"
        value = ins.immediate(i)
        mask = (1 << width) - 1
        fits = -(1 << (width - 1)) <= op.value < (1 << width)
        return None if fits and value & mask == op.value & mask \
            else f"immediate {value & mask:#x}, expected {op.value:#x}"
    if kind != iced_x86.OpKind.MEMORY:
        return f"operand {i + 1} is not a memory operand"
    regs = iced_register_names()
    base = regs.get(ins.memory_base)
    index = regs.get(ins.memory_index)
    if (base, index) != (op.base, op.index) or (index and ins.memory_index_scale != op.scale):
        return f"address registers {base}+{index}*{ins.memory_index_scale}"
    if base == "rip":                  # iced gives the target address
        want = (ins.next_ip + op.disp) & MASK64 if op.rip_literal else op.disp & MASK64
        if ins.memory_displacement != want:
            return f"RIP-relative target {ins.memory_displacement:#x}, expected {want:#x}"
    elif bits == 64 and base is None and index is None:
        if ins.memory_displacement != op.disp & MASK64:
            return f"address {ins.memory_displacement:#x}, expected {op.disp & MASK64:#x}"
    elif ins.memory_displacement & MASK32 != op.disp & MASK32:
        return f"displacement {ins.memory_displacement:#x}"
    if op.seg and regs.get(ins.segment_prefix) != op.seg:
        return f"segment {regs.get(ins.segment_prefix)}"
    size = iced_x86.MemorySizeExt.size(ins.memory_size) * 8
    if op.size and size and size != op.size:
        return f"memory operand of {size} bits, expected {op.size}"
    return None
