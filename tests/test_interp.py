"""The interpreter's own promises: unsupported instructions are reported, never guessed;
faults leave state as it was; translations follow code that changes; budgets are exact;
rdtsc and cpuid are deterministic."""

from __future__ import annotations

import pytest

from cpuemu import Machine, UnsupportedInstruction, assemble
from cpuemu.cli import main
from cpuemu.cpu.memory import RWX

CODE = 0x08048000


def machine_with_bytes(code: bytes, engine: str = "interp") -> Machine:
    """A machine whose first instructions are `code` (written over a nop sled)."""
    m = Machine(assemble("section .text\n_start: times 32 nop\n", dialect="nasm"), engine=engine)
    m.engine.write(CODE, code, need=0)
    return m


@pytest.mark.parametrize("code, mnemonic", [
    (bytes.fromhex("0ffcc1"), "paddb"),         # MMX (paddb mm0, mm1): not implemented
    (bytes.fromhex("c5f858c1"), "vaddps"),      # AVX
    (bytes.fromhex("0f58c1"), None),            # SSE and x87 are supported: control rows
    (bytes.fromhex("d9e8"), None),
    (bytes.fromhex("6201"), "bound"),           # bound eax, [ecx]: rare, not implemented
    (bytes.fromhex("0fc70e"), "cmpxchg8b"),
    (bytes.fromhex("0f31"), None),              # rdtsc is supported: the control row
])
def test_real_but_unsupported_instructions(code, mnemonic):
    m = machine_with_bytes(code)
    stop = m.run(1)
    if mnemonic is None:
        assert stop.reason == "budget"
        return
    fault = stop.fault
    assert isinstance(fault, UnsupportedInstruction)
    assert fault.kind == "invalid-opcode" and fault.signal == 4
    assert fault.mnemonic == mnemonic and fault.raw == code[:len(fault.raw)]
    assert fault.eip == CODE and m.regs.eip == CODE
    assert code[:len(fault.raw)].hex(" ") in fault.detail
    with pytest.raises(UnsupportedInstruction):
        m.run_to_exit()


@pytest.mark.parametrize("code", [bytes.fromhex("ffff"), bytes.fromhex("0f04"),
                                  bytes.fromhex("c4c0")])
def test_bytes_that_decode_to_nothing(code, engine):
    m = machine_with_bytes(code)
    stop = m.run(10)
    assert stop.reason == "fault" and stop.fault.kind == "invalid-opcode"
    assert isinstance(stop.fault, UnsupportedInstruction)
    assert stop.fault.mnemonic == "" and stop.fault.raw == code[:1]


def test_undecodable_bytes_fault_alike_on_unicorn():
    for code in (bytes.fromhex("ffff"), bytes.fromhex("0f04")):
        stop = machine_with_bytes(code, "unicorn").run(10)
        assert stop.fault.kind == "invalid-opcode" and stop.fault.eip == CODE


def test_unsupported_form_of_a_supported_mnemonic():
    # 67-prefixed string instructions address with SI/DI: 16-bit addressing is unsupported
    stop = machine_with_bytes(bytes.fromhex("67a4")).run(10)
    assert isinstance(stop.fault, UnsupportedInstruction)
    assert stop.fault.mnemonic.startswith("movs") and "16-bit" in stop.fault.detail


def test_cli_reports_unsupported_instruction(tmp_path, capsys):
    src = tmp_path / "mmx.asm"
    src.write_text("section .text\n_start:\n    paddb mm0, mm1\n")
    assert main(["run", str(src)]) == 132
    err = capsys.readouterr().err
    assert "SIGILL" in err and "0f fc c1" in err and "mmx.asm:3" in err


def test_a_fault_inside_a_block_is_located_exactly():
    src = ("section .data\nv: dd 5\nsection .text\n_start:\n mov eax, 1\n add eax, [v]\n"
           " mov ebx, [0x10]\n mov eax, 99\n")
    m = Machine(assemble(src, dialect="nasm"))
    stop = m.run()
    assert stop.fault.kind == "page-fault" and stop.fault.address == 0x10
    assert m.regs.eip == stop.eip == CODE + 11
    assert m.source_line(stop.eip).text.strip() == "mov ebx, [0x10]"
    assert m.regs.eax == 6 and m.engine.retired() == 2


def test_push_to_an_unmapped_stack_changes_nothing(engine):
    m = Machine(assemble("section .text\n_start: mov esp, 0x1000\n push eax\n", dialect="nasm"),
                engine=engine)
    stop = m.run()
    assert stop.fault.access == "write" and stop.fault.address == 0xFFC
    assert m.regs.esp == 0x1000


def test_rep_movs_faulting_midway_leaves_a_consistent_state(engine):
    src = ("section .data\nsrc: times 8 db 7\nsection .text\n_start:\n"
           " mov esi, src\n mov edi, 0x08049ffe\n mov ecx, 8\n rep movsb\n")
    m = Machine(assemble(src, dialect="nasm"), engine=engine)
    m.engine.protect(0x0804A000, 0x1000, 0)        # nothing mapped past the data page
    stop = m.run()
    assert stop.fault.kind == "page-fault" and stop.fault.address == 0x0804A000
    assert (m.regs.ecx, m.regs.edi) == (6, 0x0804A000)     # two bytes copied, then the fault
    assert m.regs.eip == stop.fault.eip


def test_self_modifying_code_is_retranslated():
    src = "section .text\n_start:\nagain: mov eax, 1\n mov ebx, eax\n mov eax, 1\n int 0x80\n"
    m = Machine(assemble(src, dialect="nasm"))
    assert m.run(2).reason == "budget" and m.regs.ebx == 1     # the block is now cached
    m.engine.write(CODE + 1, (42).to_bytes(4, "little"), need=0)
    m.regs.eip = CODE
    assert m.run().status == 42


def test_guest_writes_to_its_own_code_page_are_seen():
    src = ("section .text\n_start:\n mov dword [patch + 1], 77\npatch: mov ebx, 0\n"
           " mov eax, 1\n int 0x80\n")
    m = Machine(assemble(src, dialect="nasm"))
    m.engine.protect(CODE, 0x1000, RWX)
    assert m.run().status == 77


@pytest.mark.parametrize("budget", [1, 2, 3, 7, 10, 11])
def test_budget_is_exact_inside_loops(budget):
    src = "section .text\n_start: mov ecx, 100\nl: add eax, 1\n dec ecx\n jnz l\n"
    m = Machine(assemble(src, dialect="nasm"))
    assert m.run(budget).reason == "budget"
    assert m.engine.retired() == budget
    turns, into = divmod(budget - 1, 3)
    assert m.regs.eax == turns + (1 if into >= 1 else 0)
    assert m.regs.eip == CODE + 5 + (0, 3, 4)[into]


def test_rdtsc_counts_instructions_and_cpuid_reports_what_is_implemented():
    src = ("section .text\n_start: nop\n nop\n rdtsc\n mov esi, eax\n xor eax, eax\n cpuid\n"
           " mov edi, eax\n mov eax, 1\n cpuid\n")
    m = Machine(assemble(src, dialect="nasm"))
    m.run(9)
    assert m.regs.esi == 2                                   # two instructions before rdtsc
    assert m.regs.edi == 1                                   # highest leaf
    # FPU TSC CMOV FXSR SSE SSE2, and SSE3 SSSE3; no MMX (bit 23), SSE4.1 (ECX 19) or AVX
    assert m.regs.edx == 1 | 1 << 4 | 1 << 15 | 1 << 24 | 1 << 25 | 1 << 26
    assert m.regs.ecx == 1 | 1 << 9 and (m.regs.eax >> 8) & 0xF == 6  # family 6
