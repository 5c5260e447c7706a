"""Coroutines scheduled by the host: the documented round-robin policy, blocking on
pipes, sleeping on the virtual clock, deadlock reports, and full contexts surviving
a thousand switches, on both engines."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cpuemu import Machine, assemble
from cpuemu.abi.call import pass_argument
from cpuemu.coro import Scheduler
from cpuemu.views.coro import context_view, coroutine_table

PIPES = """
section .data
eofmsg: db "EOF", 10
section .bss
fds: resd 2
buf: resb 4
section .text
global _start
_start:
    mov eax, 42
    mov ebx, fds
    int 0x80
    int3                    ; the host takes over from here

producer:                   ; producer(fd, tag, count): "<tag><n>" count times, yielding
    push ebp
    mov ebp, esp
    push ebx
    push esi
    mov esi, 1
.again:
    mov eax, [ebp + 12]
    mov [buf], al
    mov eax, esi
    add al, '0'
    mov [buf + 1], al
    mov eax, 4
    mov ebx, [ebp + 8]
    mov ecx, buf
    mov edx, 2
    int 0x80
    mov eax, 158            ; sched_yield
    int 0x80
    inc esi
    cmp esi, [ebp + 16]
    jle .again
    mov eax, 6              ; close its own write end
    mov ebx, [ebp + 8]
    int 0x80
    pop esi
    pop ebx
    pop ebp
    xor eax, eax
    ret

consumer:                   ; consumer(fd): copy 2-byte records to stdout until EOF
    push ebp
    mov ebp, esp
    push ebx
    sub esp, 4
.more:
    mov eax, 3
    mov ebx, [ebp + 8]
    lea ecx, [esp]
    mov edx, 2
    int 0x80
    test eax, eax
    jz .eof
    mov edx, eax
    mov eax, 4
    mov ebx, 1
    lea ecx, [esp]
    int 0x80
    jmp .more
.eof:
    mov eax, 4
    mov ebx, 1
    mov ecx, eofmsg
    mov edx, 4
    int 0x80
    add esp, 4
    pop ebx
    pop ebp
    mov eax, 7
    ret

sleeper:                    ; sleeper(ms, tag): nanosleep(ms), then write the tag
    sub esp, 8
    mov dword [esp], 0
    mov eax, [esp + 12]
    imul eax, eax, 1000000
    mov [esp + 4], eax
    mov eax, 162
    mov ebx, esp
    xor ecx, ecx
    int 0x80
    lea ecx, [esp + 16]
    mov eax, 4
    mov ebx, 1
    mov edx, 1
    int 0x80
    add esp, 8
    ret
"""


def pipes_machine(engine: str) -> tuple[Machine, int, int]:
    m = Machine(assemble(PIPES, dialect="nasm"), engine=engine)
    assert m.run().fault.kind == "breakpoint"
    return m, m.read_u32(m.symbol("fds")), m.read_u32(m.symbol("fds") + 4)


def producers_and_consumer(m: Machine, r: int, w: int) -> Scheduler:
    """Two producers sharing the pipe's write end and a consumer, run round-robin; the
    trace the policy must give."""
    kernel = m.kernel
    wa, wb = kernel.fds.add(kernel.fds.get(w)), kernel.fds.add(kernel.fds.get(w))
    kernel.fds.close(w)
    s = Scheduler(m)
    s.spawn("producer", wa, ord("a"), 3, name="A")
    s.spawn("producer", wb, ord("b"), 3, name="B")
    s.spawn("consumer", r, name="C")
    stop = s.run()
    assert stop.reason == "exited" and [t.result for t in s.tasks] == [0, 0, 7]
    blocked = "blocked: read from an empty pipe whose write end is open"
    assert s.trace == [("A", "yield"), ("B", "yield"), ("C", blocked)] * 3 + \
        [("A", "returned"), ("B", "returned"), ("C", "returned")]
    return s


def test_producers_and_consumer_follow_the_round_robin_policy(engine):
    m, r, w = pipes_machine(engine)
    producers_and_consumer(m, r, w)
    assert m.stdout == b"a1b1a2b2a3b3EOF\n"


def test_sleepers_wake_in_deadline_order_on_the_virtual_clock(engine):
    m, _, _ = pipes_machine(engine)
    s = Scheduler(m)
    # 300 ms apart: the deadlines start from the real clock, and a loaded machine may
    # take tens of ms between two spawns
    for ms, tag in ((900, "c"), (300, "a"), (600, "b")):
        s.spawn("sleeper", ms, ord(tag))
    start = m.kernel.now_ns("monotonic")
    assert s.run().reason == "exited"
    assert m.stdout == b"abc"
    assert m.kernel.now_ns("monotonic") - start >= 900_000_000     # the guest saw 0.9 s pass


def test_deadlock_names_every_coroutine_and_where_it_waits(engine):
    m, r, w = pipes_machine(engine)
    s = Scheduler(m)
    s.spawn("consumer", r, name="first")
    s.spawn("consumer", r, name="second")
    stop = s.run()
    assert stop.reason == "deadlock"
    report = stop.detail
    assert "every coroutine is blocked" in report
    for name in ("first", "second"):
        assert f"{name:16} blocked   " in report
    assert report.count("read from an empty pipe whose write end is open at <input>:56:") == 2
    assert "#0 consumer(" in report                  # each with its backtrace


KEEPER = """
section .text
global _start
_start: int3
keeper:                     ; keeper(values, rounds): values = ebx ecx edx esi edi ebp eflags
    mov eax, [esp + 4]
    mov ebx, [eax]
    mov ecx, [eax + 4]
    mov edx, [eax + 8]
    mov esi, [eax + 12]
    mov edi, [eax + 16]
    mov ebp, [eax + 20]
.round:
    mov eax, [esp + 4]
    push dword [eax + 24]
    popfd
    mov eax, 158            ; sched_yield: another coroutine runs
    int 0x80
    pushfd                  ; [esp] = the flags we came back with
    mov eax, [esp + 8]
    push dword [eax + 24]   ; [esp] = expected, [esp + 4] = observed
    mov eax, [esp]
    xor eax, [esp + 4]
    and eax, 0xcd5          ; OF DF SF ZF AF PF CF
    jnz .bad
    add esp, 8
    mov eax, [esp + 4]
    cmp ebx, [eax]
    jne .bad
    cmp ecx, [eax + 4]
    jne .bad
    cmp edx, [eax + 8]
    jne .bad
    cmp esi, [eax + 12]
    jne .bad
    cmp edi, [eax + 16]
    jne .bad
    cmp ebp, [eax + 20]
    jne .bad
    dec dword [esp + 8]
    jnz .round
    xor eax, eax
    ret
.bad:
    mov ebx, 1              ; a value did not survive: end the process with status 1
    mov eax, 252
    int 0x80
"""

KEEPER64 = """
bits 64
section .text
global _start
_start: int3
keeper:                     ; keeper(values, rounds): rbx rcx rdx rsi rbp r8..r15 rflags
    push rdi
    push rsi
    mov rax, rdi
    mov rbx, [rax]
    mov rcx, [rax + 8]
    mov rdx, [rax + 16]
    mov rsi, [rax + 24]
    mov rbp, [rax + 32]
    mov r8, [rax + 40]
    mov r9, [rax + 48]
    mov r10, [rax + 56]
    mov r12, [rax + 64]
    mov r13, [rax + 72]
    mov r14, [rax + 80]
    mov r15, [rax + 88]
.round:
    mov rax, [rsp + 8]
    push qword [rax + 96]
    popfq
    mov eax, 24             ; sched_yield: another coroutine runs (RCX, R11 clobbered)
    syscall
    pushfq                  ; [rsp] = the flags we came back with
    mov rax, [rsp + 16]
    mov rdi, [rsp]
    xor rdi, [rax + 96]
    and edi, 0xcd5          ; OF DF SF ZF AF PF CF
    jnz .bad
    add rsp, 8
    cmp rbx, [rax]
    jne .bad
    cmp rdx, [rax + 16]
    jne .bad
    cmp rsi, [rax + 24]
    jne .bad
    cmp rbp, [rax + 32]
    jne .bad
    cmp r8, [rax + 40]
    jne .bad
    cmp r9, [rax + 48]
    jne .bad
    cmp r10, [rax + 56]
    jne .bad
    cmp r12, [rax + 64]
    jne .bad
    cmp r13, [rax + 72]
    jne .bad
    cmp r14, [rax + 80]
    jne .bad
    cmp r15, [rax + 88]
    jne .bad
    dec qword [rsp]
    jnz .round
    add rsp, 16
    xor eax, eax
    ret
.bad:
    mov edi, 1              ; a value did not survive: end the process with status 1
    mov eax, 231
    syscall
"""

flag_bits = st.integers(0, 0xFFF).map(lambda v: v & 0xCD5 | 0x202)
# mode: (keeper, registers it loads, bytes per value). The 64-bit keeper loads RCX too but
# does not compare it: `syscall` clobbers RCX and R11, as the CPU does.
KEEPERS = {32: (KEEPER, 6, 4), 64: (KEEPER64, 12, 8)}


@pytest.mark.parametrize("bits", [32, 64])
@settings(max_examples=3, deadline=None)
@given(data=st.data())
def test_contexts_survive_a_thousand_switches(bits, data):
    keeper, count, size = KEEPERS[bits]
    registers = st.lists(st.integers(0, (1 << (8 * size)) - 1), min_size=count,
                         max_size=count)
    values = data.draw(st.lists(st.tuples(registers, flag_bits), min_size=4, max_size=4))
    for engine in ("interp", "unicorn"):
        m = Machine(assemble(keeper, dialect="nasm"), engine=engine)
        s = Scheduler(m)
        for regs, flags in values:
            table = b"".join(v.to_bytes(size, "little") for v in [*regs, flags])
            s.spawn("keeper", pass_argument(m, table), 250)
        stop = s.run()
        assert stop.reason == "exited", stop
        assert [t.result for t in s.tasks] == [0, 0, 0, 0]
        assert sum(t.switches for t in s.tasks) >= 1000


def test_views_show_state_and_context(engine):
    m, r, _ = pipes_machine(engine)
    s = Scheduler(m)
    task = s.spawn("consumer", r, name="reader")
    s.run()
    table = coroutine_table(s)
    assert "reader" in table and "blocked" in table and "<input>:56: int 0x80" in table
    view = context_view(task)
    assert "context of coroutine 0 (reader), blocked" in view
    assert f"eip     {task.context['eip']:#010x}" in view and "eflags" in view


def test_a_blocked_reader_does_not_stall_a_sleeper(engine):
    """While one coroutine waits on a pipe nobody writes yet, the clock still reaches the
    sleeper's deadline; after that, the reader alone is a deadlock."""
    m, r, _ = pipes_machine(engine)
    s = Scheduler(m)
    s.spawn("consumer", r, name="reader")
    s.spawn("sleeper", 50, ord("z"), name="sleeper")
    stop = s.run()
    assert m.stdout == b"z" and s.tasks[1].state == "done"
    assert s.tasks[0].switches <= 4            # retried a round at a time, not spun on
    assert stop.reason == "deadlock" and "reader" in stop.detail


PIPES64 = """
bits 64
default rel
section .bss
fds: resd 2
buf: resb 4
section .text
global _start
_start:
    mov eax, 22             ; pipe(fds)
    lea rdi, [fds]
    syscall
    int3                    ; the host takes over from here

producer:                   ; producer(fd, tag, count): "<tag><n>" count times, yielding
    push rbx
    push r12
    push r13
    push r14
    mov r12, rdi
    mov r13, rdx
    mov r14, rsi
    mov ebx, 1
.again:
    mov [buf], r14b         ; buf is shared: write the tag every time
    lea eax, [rbx + '0']
    mov [buf + 1], al
    mov eax, 1              ; write(fd, buf, 2)
    mov rdi, r12
    lea rsi, [buf]
    mov edx, 2
    syscall
    mov eax, 24             ; sched_yield
    syscall
    inc ebx
    cmp rbx, r13
    jle .again
    mov eax, 3              ; close its own write end
    mov rdi, r12
    syscall
    pop r14
    pop r13
    pop r12
    pop rbx
    xor eax, eax
    ret

consumer:                   ; consumer(fd): copy 2-byte records to stdout until EOF
    push rbx
    sub rsp, 16
    mov rbx, rdi
.more:
    xor eax, eax            ; read(fd, rsp, 2): blocks while the pipe is empty
    mov rdi, rbx
    mov rsi, rsp
    mov edx, 2
    syscall
    test eax, eax
    jz .eof
    mov edx, eax            ; write(1, rsp, n)
    mov eax, 1
    mov edi, 1
    mov rsi, rsp
    syscall
    jmp .more
.eof:
    add rsp, 16
    pop rbx
    mov eax, 7
    ret
"""


def test_64_bit_coroutines_block_on_a_pipe_and_resume(engine):
    """The blocking read is made again when the consumer resumes: `syscall` is retried
    at its own address on both engines (Unicorn adds its length after the hook)."""
    m = Machine(assemble(PIPES64), engine=engine)
    assert m.run().fault.kind == "breakpoint"
    producers_and_consumer(m, m.read_u32(m.symbol("fds")), m.read_u32(m.symbol("fds") + 4))
    assert m.stdout == b"a1b1a2b2a3b3"
