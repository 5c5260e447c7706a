"""The Machine's register, flag and memory interface, faults and the minimal kernel,
on every engine."""

from __future__ import annotations

import pytest

from cpuemu import GuestFault, LimitExceeded, Machine, assemble
from cpuemu.cpu.memory import MemoryFault
from cpuemu.process import EXIT_STUB, STACK_TOP

EXIT = "mov eax, 1\n    int 0x80\n"


def test_register_parts_alias_the_full_register(run_asm):
    m = run_asm("section .text\n_start: mov eax, 0x11223344\n mov ah, 0xAB\n mov bx, 0x5566\n"
                " mov ecx, 0xFFFFFFFF\n mov cl, 0\n" + EXIT.replace("mov eax, 1", "mov esi, 1"),
                budget=5)
    assert m.last.reason == "budget"
    assert m.regs.eax == 0x1122AB44 and m.regs.ax == 0xAB44
    assert (m.regs.ah, m.regs.al) == (0xAB, 0x44)
    assert m.regs.ebx == 0x5566 and m.regs.bh == 0x55
    assert m.regs.ecx == 0xFFFFFF00
    m.regs.dh = 0x12
    assert m.regs.edx == 0x1200
    m.regs["dl"] = 0x1FF                       # masked to the part's width
    assert m.regs.edx == 0x12FF


def test_flags_are_eflags_bits(run_asm):
    m = run_asm("section .text\n_start: mov eax, 0x7fffffff\n add eax, 1\n", budget=2)
    assert m.flags.as_dict() == {"cf": 0, "pf": 1, "af": 1, "zf": 0, "sf": 1, "tf": 0,
                                 "if": 1, "df": 0, "of": 1}
    assert m.regs.eflags == 0x2 | 0x4 | 0x10 | 0x80 | 0x200 | 0x800
    m.flags.cf = 1
    assert m.regs.eflags & 1 and m.flags.cf == 1
    m.flags.of = 0
    assert not m.regs.eflags & 0x800


def test_linux_process_start_state(run_asm):
    m = Machine(assemble("section .text\n_start: nop\n", dialect="nasm"), argv=["prog", "x"],
                env={"A": "1"})
    esp = m.regs.esp
    assert esp % 16 == 0 and STACK_TOP - 0x1000 < esp < STACK_TOP
    assert m.read_u32(esp) == 2                                    # argc
    assert m.read_cstring(m.read_u32(esp + 4)) == b"prog"
    assert m.read_cstring(m.read_u32(esp + 8)) == b"x"
    assert m.read_u32(esp + 12) == 0
    assert m.read_cstring(m.read_u32(esp + 16)) == b"A=1"
    assert (m.regs.cs, m.regs.ds, m.regs.es, m.regs.ss, m.regs.fs, m.regs.gs) == \
        (0x23, 0x2B, 0x2B, 0x2B, 0, 0)
    assert m.regs.eflags == 0x202 and m.regs.eip == 0x08048000


def test_main_is_called_with_a_return_to_exit(engine):
    src = ".CODE\nmain PROC\n mov eax, [esp+4]\n add eax, 40\n ret\nmain ENDP\nEND main\n"
    m = Machine(assemble(src, dialect="guide"), engine=engine, argv=["p", "a", "b"])
    assert m.read_u32(m.regs.esp) == EXIT_STUB
    assert m.run().status == 43                                   # argc 3 + 40


def test_write_and_read_through_int_0x80(run_asm):
    m = run_asm("""section .bss
buf: resb 8
section .text
_start: mov eax, 3
 mov ebx, 0
 mov ecx, buf
 mov edx, 8
 int 0x80
 mov edx, eax
 mov eax, 4
 mov ebx, 2
 int 0x80
 mov ebx, eax
""" + EXIT, stdin=b"abc")
    assert m.last.status == 3
    assert m.stderr == b"abc" and m.stdout == b""


def test_bad_pointer_is_efault_not_a_crash(run_asm):
    m = run_asm("section .text\n_start: mov eax, 4\n mov ebx, 1\n mov ecx, 0x10\n mov edx, 4\n"
                " int 0x80\n mov ebx, eax\n" + EXIT)
    assert m.last.status == (-14) & 0xFF


def test_unknown_syscall_is_enosys_and_logged(run_asm):
    m = run_asm("section .text\n_start: mov eax, 9999\n int 0x80\n mov ebx, eax\n" + EXIT)
    assert m.last.status == (-38) & 0xFF
    assert "unsupported syscall 9999" in m.kernel.log_lines[0]


@pytest.mark.parametrize("source,kind,signal,address,access", [
    ("mov eax, [0x10]", "page-fault", 11, 0x10, "read"),
    ("mov dword [_start], 1", "page-fault", 11, 0x08048000, "write"),   # _start is the nop
    ("xor ecx, ecx\n div ecx", "divide-error", 8, None, None),
    ("mov eax, 0x80000000\n cdq\n mov ecx, -1\n idiv ecx", "divide-error", 8, None, None),
    ("ud2", "invalid-opcode", 4, None, None),
    ("int 0x81", "general-protection", 11, None, None),
    ("hlt", "general-protection", 11, None, None),
])
def test_faults(run_asm, source, kind, signal, address, access):
    lines = source.split("\n")
    m = run_asm("section .text\n_start: nop\n" + source + "\n nop\n")
    stop = m.last
    assert stop.reason == "fault"
    fault = stop.fault
    assert (fault.kind, fault.signal, fault.exit_status) == (kind, signal, 128 + signal)
    assert fault.address == address
    assert fault.access == access
    fault_line = m.source_line(fault.eip)
    assert fault_line is not None and fault_line.text.strip().endswith(lines[-1].strip())
    assert m.regs.eip == fault.eip
    assert fault.disassembly.split()[0] == lines[-1].split()[0]


def test_faulting_instruction_changes_nothing(run_asm):
    m = run_asm("section .data\nv: dd 7\nsection .text\n_start: mov eax, 5\n"
                " push eax\n mov esi, [0]\n")
    assert m.last.reason == "fault"
    assert m.regs.eax == 5 and m.regs.esi == 0
    assert m.read_u32(m.regs.esp) == 5


def test_output_written_before_a_fault_is_kept(run_asm):
    m = run_asm("section .data\nmsg: db 'partial'\nsection .text\n_start: mov eax, 4\n"
                " mov ebx, 1\n mov ecx, msg\n mov edx, 7\n int 0x80\n ud2\n")
    assert m.last.reason == "fault" and m.stdout == b"partial"


def test_instruction_budget(run_asm):
    m = run_asm("section .text\n_start: jmp _start\n", budget=1000)
    assert m.last.reason == "budget" and m.last.eip == 0x08048000
    with pytest.raises(LimitExceeded):
        m.run_to_exit(10)


def test_run_to_exit_raises_guest_faults(engine):
    m = Machine(assemble("section .text\n_start: ud2\n", dialect="nasm"), engine=engine)
    with pytest.raises(GuestFault) as info:
        m.run_to_exit()
    assert info.value.kind == "invalid-opcode"


def test_step_executes_one_instruction(engine):
    m = Machine(assemble("section .text\n_start: mov eax, 1\n mov ebx, 2\n", dialect="nasm"),
                engine=engine)
    assert m.step().reason == "step"
    assert (m.regs.eax, m.regs.ebx, m.regs.eip) == (1, 0, 0x08048005)


def test_code_is_not_writable_by_the_host_interface_either(engine):
    m = Machine(assemble("section .text\n_start: nop\n", dialect="nasm"), engine=engine)
    with pytest.raises(MemoryFault) as info:
        m.write(0x08048000, b"\x90")
    assert info.value.address == 0x08048000 and info.value.access == "write"
    with pytest.raises(MemoryFault):
        m.read(0x1000, 4)


def test_exit_status_is_low_byte(run_asm):
    assert run_asm("section .text\n_start: mov ebx, 0x1234\n" + EXIT).last.status == 0x34


def test_segments_are_flat_like_linux(engine):
    # The guest itself reads DS and CS as Linux sets them. (On Unicorn, which runs at
    # CPL 0, a guest `mov r, ss` sees the ring-0 selector 0x10: a known divergence.)
    m = Machine(assemble("section .text\n_start: mov ax, ds\n mov cx, cs\n",
                         dialect="nasm"), engine=engine)
    m.run(2)
    assert (m.regs.ax, m.regs.cx, m.regs.ss) == (0x2B, 0x23, 0x2B)
    for name in ("cs", "ds", "es", "ss", "fs", "gs"):
        seg = m.segment(name)
        assert (seg.base, seg.limit) == (0, 0xFFFFFFFF), name
    assert m.segment("cs").selector == 0x23


@pytest.mark.parametrize("bits", [32, 64])
def test_unicorn_starts_with_the_fpu_and_sse_state_linux_gives(bits):
    """FCW 0x037F (all exceptions masked, 64-bit precision, round to nearest), every
    x87 register empty, MXCSR 0x1F80."""
    src = (("bits 64\n" if bits == 64 else "") + "section .bss\nenv: resb 28\nmx: resd 1\n"
           "section .text\n_start: fnstenv [env]\n stmxcsr dword [mx]\n int3\n")
    m = Machine(assemble(src, dialect="nasm"), engine="unicorn")
    assert m.run(10).fault.kind == "breakpoint"
    env = m.read(m.symbol("env"), 12)
    fcw, fsw, ftw = (int.from_bytes(env[i:i + 2], "little") for i in (0, 4, 8))
    assert (fcw, fsw, ftw) == (0x037F, 0, 0xFFFF)
    assert m.read_u32(m.symbol("mx")) == 0x1F80
