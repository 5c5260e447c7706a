"""The interpreter's CPU state: general registers, EIP/RIP, lazy flags, segments, memory.

GPRs live in a list indexed in encoding order (eax ecx edx ebx esp ebp esi edi, then
r8..r15 in 64-bit mode), each holding the full register (32 or 64 bits), so translated
instructions touch `r[i]` and nothing slower. EFLAGS is split in two: the status flags
are the lazy state (`flags.py`), everything else (DF, IF, TF, ...) is `eflags`, a plain
int. `eip` holds RIP in 64-bit mode.
"""

from __future__ import annotations

from ..cpu.memory import Memory
from ..cpu.registers import EFLAGS_FIXED, EFLAGS_USER, SEGMENTS, gprs
from ..cpu.segments import decode_descriptor, linux_gdt, linux_selectors
from .flags import STATUS, materialize, saved
from .fpu import MXCSR_RESET, Fpu
from .undefined import MODELS

DF = 1 << 10
IF = 1 << 9
GDT_LIMIT = len(linux_gdt())


class CpuFault(Exception):
    """A processor exception raised by an instruction: `kind` as GuestFault names it."""

    def __init__(self, kind: str, detail: str = "", *, resume: int | None = None):
        super().__init__(detail or kind)
        self.kind, self.detail = kind, detail
        self.resume = resume            # EIP after the fault when not the instruction (int3)


class RepBudgetSpent(Exception):
    """A rep string instruction used up the instruction budget part-way: ECX, ESI and
    EDI describe the iterations done and EIP stays on it, so a later run resumes it."""


class SegmentFault(CpuFault):
    """A selector the CPU refuses to load, or a null one used (general protection)."""

    def __init__(self, detail: str):
        super().__init__("general-protection", detail)


class Cpu:
    __slots__ = ("r", "eip", "lazy", "eflags", "seg", "seg_base", "gdt", "mem", "flat",
                 "icount", "on_flat_change", "bits", "fs_base", "gs_base", "model", "policy",
                 "fpu", "xmm", "mxcsr", "rep_room")

    def __init__(self, mem: Memory, bits: int = 32, model: str = "amd"):
        self.bits = bits
        self.model = model                # "amd" or "intel": what undefined results are
        self.policy = MODELS[model]
        self.r = [0] * len(gprs(bits))
        self.eip = 0
        self.fs_base = self.gs_base = 0   # 64-bit mode's FS/GS bases
        self.lazy = saved(0)
        self.eflags = EFLAGS_FIXED | IF
        self.gdt = linux_gdt()
        self.mem = mem
        self.seg = dict.fromkeys(SEGMENTS, 0)
        self.seg_base: dict[str, int | None] = dict.fromkeys(SEGMENTS, None)
        self.flat = True
        self.icount = 0                   # instructions retired (rdtsc reads it)
        self.rep_room = 1 << 62           # rep iterations after the first the budget allows
        self.on_flat_change = None
        self.fpu = Fpu()                  # x87, as Linux starts a process: FNINIT
        self.xmm = [0] * (16 if bits == 64 else 8)
        self.mxcsr = MXCSR_RESET
        for name, selector in linux_selectors(bits).items():
            self.load_segment(name, selector)

    # -- EFLAGS ------------------------------------------------------------------------

    def get_eflags(self) -> int:
        return self.eflags | materialize(self.lazy)

    def set_eflags(self, value: int) -> None:
        self.eflags = (value & ~STATUS & (EFLAGS_USER | IF)) | EFLAGS_FIXED
        self.lazy = saved(value)

    def set_status_flags(self, bits: int) -> None:
        """CF PF AF ZF SF OF from `bits` (the rest of EFLAGS kept): what fcomi, comisd
        and ptest write, from closures."""
        self.lazy = saved(bits & STATUS)

    # -- checkpoints (time travel) -----------------------------------------------------

    def state(self) -> tuple:
        """Everything but memory, as one immutable value (icount excluded)."""
        return (tuple(self.r), self.eip, self.lazy, self.eflags, tuple(self.seg.items()),
                tuple(self.seg_base.items()), bytes(self.gdt), self.flat, self.fs_base,
                self.gs_base, self.fpu.state(), tuple(self.xmm), self.mxcsr)

    def set_state(self, state: tuple) -> None:
        r, self.eip, self.lazy, self.eflags, seg, seg_base, gdt, self.flat, \
            self.fs_base, self.gs_base, fpu, xmm, self.mxcsr = state
        self.r[:] = r                     # in place: translated code holds this list
        self.fpu.set_state(fpu)
        self.xmm[:] = xmm
        self.seg.update(seg)
        self.seg_base.update(seg_base)
        self.gdt[:] = gdt

    # -- segments ----------------------------------------------------------------------

    def descriptor(self, selector: int) -> tuple[int, int, int]:
        """(base, limit, access byte) of a GDT selector, or SegmentFault."""
        index = selector >> 3
        if selector & 4 or index * 8 + 8 > GDT_LIMIT:
            raise SegmentFault(f"selector {selector:#x} is outside the GDT")
        raw = bytes(self.gdt[index * 8:index * 8 + 8])
        base, limit = decode_descriptor(raw)
        return base, limit, raw[5]

    def load_segment(self, name: str, selector: int) -> None:
        """Load a selector as user-mode (CPL 3) code would, with the checks the CPU makes."""
        selector &= 0xFFFF
        if selector >> 2 == 0:                      # null selector
            if name in ("ss", "cs"):
                raise SegmentFault(f"null selector loaded into {name}")
            base = None
        else:
            base, _, access = self.descriptor(selector)
            present, dpl, is_seg = access >> 7, access >> 5 & 3, access >> 4 & 1
            code, rw = access >> 3 & 1, access >> 1 & 1
            if not (present and is_seg):
                raise SegmentFault(f"selector {selector:#x} is not a present segment")
            if name == "cs":
                ok = code
            elif name == "ss":
                ok = not code and rw and dpl == 3 and selector & 3 == 3
            else:
                ok = (not code or rw) and (code and access >> 2 & 1 or dpl >= max(3, selector & 3))
            if not ok:
                raise SegmentFault(f"selector {selector:#x} cannot be loaded into {name}")
        self.seg[name] = selector
        self.seg_base[name] = base
        if self.bits == 64:                 # long mode ignores bases but FS's and GS's
            if base is not None and name in ("fs", "gs"):
                setattr(self, f"{name}_base", base)
            return
        flat = all(self.seg_base[s] == 0 for s in ("cs", "ds", "es", "ss"))
        if flat != self.flat:
            self.flat = flat
            if self.on_flat_change is not None:
                self.on_flat_change()

    def base(self, name: str) -> int:
        """Segment base for a memory access; a null selector faults, as on the CPU.
        In 64-bit mode only FS and GS have one, from FS_BASE and GS_BASE."""
        if self.bits == 64:
            return self.fs_base if name == "fs" else self.gs_base if name == "gs" else 0
        base = self.seg_base[name]
        if base is None:
            raise SegmentFault(f"memory access through null selector in {name}")
        return base
