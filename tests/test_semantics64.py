"""x86-64 semantics, one row per case, run on every engine: the 64-bit registers and
their parts, REX byte registers, 32-bit writes that zero-extend, RIP-relative operands,
imm64 and sign-extended imm32, the 64-bit stack, RDX:RAX, RCX as the loop counter.
Rows as in test_semantics (registers set first, registers and defined flags after)."""

from __future__ import annotations

import pytest

from cpuemu import Machine, assemble
from cpuemu.diff.native import NativeCPU, compare

from .test_semantics import check_row, run_row

ONES = (1 << 64) - 1

ROWS = [
    # registers and their parts; 32-bit writes zero-extend, 8/16-bit writes merge
    ("mov rax, 0x1122334455667788", {}, {"rax": 0x1122334455667788, "eax": 0x55667788}, ""),
    ("mov eax, 1", {"rax": ONES}, {"rax": 1}, ""),
    ("mov ax, 1", {"rax": ONES}, {"rax": 0xFFFFFFFFFFFF0001}, ""),
    ("mov ah, 2", {"rax": ONES}, {"rax": 0xFFFFFFFFFFFF02FF}, ""),
    ("mov r8b, 0x12", {"r8": ONES}, {"r8": 0xFFFFFFFFFFFFFF12, "r8w": 0xFF12}, ""),
    ("mov sil, 0x34\n mov dil, sil", {"rsi": 0, "rdi": ONES}, {"rdi": 0xFFFFFFFFFFFFFF34}, ""),
    ("mov r10d, 0xffffffff", {"r10": 0x123456789}, {"r10": 0xFFFFFFFF}, ""),
    ("add eax, ebx", {"rax": 0xFFFFFFFF00000001, "rbx": 1}, {"rax": 2}, "czo"),
    ("xchg eax, ebx", {"rax": ONES, "rbx": ONES}, {"rax": 0xFFFFFFFF, "rbx": 0xFFFFFFFF}, ""),
    ("cmp eax, eax\n cmovne eax, ebx", {"rax": ONES}, {"rax": 0xFFFFFFFF}, "Z"),
    ("shl eax, 0", {"rax": ONES}, {"rax": 0xFFFFFFFF}, ""),     # measured on the CPU
    ("lahf", {"rax": 0xAA00000000000000}, {"rax": 0xAA00000000000200}, ""),
    # 64-bit arithmetic and flags
    ("add rax, rbx", {"rax": 0x7FFFFFFFFFFFFFFF, "rbx": 1}, {"rax": 1 << 63}, "OSczA"),
    ("sub r8, r9", {"r8": 0, "r9": 1}, {"r8": ONES}, "CSoz"),
    ("add rax, -1", {"rax": 0}, {"rax": ONES}, "Sc"),
    ("inc r15", {"r15": ONES}, {"r15": 0}, "Z"),
    ("neg rcx", {"rcx": 1}, {"rcx": ONES}, "CS"),
    ("and r11, 0xff", {"r11": ONES}, {"r11": 0xFF}, "cos"),
    ("mul rbx", {"rax": 1 << 63, "rbx": 4}, {"rax": 0, "rdx": 2}, "CO"),
    ("imul rax, rbx, -2", {"rbx": 3}, {"rax": ONES - 5}, "co"),
    ("imul rbx", {"rax": ONES, "rbx": 5}, {"rax": ONES - 4, "rdx": ONES}, "co"),
    ("div rcx", {"rdx": 1, "rax": 0, "rcx": 2}, {"rax": 1 << 63, "rdx": 0}, ""),
    ("idiv rcx", {"rdx": ONES, "rax": ONES - 6, "rcx": 2}, {"rax": ONES - 2, "rdx": ONES}, ""),
    ("cqo", {"rax": 1 << 63, "rdx": 0}, {"rdx": ONES}, ""),
    ("cdqe", {"rax": 0x1234567880000000}, {"rax": 0xFFFFFFFF80000000}, ""),
    ("movsxd rax, ebx", {"rbx": 0x80000000}, {"rax": 0xFFFFFFFF80000000}, ""),
    ("movzx rax, byte [rel q]", {"rax": ONES}, {"rax": 0x88}, ""),
    ("movsx r9, word [rel q]", {}, {"r9": 0x7788}, ""),
    # shifts, rotates, bits: counts keep 6 bits for 64-bit operands
    ("shl rax, 63", {"rax": 3}, {"rax": 1 << 63}, "C"),
    ("shl rax, cl", {"rax": 1, "rcx": 65}, {"rax": 2}, "c"),
    ("sar rax, 60", {"rax": 1 << 63}, {"rax": 0xFFFFFFFFFFFFFFF8}, "S"),
    ("ror rax, 4", {"rax": 0x1234567890ABCDEF}, {"rax": 0xF1234567890ABCDE}, "C"),
    ("shld rax, rbx, 8", {"rax": 0x1, "rbx": 0xAB00000000000000}, {"rax": 0x1AB}, "c"),
    ("bswap rax", {"rax": 0x1122334455667788}, {"rax": 0x8877665544332211}, ""),
    ("bt rax, 63", {"rax": 1 << 63}, {}, "C"),
    ("bsr rax, rbx", {"rbx": 1 << 40}, {"rax": 40}, "z"),
    # memory: RIP-relative and absolute, imm32 sign-extended to 64 bits
    ("mov rax, [rel q]", {}, {"rax": 0x1122334455667788}, ""),
    ("mov rax, [q]", {}, {"rax": 0x1122334455667788}, ""),
    ("mov qword [rel q], -2\n mov rbx, [rel q]", {}, {"rbx": ONES - 1}, ""),
    ("lea rsi, [rel q]\n mov eax, [rsi + 4]", {}, {"rax": 0x11223344}, ""),
    ("mov r12, buf\n mov [r12 + r13*8 + 8], r14\n mov r15, [buf + 16]",
     {"r13": 1, "r14": 0xDEADBEEFCAFE}, {"r15": 0xDEADBEEFCAFE}, ""),
    # the 64-bit stack
    ("push r12\n pop rax", {"r12": 0x123456789A}, {"rax": 0x123456789A}, ""),
    ("mov rbx, rsp\n push -1\n pop rax\n sub rbx, rsp", {}, {"rax": ONES, "rbx": 0}, ""),
    ("push 0x7fffffff\n pop rax", {}, {"rax": 0x7FFFFFFF}, ""),
    ("mov rbx, rsp\n push ax\n sub rbx, rsp\n pop cx", {"rax": 0x1234}, {"rbx": 2, "cx": 0x1234}, ""),
    ("pushfq\n pop rax", {"cf": 1}, {"rax": 0x203}, ""),
    ("push 0x8d5\n popfq", {}, {}, "OSZAPC"),
    ("push 7\n call f\n jmp done\nf: mov rax, [rsp + 8]\n ret 8\ndone: nop", {}, {"rax": 7}, ""),
    ("mov rbp, rsp\n enter 16, 0\n mov rdx, rbp\n leave\n sub rdx, rbp", {}, {"rdx": ONES - 7}, ""),
    # RCX counts
    ("mov ecx, 3\n xor eax, eax\nl: add rax, rcx\n loop l", {}, {"rax": 6, "rcx": 0}, ""),
    ("mov rcx, 0x100000000\n jrcxz over\n mov eax, 1\nover: nop", {"rax": 9}, {"rax": 1}, ""),
    ("xor ecx, ecx\n jrcxz over\n mov eax, 1\nover: nop", {"rax": 9}, {"rax": 9}, ""),
    ("lea rdi, [rel buf]\n mov rax, -1\n mov ecx, 2\n rep stosq\n mov rbx, [rel buf + 8]",
     {}, {"rbx": ONES, "rcx": 0}, ""),
]


@pytest.mark.parametrize("code, before, after, flags", ROWS,
                         ids=[row[0].replace("\n", ";") for row in ROWS])
def test_instruction(engine, code, before, after, flags):
    check_row(run_row(engine, code, before, bits=64), after, flags)


def test_registers_of_a_64_bit_machine():
    m = run_row("interp", "mov r9d, eax", {"rax": 0x1122334455667788}, bits=64)
    assert (m.regs.r9, m.regs.r9d, m.regs.r9w, m.regs.r9b) == (0x55667788, 0x55667788, 0x7788,
                                                              0x88)
    assert m.regs.rip == m.regs.eip and m.pc_name == "rip"
    assert (m.regs.cs, m.regs.ss, m.regs.ds) == (0x33, 0x2B, 0)
    assert set(m.regs.as_dict()) >= {"rax", "r15", "rip", "rflags", "fs_base", "gs_base"}
    m.regs.eax = 7                                  # a 32-bit write zero-extends here too
    assert m.regs.rax == 7
    with pytest.raises(KeyError):
        m.regs["xyz"]


def test_syscall_saves_rip_in_rcx_and_rflags_in_r11(engine):
    source = ("bits 64\nsection .text\n_start:\n stc\n mov eax, 39\n syscall\nafter:\n"
              " mov rbx, rcx\n mov eax, 60\n mov edi, 3\n syscall\n")
    m = Machine(assemble(source), engine=engine)
    assert m.run(100).status == 3
    assert m.regs.rbx == m.symbol("after") and m.regs.r11 & 0x203 == 0x203


def test_the_cpu_agrees_on_what_the_sdm_leaves_to_it():
    """bsf with a zero source and a 32-bit cmpxchg in 64-bit mode: Unicorn follows the
    SDM's pseudo-code, the interpreter follows this machine's CPU."""
    source = ("bits 64\nsection .data\nd: dq 0\nsection .text\n_start:\n"
              " xor esp, esp\n mov rax, -1\n xor ebx, ebx\n bsf eax, ebx\n"
              " mov rdx, 0x7700000000000000\n mov ecx, 5\n cmpxchg edx, ecx\n"
              " mov rsi, rdx\n mov rax, 0x8000000000000000\n cmpxchg [rel d], ecx\n int3\n")
    program = assemble(source)
    try:
        cpu = NativeCPU(64)
    except Exception as e:                                   # no gcc: nothing to compare with
        pytest.skip(f"native oracle unavailable: {e}")
    with cpu:
        native = cpu.run(program)
    assert compare(program, native).agreed
    assert native.regs["rsi"] == 0x7700000000000000 and native.regs["rax"] == 1 << 63


def test_views_show_the_64_bit_registers():
    from cpuemu.views.machine import machine_html, machine_text
    m = run_row("interp", "mov r15, -1", {}, bits=64)
    text = machine_text(m)
    assert "r15 │ ffffffffffffffff" in text and "rip │ " in text and " eax " not in text
    assert "<th>r15</th><td>ffffffffffffffff</td>" in machine_html(m)


def test_int80_in_a_64_bit_process_uses_the_i386_table(engine):
    """As Linux does: i386 numbers and registers, the result sign-extended into RAX."""
    source = ("bits 64\nsection .text\n_start:\n mov rax, -1\n mov eax, 20\n int 0x80\n"
              " mov rbx, rax\n mov rax, 0x7777777700000000 + 9999\n int 0x80\n int3\n")
    m = Machine(assemble(source), engine=engine)
    m.run(100)
    assert m.regs.rbx == 1000                              # getpid
    assert m.regs.rax == (-38) & ONES                      # -ENOSYS, sign-extended
