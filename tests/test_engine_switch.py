"""Machine.switch_engine: a program moved between the interpreter and Unicorn at random
points ends exactly as it does on one engine: registers (x87 and SSE too), memory with
its permissions, the TLS entry in the GDT, breakpoints and the kernel's state.

The programs use instructions whose results every engine defines (the only undefined
flag they can leave behind is AF after a logic op, which nothing here reads; it is
masked in the final EFLAGS), so any difference is the switch's fault.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cpuemu import Machine, assemble

AF = 1 << 4
REGS = ["eax", "ebx", "ecx", "edx", "esi", "edi"]
BYTES = ["al", "bl", "cl", "dl"]
OPS = [
    "add {r}, {r2}", "sub {r}, {imm}", "adc {r}, [data + {off}]", "sbb [data + {off}], {r}",
    "cmp {r}, {r2}", "inc {r}", "dec dword [data + {off}]", "neg {r}", "mov {r}, {imm}",
    "lea {r}, [{r2} + {r2}*2 + {imm}]", "xchg {r}, {r2}", "movzx {r}, byte [data + {off}]",
    "movsx {r}, {b}", "not {r}", "and {r}, {imm}", "or [data + {off}], {r}", "xor {r}, {r2}",
    "test {r}, {r2}", "shl {r}, 1", "sar {r}, 1", "bswap {r}", "set{cc} {b}",
    "cmov{cc} {r}, {r2}", "push {r}", "pop {r}", "mov [data + {off}], {b}",
    "fild dword [data + {off}]\n    fiadd dword [data + {off}]\n    fld1\n    faddp\n"
    "    fistp dword [data + {off}]",
    "movd xmm{x}, {r}", "paddd xmm{x}, xmm{x2}", "movd {r}, xmm{x}",
    "movdqu [data + {off}], xmm{x}",
]
CONDITIONS = ["e", "ne", "b", "ae", "l", "ge", "s", "ns", "o", "a"]


@st.composite
def programs(draw) -> str:
    lines = ["section .data", "data: times 64 db 7", "tls: dd 0x1234567",
             "section .text", "global _start", "_start:", "    finit",
             # a TLS entry (set_thread_area) and GS loaded from it: the GDT must move too
             "    sub esp, 16", "    mov dword [esp], -1", "    mov dword [esp + 4], tls",
             "    mov dword [esp + 8], 0xfffff", "    mov dword [esp + 12], 0x51",
             "    mov eax, 243", "    mov ebx, esp", "    int 0x80",
             "    mov eax, [esp]", "    lea eax, [eax*8 + 3]", "    mov gs, eax",
             "    add esp, 16"]
    for r in REGS:
        lines.append(f"    mov {r}, {draw(st.integers(0, 2**32 - 1))}")
    pushes = 0
    for _ in range(draw(st.integers(5, 40))):
        template = draw(st.sampled_from(OPS))
        if template == "pop {r}" and pushes == 0:
            continue
        pushes += (template == "push {r}") - (template == "pop {r}")
        lines.append("    " + template.format(
            r=draw(st.sampled_from(REGS)), r2=draw(st.sampled_from(REGS)),
            b=draw(st.sampled_from(BYTES)), imm=draw(st.integers(-2**31, 2**31 - 1)),
            off=4 * draw(st.integers(0, 11)), cc=draw(st.sampled_from(CONDITIONS)),
            x=draw(st.integers(0, 7)), x2=draw(st.integers(0, 7))))
        if draw(st.integers(0, 9)) == 0:                 # now and then a loop
            n = len(lines)
            lines += ["    mov ecx, 3", f".l{n}:", "    add dword [data], ecx", f"    loop .l{n}"]
    lines += ["    pop eax" for _ in range(pushes)]
    lines += ["    mov eax, [gs:0]", "    add [data], eax",
              "    mov eax, 4", "    mov ebx, 1", "    mov ecx, data", "    mov edx, 8",
              "    int 0x80", "    mov eax, 1", "    mov ebx, [data + 4]", "    int 0x80"]
    return "\n".join(lines) + "\n"


def final_state(machine: Machine):
    regs, memory = machine.snapshot()
    regs = dict(regs, eflags=regs["eflags"] & ~AF)
    fp = {name: machine.regs[name] for name in ("fcw", "fsw", "ftw", "mxcsr", "st0", "st1",
                                                *(f"xmm{i}" for i in range(8)))}
    gdt = [machine.engine.gdt_entry(i) for i in range(16)]
    return regs, fp, memory, gdt, machine.stdout, machine.exit_status


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=programs(), switches=st.lists(st.integers(1, 60), max_size=6),
       first=st.sampled_from(["interp", "unicorn"]))
def test_switching_engines_mid_run_changes_nothing(source, switches, first):
    program = assemble(source, dialect="nasm")
    alone = Machine(program)
    assert alone.run(200_000).reason == "exited", source
    moved = Machine(program, engine=first)
    moved.add_breakpoint("_start")                      # breakpoints move across too
    engine = first
    for count in switches:
        stop = moved.run(count)
        if stop.reason != "budget":
            break
        engine = "unicorn" if engine == "interp" else "interp"
        moved.switch_engine(engine)
        assert moved.engine.name == engine
        assert moved.breakpoints == {program.symbols["_start"].address}
    stop = moved.run(200_000)
    assert stop.reason == "exited", (stop, source)
    assert final_state(moved) == final_state(alone), source
