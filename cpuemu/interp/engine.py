"""The interpreter engine: decode with iced-x86, translate each instruction into a
closure (semantics/), chain the closures of a straight-line block into one generated
function, cache blocks by address, run.

The loop advances block by block; inside a block nothing but the closures runs, and a
block that branches back to its own start loops inside its function. A fault inside a
block is located afterwards from the traceback (the generated function has one line per
instruction), so the fast path pays nothing for it. Blocks are dropped when their code
bytes are written (memory routes writes to code pages through its slow path); a block
that writes its own code stops before its next instruction. A breakpoint is an
instruction of its own that raises before anything runs.
"""

from __future__ import annotations

from collections.abc import Callable

from iced_x86 import Decoder, DecoderError, FlowControl

from ..cpu.memory import PAGE, Memory, MemoryFault, Region, X, page_span
from ..cpu.registers import MASK, SEGMENT_BASES, SEGMENTS, flags_name, gprs, pc_name
from ..errors import CpuemuError, GuestFault, UnsupportedInstruction
from ..stop import Stop
from .blockgen import BlockCompiler, CodeChanged
from .cpu import Cpu, CpuFault, RepBudgetSpent
from .decode import BRANCH_KINDS, Translation, Unsupported
from .fpu import read_register as read_fp_register
from .fpu import write_register as write_fp_register
from .semantics import HANDLERS, load_families
from .source import Source
from .undefined import MODELS, host_model

MAX_BLOCK = 64
UNLIMITED = 1 << 62
LOOPS, REPEATS = 1, 2             # Block.ending: what a block's last instruction does
MAX_INSN = 15

TrapHandler = Callable[[int], "Stop | None"]


class Halt(Exception):
    """The trap (the kernel) ended the run after a completed instruction."""

    def __init__(self, stop: Stop):
        super().__init__(str(stop))
        self.stop = stop


def _completes(error: BaseException) -> bool:
    """Did the instruction that raised `error` retire? A system call that ends the run
    did, and so did a trap (int3, into): EIP is already past it."""
    return isinstance(error, Halt) or isinstance(error, CpuFault) and error.resume is not None


class BreakpointHit(Exception):
    """Raised in place of an instruction that has a breakpoint on it."""


def _breakpoint():
    raise BreakpointHit


class Insn:
    """One translated instruction: its semantics as a `Source` to inline, or a closure.
    `op` is the closure either way (a Source is compiled alone on first use)."""

    __slots__ = ("address", "length", "source", "_op", "branches", "ends", "text",
                 "target", "next", "_engine", "repeats")

    def __init__(self, address: int, length: int, op, *, branches: bool, ends: bool,
                 text: str, target: int | None = None, next_ip: int | None = None,
                 engine=None):
        self.address, self.length = address, length
        self.source, self._op = (op, None) if isinstance(op, Source) else (None, op)
        self._engine = engine
        self.branches = branches          # op returns the next EIP
        self.ends = ends or branches      # no instruction may follow it in a block
        self.text = text
        self.target = target              # a direct branch's destination
        self.next = next_ip if next_ip is not None else address + length
        self.repeats = False              # a rep string instruction (ends its block)

    @property
    def op(self):
        """The closure: returns the next EIP when the instruction branches."""
        if self._op is None:
            self._op = BlockCompiler([self], cpu=self._engine.cpu, code_written=[False],
                                     loops=False, single=True,
                                     name=f"<insn {self.address:#x}>").compile().run
        return self._op


class Block:
    """A straight-line run of instructions ending at a branch or a block boundary,
    compiled to one function (blockgen.py).

    A block whose last instruction may branch back to its own start (a tight loop)
    is compiled as a loop that keeps going while it does, up to `limit` turns, so the
    engine's dispatch runs once per loop rather than once per turn; `turns` says how
    many turns the last call made.
    """

    __slots__ = ("address", "insns", "run", "count", "pages", "ending", "turns", "generated")

    def __init__(self, address: int, insns: list[Insn], engine):
        self.address, self.insns, self.count = address, insns, len(insns)
        self.pages = {p for i in insns for p in page_span(i.address, i.length)}
        # 0: straight line; LOOPS: ends in a branch to its start; REPEATS: ends in a rep
        # string instruction, which spends budget per iteration (see run)
        self.ending = LOOPS if insns[-1].target == address else \
            REPEATS if insns[-1].repeats else 0
        self.turns = [1]
        compiler = BlockCompiler(insns, cpu=engine.cpu, code_written=engine.code_written,
                                 loops=self.ending is LOOPS, name=f"<block {address:#010x}>")
        compiler.ns["turns"] = self.turns
        self.generated = compiler.compile()
        self.run = self.generated.run

    def executed_before(self, error: BaseException) -> tuple[int, int] | None:
        """(index of the instruction that raised `error`, instructions completed before
        it in this call), from the traceback's line and the loop counter."""
        tb = error.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code is self.generated.code:
                index = self.generated.line_pos.get(tb.tb_lineno, 0)
                turns = tb.tb_frame.f_locals.get("n", 1)
                return index, (turns - 1) * self.count + index
            tb = tb.tb_next
        return None


class InterpEngine:
    """Engine protocol (as UnicornEngine): map/read/write/regions, reg/set_reg, run/step."""

    name = "interp"

    def __init__(self, trap: TrapHandler, bits: int = 32, cpu: str | None = None):
        """`cpu`: the CPU model ("amd" or "intel") whose undefined results to give; the
        host's vendor by default."""
        load_families()
        if cpu is None:
            cpu = host_model()
        if cpu not in MODELS:
            raise CpuemuError(f"unknown CPU model {cpu!r}: choose from {', '.join(MODELS)}")
        self.trap = trap
        self.bits = bits
        self.mask = MASK[bits]
        self.gpr_index = {name: i for i, name in enumerate(gprs(bits))}
        self.pc, self.flags_reg = pc_name(bits), flags_name(bits)
        self.mem = Memory()
        self.cpu = Cpu(self.mem, bits, cpu)
        self.blocks: dict[int, Block] = {}
        self.breakpoints: frozenset[int] = frozenset()
        self.code_written = [False]       # blocks test it after each possible code write
        self.mem.on_code_write = self._code_written
        self.cpu.on_flat_change = self.flush

    # -- state -------------------------------------------------------------------------

    def reg(self, name: str) -> int:
        """A full register of the mode (eax.. or rax..r15, eip/rip, eflags/rflags...)."""
        cpu = self.cpu
        index = self.gpr_index.get(name)
        if index is not None:
            return cpu.r[index]
        if name == self.pc:
            return cpu.eip
        if name == self.flags_reg:
            return cpu.get_eflags()
        if name in SEGMENTS:
            return cpu.seg[name]
        if self.bits == 64 and name in SEGMENT_BASES:
            return getattr(cpu, name)
        return read_fp_register(cpu, name)

    def set_reg(self, name: str, value: int) -> None:
        cpu = self.cpu
        index = self.gpr_index.get(name)
        if index is not None:
            cpu.r[index] = value & self.mask
        elif name == self.pc:
            cpu.eip = value & self.mask
        elif name == self.flags_reg:
            cpu.set_eflags(value)
        elif name in SEGMENTS:
            try:
                cpu.load_segment(name, value)
            except CpuFault as e:
                raise CpuemuError(f"cannot load {value:#x} into {name}: {e}") from None
        elif self.bits == 64 and name in SEGMENT_BASES:
            setattr(cpu, name, value & self.mask)
            self.flush()
        else:
            write_fp_register(cpu, name, value)

    def gdt_entry(self, index: int) -> bytes:
        return bytes(self.cpu.gdt[index * 8:index * 8 + 8])

    def set_gdt_entry(self, index: int, raw: bytes) -> None:
        self.cpu.gdt[index * 8:index * 8 + 8] = raw

    def set_breakpoints(self, addresses) -> None:
        """Stop before executing any of these addresses (a run starting on one runs it)."""
        self.breakpoints = frozenset(addresses)
        self.flush()

    def retired(self) -> int:
        """Instructions executed so far (rdtsc reads this)."""
        return self.cpu.icount

    def set_retired(self, count: int) -> None:
        self.cpu.icount = count

    # -- memory ------------------------------------------------------------------------

    def map(self, addr: int, size: int, perms: int) -> None:
        self.mem.map(addr, size, perms)
        self.flush()

    def unmap(self, addr: int, size: int) -> None:
        self.mem.unmap(addr, size)
        self.flush()

    def protect(self, addr: int, size: int, perms: int) -> None:
        self.mem.protect(addr, size, perms)
        self.flush()

    def check(self, addr: int, size: int, need: int, access: str) -> None:
        self.mem.check(addr, size, need, access)

    def read(self, addr: int, size: int, *, need: int = 1) -> bytes:
        return self.mem.read(addr, size, need=need)

    def write(self, addr: int, data: bytes, *, need: int = 2) -> None:
        self.mem.write(addr, data, need=need)

    def regions(self) -> list[Region]:
        return self.mem.regions()

    def mapped_bytes(self) -> int:
        return self.mem.mapped_bytes()

    def flush(self) -> None:
        """Drop every translation (code written, mappings or segment bases changed)."""
        if self.blocks:
            self.blocks.clear()
            self.mem.forget_code()

    def _code_written(self, address: int, size: int) -> None:
        """Translated code was written: drop every translation, and tell the running
        block to stop before its next instruction (x86 code is coherent)."""
        self.code_written[0] = True
        self.flush()

    # -- translation -------------------------------------------------------------------

    def _fetch(self, address: int) -> bytes:
        """Up to 15 executable bytes at `address`; a fetch fault if there are none."""
        out = b""
        while len(out) < MAX_INSN:
            at = (address + len(out)) & self.mask
            page = at // PAGE
            if self.mem.perms.get(page, 0) & X == 0:
                if not out:
                    raise MemoryFault(at, "fetch", page in self.mem.perms)
                break
            take = min(PAGE - at % PAGE, MAX_INSN - len(out))
            out += bytes(self.mem.fetch_page(page)[at % PAGE:at % PAGE + take])
        return out

    def decode(self, address: int):
        """The iced-x86 instruction at `address` (MemoryFault if it cannot be fetched)."""
        code = self._fetch(address)
        decoder = Decoder(self.bits, code, ip=address)
        insn = decoder.decode()
        if decoder.last_error == DecoderError.NO_MORE_BYTES:
            raise MemoryFault((address + len(code)) & self.mask, "fetch", False)
        return insn, code

    def translate_one(self, address: int, index: int = 0) -> Insn:
        """The closure for the instruction at `address`, the `index`th of its block
        (MemoryFault if it cannot be fetched)."""
        insn, code = self.decode(address)
        if insn.is_invalid:
            return self._invalid(address, code)
        raw, text = code[:insn.len], str(insn)
        factory = HANDLERS.get(insn.mnemonic)
        if factory is None:
            return self._unsupported(address, raw, text, "not implemented by the interpreter")
        t = Translation(self, insn, index)
        try:
            op = factory(t)
        except Unsupported as e:
            return self._unsupported(address, raw, text, str(e))
        flow = insn.flow_control
        branches = flow not in (FlowControl.NEXT, FlowControl.INTERRUPT, FlowControl.EXCEPTION)
        target = insn.near_branch_target if insn.op_count and \
            insn.op0_kind in BRANCH_KINDS else None
        out = Insn(address, insn.len, op, branches=branches, engine=self,
                   ends=t.ends_block or flow != FlowControl.NEXT, text=text, target=target,
                   next_ip=insn.next_ip)
        out.repeats = t.repeats
        return out

    def _invalid(self, address: int, code: bytes) -> Insn:
        """Bytes that are no instruction in this mode: #UD, as the CPU raises it. An
        instruction of the other mode (pusha, aam, les in 64-bit code) says so."""
        other = Decoder(96 - self.bits, code, ip=address).decode()
        if other.is_invalid:
            return self._unsupported(address, code[:1], "(bad)",
                                     "bytes that decode to no instruction")
        raw = code[:other.len].hex(" ")

        def op():
            raise GuestFault("invalid-opcode", address, disassembly=f"(bad) {raw}",
                             detail=f"`{other}` in {96 - self.bits}-bit code, no instruction "
                                    f"in {self.bits}-bit mode")
        return Insn(address, other.len, op, branches=False, ends=True, text="(bad)",
                    next_ip=(address + other.len) & self.mask)

    def _unsupported(self, address: int, raw: bytes, text: str, why: str) -> Insn:
        mnemonic = text.split()[0] if text != "(bad)" else ""

        def op():
            raise UnsupportedInstruction("invalid-opcode", address, disassembly=text,
                                         detail=f"unsupported instruction ({raw.hex(' ')}): "
                                                f"{why}", mnemonic=mnemonic, raw=raw)
        return Insn(address, len(raw), op, branches=False, ends=True, text=text,
                    next_ip=(address + len(raw)) & self.mask)

    def translate(self, address: int) -> Block:
        insns: list[Insn] = []
        at = address
        while len(insns) < MAX_BLOCK:
            if at in self.breakpoints:
                if insns:
                    break                           # the breakpoint starts a block of its own
                insns.append(Insn(at, 0, _breakpoint, branches=False, ends=True, text="(break)"))
                break
            try:
                insn = self.translate_one(at, len(insns))
            except MemoryFault:
                if not insns:
                    raise
                break                       # the fault belongs to the instruction, when reached
            insns.append(insn)
            if insn.ends:
                break
            at = insn.next
        self.code_written[0] = False        # no block older than this write runs again
        block = Block(address, insns, self)
        for page in block.pages:
            self.mem.watch_code(page)
        self.blocks[address] = block
        return block

    def translation(self, address: int) -> str:
        """The Python source the block at `address` was compiled into."""
        block = self.blocks.get(address) or self.translate(address)
        return block.generated.text

    # -- running -----------------------------------------------------------------------

    def syscall(self, vector: int) -> None:
        """`int 0x80`: EIP is already past it; a Stop from the kernel ends the run."""
        stop = self.trap(vector)
        if stop is not None:
            raise Halt(stop)

    def run(self, budget: int | None = None) -> Stop:
        """Run until exit, fault, or `budget` instructions (None: no limit)."""
        cpu, blocks, translate = self.cpu, self.blocks, self.translate
        left = budget if budget else UNLIMITED
        eip = cpu.eip
        if eip in self.breakpoints:                 # resuming from a breakpoint: run it
            stop = self.step(room=left - 1)
            if stop.reason != "step" or left == 1:
                return stop if stop.reason != "step" else Stop(
                    "budget", cpu.eip, detail=f"{budget} instructions")
            left -= 1
            eip = cpu.eip
        while True:
            block = None
            try:
                while True:
                    block = blocks.get(eip)
                    if block is None:
                        block = translate(eip)      # (block is None while this runs)
                    n = block.count
                    if left < n:
                        cpu.eip = eip
                        return self._finish_budget(left, budget)
                    ending = block.ending
                    if not ending:
                        eip = block.run(0)
                    elif ending is LOOPS:
                        eip = block.run(left // n)
                        n *= block.turns[0]
                    else:                           # ends in rep: iterations spend budget
                        cpu.rep_room = room = left - n
                        eip = block.run(0)
                        left -= room - cpu.rep_room
                    cpu.icount += n
                    left -= n
                    if left <= 0:
                        cpu.eip = eip
                        return Stop("budget", eip, detail=f"{budget} instructions")
            except RepBudgetSpent as e:
                index, done = block.executed_before(e)
                cpu.icount += done
                cpu.eip = block.insns[index].address
                return Stop("budget", cpu.eip, detail=f"{budget} instructions")
            except BreakpointHit as e:
                index, done = block.executed_before(e)
                cpu.icount += done
                cpu.eip = block.insns[index].address
                return Stop("breakpoint", cpu.eip)
            except CodeChanged as e:                # resume at the first instruction not run
                index, done = block.executed_before(e)
                cpu.icount += done
                left -= done
                eip = block.insns[index].address
            except (MemoryFault, CpuFault, Halt, GuestFault) as e:
                return self._stopped(e, block, eip)
            except BaseException as e:           # Ctrl-C, host errors: leave a sane EIP
                self._stopped(e, block, eip)
                raise

    def _finish_budget(self, left: int, budget: int) -> Stop:
        """The budget ends inside the next block: go one instruction at a time."""
        cpu = self.cpu
        while left > 0:
            stop = self.step(room=left - 1)
            if stop.reason == "budget":
                return Stop("budget", stop.eip, detail=f"{budget} instructions")
            if stop.reason != "step":
                return stop
            left -= 1 + (left - 1 - cpu.rep_room)
        return Stop("budget", cpu.eip, detail=f"{budget} instructions")

    def step(self, room: int = UNLIMITED) -> Stop:
        """Execute exactly one instruction (`room`: rep iterations it may add; when it
        needs more, it stops part-way with reason "budget")."""
        cpu = self.cpu
        eip = cpu.eip
        cpu.rep_room = room
        try:
            if eip in self.breakpoints:             # stepping always executes
                insn = self.translate_one(eip)
            else:
                insn = (self.blocks.get(eip) or self.translate(eip)).insns[0]
            following = insn.op()
            cpu.icount += 1
            cpu.eip = following if insn.branches else insn.next
        except (MemoryFault, CpuFault, Halt, GuestFault) as e:
            if _completes(e):
                cpu.icount += 1
            return self._outcome(e, eip)
        except RepBudgetSpent:
            cpu.eip = eip
            return Stop("budget", eip, detail="rep iterations")
        return Stop("step", cpu.eip)

    def _stopped(self, error: BaseException, block: Block | None, eip: int) -> Stop:
        """Account for a block cut short by `error` and describe why."""
        where = block.executed_before(error) if block is not None else None
        if where is None:                          # raised before the block started
            return self._outcome(error, eip)
        index, done = where
        self.cpu.icount += done + (1 if _completes(error) else 0)
        return self._outcome(error, block.insns[index].address)

    def _outcome(self, error: BaseException, eip: int) -> Stop:
        cpu = self.cpu
        if isinstance(error, Halt):
            return error.stop
        if isinstance(error, MemoryFault):
            cpu.eip = eip
            return Stop("fault", eip, fault=GuestFault("page-fault", eip, error.address,
                                                       error.access))
        if isinstance(error, CpuFault):
            cpu.eip = error.resume if error.resume is not None else eip
            return Stop("fault", cpu.eip, fault=GuestFault(error.kind, eip, detail=error.detail))
        if isinstance(error, GuestFault):
            cpu.eip = eip
            return Stop("fault", eip, fault=error)
        cpu.eip = eip
        return Stop("stopped", eip, detail=str(error))
