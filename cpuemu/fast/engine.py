"""Unicorn engine: runs whole stretches natively, with no per-instruction Python hook.

`int n` arrives through UC_HOOK_INTR (EIP already past it) and goes to the machine's
trap callback; in 64-bit mode `syscall` arrives through UC_HOOK_INSN with RIP still on
it and RCX/R11 untouched, so the hook does what the CPU does (RCX = next RIP, R11 =
RFLAGS) before the trap. Memory faults arrive through UC_HOOK_MEM_INVALID so they carry
the address. Unicorn runs at CPL 0, so SS holds a ring-0 selector inside and shows
Linux's 0x2b outside (see cpu/segments.py). Facts this relies on:
shared/notes/unicorn-2.1.md.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from contextlib import contextmanager

from iced_x86 import Decoder, MemorySize, Mnemonic, OpKind, Register
from unicorn import (
    UC_ARCH_X86,
    UC_CTL_IO_WRITE,
    UC_CTL_TLB_FLUSH,
    UC_ERR_FETCH_PROT,
    UC_ERR_FETCH_UNMAPPED,
    UC_ERR_INSN_INVALID,
    UC_ERR_READ_PROT,
    UC_ERR_READ_UNMAPPED,
    UC_ERR_WRITE_PROT,
    UC_ERR_WRITE_UNMAPPED,
    UC_HOOK_BLOCK,
    UC_HOOK_CODE,
    UC_HOOK_INSN,
    UC_HOOK_INTR,
    UC_HOOK_MEM_FETCH_INVALID,
    UC_HOOK_MEM_INVALID,
    UC_HOOK_MEM_READ_INVALID,
    UC_HOOK_MEM_WRITE,
    UC_HOOK_MEM_WRITE_INVALID,
    UC_MEM_FETCH_PROT,
    UC_MEM_FETCH_UNMAPPED,
    UC_MEM_READ_PROT,
    UC_MEM_READ_UNMAPPED,
    UC_MEM_WRITE_PROT,
    UC_MEM_WRITE_UNMAPPED,
    UC_MODE_32,
    UC_MODE_64,
    UC_QUERY_TIMEOUT,
    Uc,
    UcError,
)
from unicorn import x86_const as X
from unicorn.unicorn_py3.unicorn import uclib

from ..cpu.memory import PAGE, R, Region, W, check_pages, page_bounds, regions_of
from ..cpu.memory import X as X_PERM
from ..cpu.pagemap import PageMap
from ..cpu.registers import EFLAGS_FIXED, EFLAGS_USER, FP, FULL, MASK, flags_name, pc_name
from ..cpu.segments import USER_DS, linux_gdt, linux_selectors
from ..errors import CpuemuError, GuestFault
from ..limits import TRANSLATION_BUFFER
from ..process import GDT_ADDRESS
from ..stop import SYSCALL_TRAP, Stop
from .exact_x87 import ExactX87

RING0_SS = 0x10
REGION_PAGES = 4096                    # 16 MiB: the largest Unicorn region (see _map_new)
# Instructions whose descriptor reads (the CPU's own) may touch the GDT page.
READS_DESCRIPTORS = frozenset({Mnemonic.LDS, Mnemonic.LES, Mnemonic.LFS, Mnemonic.LGS,
                               Mnemonic.LSS, Mnemonic.RETF, Mnemonic.IRET, Mnemonic.IRETD,
                               Mnemonic.IRETQ, Mnemonic.LAR, Mnemonic.LSL, Mnemonic.VERR,
                               Mnemonic.VERW})
SEGMENT_REGISTERS = frozenset({Register.ES, Register.CS, Register.SS, Register.DS,
                               Register.FS, Register.GS})
FAR_POINTERS = frozenset({MemorySize.SEG_PTR16, MemorySize.SEG_PTR32, MemorySize.SEG_PTR64})


def loads_segment(insn) -> bool:
    """Does this instruction load a segment register (so the CPU reads the GDT)?"""
    if insn.mnemonic in READS_DESCRIPTORS:
        return True
    if insn.mnemonic in (Mnemonic.MOV, Mnemonic.POP):
        return insn.op0_kind == OpKind.REGISTER and insn.op0_register in SEGMENT_REGISTERS
    if insn.mnemonic in (Mnemonic.JMP, Mnemonic.CALL):
        return insn.op0_kind in (OpKind.FAR_BRANCH16, OpKind.FAR_BRANCH32) or \
            insn.memory_size in FAR_POINTERS
    return False
# emu_start's `until`: an address no instruction can have (past 4 GiB in 32-bit mode,
# non-canonical in 64-bit mode), so a jump anywhere is the guest's own.
UNTIL = {32: 1 << 32, 64: 1 << 63}
RESTART = Stop("restart")               # an emu_start ended only to be started again
SLICE_US = 200_000                     # run in slices so Ctrl-C is seen between them

_REG = {name: getattr(X, f"UC_X86_REG_{name.upper()}") for bits in (32, 64)
        for name in FULL[bits]}
# Registers that are plain integers to Unicorn: read and written through libunicorn
# directly. The binding's reg_read spends ~2 us per call choosing a register class, and
# its prototyped ctypes functions ~0.44 us converting arguments; the same C functions
# without a prototype cost 0.24 us (measured on this 2-core Xeon), and a system call
# makes a few of them.
_LIB = ctypes.CDLL(uclib._name)
_READ, _WRITE = _LIB.uc_reg_read, _LIB.uc_reg_write
_READ_BATCH, _WRITE_BATCH = _LIB.uc_reg_read_batch, _LIB.uc_reg_write_batch
_PLAIN = frozenset(n for bits in (32, 64) for n in FULL[bits]
                   if n not in ("es", "cs", "ss", "ds", "fs", "gs"))
_FP_NAMES = {"fcw": "FPCW", "fsw": "FPSW", "ftw": "FPTAG"}
_FP_REG = {name: getattr(X, f"UC_X86_REG_{_FP_NAMES.get(name, name.upper())}")
           for name in FP[64]}
_FP_PHYSICAL = [getattr(X, f"UC_X86_REG_FP{i}") for i in range(8)]
_PAGE_FAULTS = {UC_ERR_READ_UNMAPPED: "read", UC_ERR_WRITE_UNMAPPED: "write",
                UC_ERR_FETCH_UNMAPPED: "fetch", UC_ERR_READ_PROT: "read",
                UC_ERR_WRITE_PROT: "write", UC_ERR_FETCH_PROT: "fetch"}
_ACCESS = {UC_MEM_READ_UNMAPPED: "read", UC_MEM_READ_PROT: "read",
           UC_MEM_WRITE_UNMAPPED: "write", UC_MEM_WRITE_PROT: "write",
           UC_MEM_FETCH_UNMAPPED: "fetch", UC_MEM_FETCH_PROT: "fetch"}
# Processor exceptions that reach UC_HOOK_INTR, and what Linux makes of them.
_EXCEPTIONS = {0: "divide-error", 6: "invalid-opcode", 13: "general-protection",
               14: "page-fault", 12: "general-protection", 11: "general-protection",
               10: "general-protection", 5: "general-protection", 4: "general-protection"}

TrapHandler = Callable[[int], "Stop | None"]


class UnicornEngine:
    """Engine protocol: map/read/write/regions, reg/set_reg, run/step."""

    name = "unicorn"

    def __init__(self, trap: TrapHandler, bits: int = 32):
        self.trap = trap
        self.bits = bits
        self.pc, self.flags_reg = pc_name(bits), flags_name(bits)
        self.uc = Uc(UC_ARCH_X86, UC_MODE_64 if bits == 64 else UC_MODE_32)
        self.uc.ctl_set_tcg_buffer_size(TRANSLATION_BUFFER)   # before anything else
        self._uch = self.uc._uch                    # for uclib calls (see _PLAIN)
        self._word = ctypes.c_uint64()
        self._word_ref = ctypes.byref(self._word)
        self._regions = PageMap()
        self._pending: Stop | None = None
        self._restart = False                       # emu_start ended to be restarted
        self._in_gdt_step = False
        self._error: BaseException | None = None
        self._bad_access: tuple[int, str] | None = None
        self._breakpoints: dict[int, object] = {}   # address -> hook handle
        self._skip: int | None = None               # a breakpoint the run starts on
        self._counted: int | None = None            # retired instructions, when counting
        self._block: tuple[int, int] | None = None  # the block running (address, size)
        self._lengths: dict[tuple[int, int], int] = {}
        self._pc_bias = 0                           # inside a syscall hook (see _syscall)
        self._pair = (ctypes.c_uint64(), ctypes.c_uint64())
        self._pair_refs = (ctypes.c_void_p * 2)(*(ctypes.addressof(v) for v in self._pair))
        self._syscall_reads = (ctypes.c_int * 2)(X.UC_X86_REG_RIP, X.UC_X86_REG_RFLAGS)
        self._syscall_writes = (ctypes.c_int * 2)(X.UC_X86_REG_RCX, X.UC_X86_REG_R11)
        self._install_gdt()
        # The x87 and SSE state Linux gives a new process (Unicorn starts with FCW 0 and
        # tag word 0x5555, which changes the results of real programs).
        self.uc.reg_write(X.UC_X86_REG_FPCW, 0x037F)
        self.uc.reg_write(X.UC_X86_REG_FPTAG, 0xFFFF)
        self.uc.reg_write(X.UC_X86_REG_MXCSR, 0x1F80)
        self._x87 = ExactX87(self)                  # fprem, fsin... computed exactly
        self._code_changed = True                   # executable pages to scan for them
        self.uc.hook_add(UC_HOOK_INTR, self._on_interrupt)
        if bits == 64:
            self.uc.hook_add(UC_HOOK_INSN, self._on_syscall, None, 1, 0, X.UC_X86_INS_SYSCALL)
        else:                   # Unicorn runs these as no-ops; a 32-bit process gets #UD
            for insn, what in ((X.UC_X86_INS_SYSCALL, "syscall in 32-bit mode"),
                               (X.UC_X86_INS_SYSENTER, "sysenter")):
                self.uc.hook_add(UC_HOOK_INSN, self._on_fast_entry, what, 1, 0, insn)
        self.uc.hook_add(UC_HOOK_MEM_INVALID | UC_HOOK_MEM_READ_INVALID
                         | UC_HOOK_MEM_WRITE_INVALID | UC_HOOK_MEM_FETCH_INVALID,
                         self._on_bad_access)

    # -- state -------------------------------------------------------------------------

    def _install_gdt(self) -> None:
        """The GDT's page is unreadable while the guest runs (it is not guest memory);
        an instruction that loads a segment register runs with it readable (see
        _gdt_access), as does a segment register write from outside."""
        self._gdt = GDT_ADDRESS
        gdt = linux_gdt()
        self.uc.mem_map(self._gdt, PAGE, 0)
        self.uc.mem_write(self._gdt, bytes(gdt))
        self.uc.reg_write(X.UC_X86_REG_GDTR, (0, self._gdt, len(gdt) - 1, 0))
        for seg, selector in linux_selectors(self.bits).items():
            self.set_reg(seg, selector)

    def gdt_entry(self, index: int) -> bytes:  # (uc.mem_read ignores page permissions)
        """The 8-byte descriptor at a GDT index (the GDT page is not guest memory)."""
        return bytes(self.uc.mem_read(self._gdt + index * 8, 8))

    def set_gdt_entry(self, index: int, raw: bytes) -> None:
        """Install a descriptor, as set_thread_area does."""
        self.uc.mem_write(self._gdt + index * 8, raw)

    def reg(self, name: str) -> int:
        if name in _FP_REG:
            return self._fp_reg(name)
        if name in _PLAIN:
            self._word.value = 0                    # a 32-bit register fills 4 bytes
            status = _READ(self._uch, _REG[name], self._word_ref)
            if status:
                raise UcError(status)
            value = self._word.value
            if name == self.flags_reg:
                return (value & EFLAGS_USER) | EFLAGS_FIXED | (value & 0x200)
            if name == self.pc:
                return value + self._pc_bias
            return value
        value = self.uc.reg_read(_REG[name])
        if name == "ss" and value == RING0_SS:
            return USER_DS
        return value

    def _fp_reg(self, name: str) -> int:
        """x87 and SSE registers: ST(i) from the physical register TOP names (Unicorn's
        FPi are physical, and its STi lose the exponent)."""
        if name.startswith("st"):
            top = self.uc.reg_read(X.UC_X86_REG_FPSW) >> 11 & 7
            mantissa, exponent = self.uc.reg_read(_FP_PHYSICAL[(top + int(name[2:])) & 7])
            return exponent << 64 | mantissa
        return self.uc.reg_read(_FP_REG[name])

    def set_reg(self, name: str, value: int) -> None:
        if name in _FP_REG:
            if name.startswith("st"):
                top = self.uc.reg_read(X.UC_X86_REG_FPSW) >> 11 & 7
                self.uc.reg_write(_FP_PHYSICAL[(top + int(name[2:])) & 7],
                                  (value & MASK[64], value >> 64 & 0xFFFF))
            else:
                self.uc.reg_write(_FP_REG[name], value)
            return
        if name == self.flags_reg:
            value = (value & (EFLAGS_USER | 0x200)) | EFLAGS_FIXED
        elif name == self.pc:
            value -= self._pc_bias
        if name in _PLAIN:
            self._word.value = value
            status = _WRITE(self._uch, _REG[name], self._word_ref)
            if status:
                raise UcError(status)
            return
        if name == "ss" and value == USER_DS:
            value = RING0_SS
        with self._gdt_readable():                      # the CPU reads the descriptor
            try:
                self.uc.reg_write(_REG[name], value)
            except UcError as e:                        # as the interpreter says it
                raise CpuemuError(f"cannot load {value:#x} into {name}: the selector "
                                  f"names no usable descriptor ({e})") from None

    def map(self, addr: int, size: int, perms: int) -> None:
        """Map the pages of [addr, addr+size): each run of new pages is one Unicorn
        region, each run of mapped ones one protect (Unicorn slows down with thousands
        of small regions, and a call per page makes large mappings quadratic)."""
        first, end = page_bounds(addr, size)
        at = first
        for a, b, _ in self._regions.runs(first, end):
            if a > at:
                self._map_new(at, a, perms)
            self.uc.mem_protect(a * PAGE, (b - a) * PAGE, perms)
            at = b
        if at < end:
            self._map_new(at, end, perms)
        self._regions.set(first, end, perms)
        self._code_changed |= bool(perms & X_PERM)

    def _map_new(self, first: int, end: int, perms: int) -> None:
        """New pages, as Unicorn regions of at most REGION_PAGES aligned pages: Unicorn
        splits a region (to protect or unmap part of it) by copying all of it, so a
        region's size bounds what any later call can cost."""
        while first < end:
            stop = min(end, (first // REGION_PAGES + 1) * REGION_PAGES)
            try:
                self.uc.mem_map(first * PAGE, (stop - first) * PAGE, perms)
            except UcError as e:             # the host has no memory for it
                raise MemoryError(f"Unicorn cannot map {first * PAGE:#x}: {e}") from None
            first = stop

    def unmap(self, addr: int, size: int) -> None:
        first, end = page_bounds(addr, size)
        for a, b, _ in self._regions.runs(first, end):
            self.uc.mem_unmap(a * PAGE, (b - a) * PAGE)
        self._regions.clear(first, end)

    def protect(self, addr: int, size: int, perms: int) -> None:
        first, end = page_bounds(addr, size)
        for a, b, old in self._regions.runs(first, end):
            self.uc.mem_protect(a * PAGE, (b - a) * PAGE, perms)
            # Unicorn ends emu_start when the running code's page loses exec; the run
            # goes on from the same place (where the fetch then faults).
            self._restart |= bool(old & X_PERM and not perms & X_PERM)
        self._regions.protect(first, end, perms)
        self._code_changed |= bool(perms & X_PERM)

    def mapped_bytes(self) -> int:
        return self._regions.pages * PAGE

    def check(self, addr: int, size: int, need: int, access: str) -> None:
        check_pages(self._regions, addr, size, need, access)

    def read(self, addr: int, size: int, *, need: int = R) -> bytes:
        self.check(addr, size, need, "read")
        return bytes(self.uc.mem_read(addr, size)) if size else b""

    def write(self, addr: int, data: bytes, *, need: int = W) -> None:
        self.check(addr, len(data), need, "write")
        if data:
            self.uc.mem_write(addr, bytes(data))

    def regions(self) -> list[Region]:
        return regions_of(self._regions)

    def set_breakpoints(self, addresses) -> None:
        """Stop before executing any of these addresses (a run starting on one runs it)."""
        wanted = set(addresses)
        for address in set(self._breakpoints) - wanted:
            self.uc.hook_del(self._breakpoints.pop(address))
        for address in wanted - set(self._breakpoints):
            self._breakpoints[address] = self.uc.hook_add(
                UC_HOOK_CODE, self._on_breakpoint, begin=address, end=address)

    def _on_breakpoint(self, uc, address, size, data) -> None:
        if address == self._skip:
            self._skip = None
            return
        self._pending = Stop("breakpoint", address)
        uc.emu_stop()

    def trace_writes(self, log: list[tuple[int, int]]) -> None:
        """Append (address, size) of every guest write to `log` (for lockstep diffs)."""
        self.uc.hook_add(UC_HOOK_MEM_WRITE,
                         lambda uc, access, address, size, value, data: log.append((address, size)))

    # -- running -----------------------------------------------------------------------

    def run(self, budget: int | None = None) -> Stop:
        """Run until exit, fault, or `budget` instructions (None: no limit)."""
        first = True
        while True:
            eip = self.reg(self.pc)
            stop = self._start(eip, count=budget or 0,
                               timeout=0 if budget else SLICE_US, resume=first)
            first = False
            if stop is RESTART:
                continue
            if stop is not None:
                return stop
            if budget:
                return Stop("budget", self.reg(self.pc), detail=f"{budget} instructions")
            if not self.uc.query(UC_QUERY_TIMEOUT):
                return Stop("stopped", self.reg(self.pc), detail="emulation ended")

    # -- counting (only when asked: a Python call per block) ------------------------------

    def count_instructions(self) -> None:
        """From now on, count the instructions this engine retires (`retired()`): each
        block that starts adds the one before it whole; a run that ends inside a block
        adds that block up to the stop."""
        if self._counted is None:
            self._counted, self._block, self._lengths = 0, None, {}
            self.uc.hook_add(UC_HOOK_BLOCK, self._on_block)

    def retired(self) -> int | None:
        """Instructions retired since counting began, or None when not counting."""
        return self._counted

    def set_retired(self, count: int) -> None:
        self.count_instructions()
        self._counted = count

    def _on_block(self, uc, address: int, size: int, data) -> None:
        if self._block is not None:
            self._counted += self._instructions(*self._block, None)
        self._block = (address, size)

    def _settle(self) -> None:
        """A run ended: count the current block up to where it stopped."""
        if self._counted is not None and self._block is not None:
            self._counted += self._instructions(*self._block, self.reg(self.pc))
            self._block = None

    def _instructions(self, address: int, size: int, stop: int | None) -> int:
        key = (address, size)
        if stop is None and key in self._lengths:
            return self._lengths[key]
        count = 0
        for insn in Decoder(self.bits, bytes(self.uc.mem_read(address, size)), ip=address):
            if stop is not None and insn.ip >= stop:
                break
            count += 1
        if stop is None:
            self._lengths[key] = count
        return count

    def step(self) -> Stop:
        eip = self.reg(self.pc)
        stop = self._start(eip, count=1, timeout=0)
        return stop if stop not in (None, RESTART) else Stop("step", self.reg(self.pc))

    def _start(self, eip: int, *, count: int, timeout: int, resume: bool = True) -> Stop | None:
        """One emu_start; `resume`: a breakpoint on the first instruction is run, not hit.
        None: no reason to stop (a slice ended, or Unicorn asks for a restart)."""
        self._pending = self._error = self._bad_access = None
        self._restart = False
        self._skip = eip if resume and eip in self._breakpoints else None
        if self._code_changed:
            self._x87.scan()
            self._code_changed = False
        try:
            try:
                self.uc.emu_start(eip, UNTIL[self.bits], timeout=timeout, count=count)
            finally:
                self._settle()
        except UcError as e:
            if self._error is not None:
                raise self._error from None
            if self._bad_access and self._bad_access[0] >> 12 == self._gdt >> 12:
                return self._gdt_access(e)
            return Stop("fault", self.reg(self.pc), fault=self._fault_from(e))
        if self._error is not None:
            raise self._error
        if self._pending is not None:
            return self._pending
        here = self.reg(self.pc)
        if self._restart:
            return RESTART
        if self._halted(eip, here, count, timeout):
            self.set_reg(self.pc, here - 1)        # hlt is privileged: #GP in user mode
            return Stop("fault", here - 1, fault=GuestFault("general-protection", here - 1,
                                                            detail="hlt in user mode"))
        return None

    def _gdt_access(self, error: UcError) -> Stop | None:
        """Something read the GDT's page. An instruction that loads a segment register
        (the CPU reading a descriptor) runs once with the page readable; anything else
        is the guest reading memory it does not have: a page fault at an unmapped
        address, as on the interpreter."""
        pc = self.reg(self.pc)
        code = next((c for n in range(15, 0, -1) if (c := self._code(pc, n))), b"")
        insn = Decoder(self.bits, code, ip=pc).decode() if code else None
        if insn is None or not loads_segment(insn) or self._in_gdt_step:
            address, access = self._bad_access
            return Stop("fault", pc, fault=GuestFault("page-fault", pc, address, access))
        self._in_gdt_step = True
        try:
            with self._gdt_readable():
                stop = self._start(pc, count=1, timeout=0)
        finally:
            self._in_gdt_step = False
        return stop or RESTART

    @contextmanager
    def _gdt_readable(self):
        """The GDT page readable for a moment, then not (the TLB forgets it both times:
        Unicorn keeps a readable entry cached across mem_protect otherwise)."""
        self.uc.mem_protect(self._gdt, PAGE, R)
        self.uc.ctl(UC_CTL_TLB_FLUSH, UC_CTL_IO_WRITE)
        try:
            yield
        finally:
            self.uc.mem_protect(self._gdt, PAGE, 0)
            self.uc.ctl(UC_CTL_TLB_FLUSH, UC_CTL_IO_WRITE)

    def _halted(self, start: int, here: int, count: int, timeout: int) -> bool:
        """Did emulation end on a `hlt`? Unicorn stops silently there. One step: the
        instruction run was hlt. No count: nothing else ends a run early. A count: the
        byte before EIP is F4 and no longer instruction ends exactly at EIP."""
        if timeout and self.uc.query(UC_QUERY_TIMEOUT):
            return False
        if count == 1:
            return self._is_hlt(start, here)
        if not count:
            return True
        return self._is_hlt(here - 1, here) and not any(
            self._ends_at(here - k, here) for k in range(2, 16))

    def _is_hlt(self, at: int, here: int) -> bool:
        code = self._code(at, here - at)
        insn = Decoder(self.bits, code, ip=at).decode() if code else None
        return insn is not None and insn.mnemonic == Mnemonic.HLT and insn.len == here - at

    def _ends_at(self, at: int, here: int) -> bool:
        code = self._code(at, here - at)
        if len(code) != here - at or not code:
            return False
        insn = Decoder(self.bits, code, ip=at).decode()
        return not insn.is_invalid and insn.len == here - at

    def _code(self, at: int, size: int) -> bytes:
        if not 0 < size <= 15:
            return b""
        try:
            return bytes(self.uc.mem_read(at, size))
        except UcError:
            return b""

    def _fault_from(self, e: UcError) -> GuestFault:
        eip = self.reg(self.pc)
        if e.errno in _PAGE_FAULTS:
            address, access = self._bad_access or (eip, _PAGE_FAULTS[e.errno])
            return GuestFault("page-fault", eip, address, access)
        if e.errno == UC_ERR_INSN_INVALID:
            return GuestFault("invalid-opcode", eip)
        return GuestFault("general-protection", eip, detail=str(e))

    def _on_bad_access(self, uc, access, address, size, value, data) -> bool:
        self._bad_access = (address, _ACCESS.get(access, "access"))
        return False

    def _on_interrupt(self, uc, vector: int, data) -> None:
        self._deliver(uc, self._interrupt, vector)

    def _deliver(self, uc, handle, *args) -> None:
        """Run a trap inside a hook: a Stop ends emulation; an exception surfaces after
        emu_start returns (Unicorn would swallow it)."""
        try:
            stop = handle(*args)
        except BaseException as e:
            self._error = e
            stop = None
            uc.emu_stop()
        if stop is not None:
            self._pending = stop
            uc.emu_stop()

    def _on_syscall(self, uc, data) -> None:
        self._deliver(uc, self._syscall)

    def _on_fast_entry(self, uc, what) -> None:
        """syscall/sysenter in 32-bit code: invalid opcode at the instruction, as the
        interpreter reports it (RIP is on it here; Unicorn adds 2 when the hook ends)."""
        at = self.reg(self.pc)
        self._pc_bias = 2
        try:
            self.set_reg(self.pc, at)
        finally:
            self._pc_bias = 0
        self._pending = Stop("fault", at, fault=GuestFault(
            "invalid-opcode", at, detail=f"{what} (Linux uses int 0x80)"))
        uc.emu_stop()

    def _syscall(self) -> Stop | None:
        """`syscall`: RIP is still on it here, and Unicorn adds the instruction's 2 bytes
        to whatever RIP is when the hook returns. Do what the CPU does (RCX = next RIP,
        R11 = RFLAGS) and trap with RIP shown past it, as `int 0x80` arrives: while the
        hook runs, RIP reads 2 more and writes 2 less than Unicorn holds, so the common
        call writes no RIP at all (a write there costs Unicorn a restart)."""
        rip, rflags = self._pair
        _READ_BATCH(self._uch, self._syscall_reads, self._pair_refs, 2)
        rip.value += 2                                   # RCX = the next RIP, R11 = RFLAGS
        rflags.value = (rflags.value & EFLAGS_USER) | EFLAGS_FIXED | (rflags.value & 0x200)
        _WRITE_BATCH(self._uch, self._syscall_writes, self._pair_refs, 2)
        self._pc_bias = 2
        try:
            return self.trap(SYSCALL_TRAP)
        finally:
            self._pc_bias = 0

    def _interrupt(self, vector: int) -> Stop | None:
        if vector == 0x80:          # only `int 0x80` (CD 80) raises vector 0x80 in user mode
            return self.trap(vector)
        eip = self.reg(self.pc)
        if vector in _EXCEPTIONS:
            return Stop("fault", eip, fault=GuestFault(_EXCEPTIONS[vector], eip))
        start = self._software_int_start(eip, vector)
        if vector == 3:
            return Stop("fault", eip, fault=GuestFault("breakpoint", start))
        self.set_reg(self.pc, start)               # int n in user mode: #GP at the int
        return Stop("fault", start, fault=GuestFault("general-protection", start,
                                                     detail=f"int {vector:#x}"))

    def _software_int_start(self, eip: int, vector: int) -> int:
        try:
            two = bytes(self.uc.mem_read(eip - 2, 2))
        except UcError:
            return eip - 1
        return eip - 2 if two == bytes([0xCD, vector]) else eip - 1
