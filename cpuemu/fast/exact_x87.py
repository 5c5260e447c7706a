"""The x87 instructions Unicorn computes inexactly, computed by the interpreter instead.

QEMU's x87 (inside Unicorn) does fprem, fprem1, f2xm1, fyl2x, fyl2xp1, fpatan, fsin,
fcos, fptan and fsincos through host doubles, so `fmod`, `sin`, `pow` and `powl` in a
32-bit glibc program print other last digits than the CPU does. Each of these is two
bytes, D9 F0-FF, with no operand. The executable pages are scanned for them and a code
hook is placed on each candidate address (a false candidate inside another instruction
never runs, so it costs nothing): when one runs, its x87 state is copied into an
interpreter FPU, the interpreter's semantics run, the state is copied back, and the
instruction is skipped. Everything else stays native Unicorn.
"""

from __future__ import annotations

import re

from iced_x86 import Decoder
from unicorn import UC_HOOK_CODE
from unicorn import x86_const as X

from ..cpu.memory import PAGE, Memory
from ..cpu.memory import X as EXEC
from ..interp.cpu import Cpu, CpuFault
from ..interp.decode import Translation
from ..interp.fpu import EMPTY
from ..interp.semantics import HANDLERS, load_families

# fprem1 f2xm1 fyl2x fptan fpatan fprem fyl2xp1 fsincos fsin fcos
OPCODES = re.compile(rb"\xd9[\xf0-\xf3\xf5\xf8\xf9\xfb\xfe\xff]")
FP = [getattr(X, f"UC_X86_REG_FP{i}") for i in range(8)]


class _Code:
    """What a Translation needs of an engine: the CPU and the instruction's bytes."""

    def __init__(self, cpu: Cpu, code: bytes):
        self.cpu, self.code = cpu, code

    def _fetch(self, address: int) -> bytes:
        return self.code


class ExactX87:
    def __init__(self, engine):
        load_families()
        self.engine, self.uc = engine, engine.uc
        self.cpu = Cpu(Memory(), engine.bits)
        self.hooks: dict[int, object] = {}         # address -> hook handle
        self.ops: dict[bytes, object] = {}         # opcode bytes -> interpreter closure
        self.scanned: dict[int, int] = {}          # page -> perms it was scanned with
        self.pc = X.UC_X86_REG_RIP if engine.bits == 64 else X.UC_X86_REG_EIP

    def scan(self) -> None:
        """Hook the candidates of executable pages not scanned since they changed."""
        regions = self.engine._regions
        for first, end, perms in regions.runs():
            if not perms & EXEC:
                continue
            page = first
            while page < end:                     # a stretch of pages to scan, read at once
                if self.scanned.get(page) == perms:
                    page += 1
                    continue
                stop = page
                while stop < end and stop - page < 256 and self.scanned.get(stop) != perms:
                    self.scanned[stop] = perms
                    stop += 1
                self._scan(page, stop, stop in regions)
                page = stop

    def _scan(self, first: int, end: int, more: bool) -> None:
        size = (end - first) * PAGE
        data = bytes(self.uc.mem_read(first * PAGE, size + (1 if more else 0)))
        for match in OPCODES.finditer(data):
            address = first * PAGE + match.start()
            if match.start() < size and address not in self.hooks:
                self.hooks[address] = self.uc.hook_add(UC_HOOK_CODE, self._run,
                                                       begin=address, end=address)

    def _op(self, code: bytes):
        op = self.ops.get(code)
        if op is None:
            insn = Decoder(self.engine.bits, code, ip=0).decode()
            op = self.ops[code] = HANDLERS[insn.mnemonic](Translation(_Code(self.cpu, code),
                                                                      insn))
        return op

    def _run(self, uc, address, size, data) -> None:
        code = bytes(uc.mem_read(address, 2))
        if size != 2 or not OPCODES.fullmatch(code):
            return                                  # the code changed: Unicorn runs it
        fpu = self.cpu.fpu
        tags = uc.reg_read(X.UC_X86_REG_FPTAG)
        for i in range(8):
            mantissa, exponent = uc.reg_read(FP[i])
            fpu.regs[i] = exponent << 64 | mantissa
        fpu.set_control(uc.reg_read(X.UC_X86_REG_FPCW))
        fpu.set_status(uc.reg_read(X.UC_X86_REG_FPSW))
        fpu.set_tag_word(tags)
        try:
            self._op(code)()
        except CpuFault:
            return                                  # a pending #MF: Unicorn's to raise
        for i in range(8):
            uc.reg_write(FP[i], (fpu.regs[i] & (1 << 64) - 1, fpu.regs[i] >> 64))
        uc.reg_write(X.UC_X86_REG_FPSW, fpu.status())
        uc.reg_write(X.UC_X86_REG_FPTAG, sum((3 if fpu.tags[i] == EMPTY else 0) << (2 * i)
                                             for i in range(8)))
        uc.reg_write(self.pc, address + 2)
