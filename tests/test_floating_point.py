"""x87 and SSE in the interpreter: values, flags, faults, the register API, and the
random float programs against the real CPU (diff/floats.py).

Programs are built by nasm and ld (the float forms and data are nasm's), so these tests
need them, as CI installs them."""

from __future__ import annotations

import shutil
import struct

import pytest

from cpuemu.diff.external import nasm_program
from cpuemu.machine import Machine

pytestmark = pytest.mark.skipif(not shutil.which("nasm") or not shutil.which("ld"),
                                reason="needs nasm and ld (apt-get install nasm)")

ONE80 = 0x3FFF8000000000000000
PI80 = 0x4000C90FDAA22168C235


def run(body: str, data: str = "", *, bits: int = 32, engine: str = "interp",
        budget: int = 10_000) -> Machine:
    source = (f"bits {bits}\nsection .text\nglobal _start\n_start:\n{body}\n    int3\n"
              f"section .data\nalign 16\n{data}\nsection .bss\nalignb 16\nout: resb 512\n")
    m = Machine(nasm_program(source, bits), engine=engine)
    m.run(budget)
    return m


def f64(m: Machine, address: int) -> float:
    return struct.unpack("<d", m.read(address, 8))[0]


@pytest.mark.parametrize("engine", ["interp", "unicorn"])
def test_x87_arithmetic_and_stores(engine):
    m = run("""
    fld qword [a]          ; 1.5
    fild dword [n]         ; 3
    fdivp st1, st0         ; 0.5
    fst qword [out]
    fldpi
    fmulp st1, st0         ; pi/2
    fsqrt
    fistp dword [out + 8]  ; round(sqrt(pi/2)) = 1
    fld1
    fchs
    fabs
    fstp tword [out + 16]
    """, "a: dq 1.5\nn: dd 3", engine=engine)
    out = m.symbol("out")
    assert f64(m, out) == 0.5
    assert int.from_bytes(m.read(out + 8, 4), "little") == 1
    assert int.from_bytes(m.read(out + 16, 10), "little") == ONE80
    assert m.regs.ftw == 0xFFFF and m.regs.fsw >> 11 & 7 == 0     # every push popped


def test_x87_status_word_records_precision_and_the_stack_fault():
    m = run("fld1\nfld qword [three]\nfdivp st1, st0\nfnstsw ax\nmov ebx, eax\n"
            "fstp st0\nfstp st0\nfnstsw ax", "three: dq 3.0")
    assert m.regs.bx & 0x3F == 0x20 and m.regs.bx & 0x200        # PE, rounded up (C1)
    assert m.regs.ax & 0x41 == 0x41 and not m.regs.ax & 0x200     # IE + SF: underflow
    assert m.regs.st7 == 0xFFFFC000000000000000                   # the indefinite stored


def test_fcomi_sets_eflags_and_fcom_the_condition_codes():
    m = run("fld qword [two]\nfld1\nfcomi st0, st1\npushfd\npop ebx\nfcom st1\nfnstsw ax",
            "two: dq 2.0", budget=100)
    assert m.regs.ebx & 0x45 == 0x01                               # 1 < 2: CF
    assert m.regs.ax & 0x4500 == 0x0100                            # C0


def test_an_unmasked_exception_is_sigfpe_at_the_next_x87_instruction():
    m = Machine(nasm_program("""bits 32
section .text
global _start
_start:
    fldcw [cw]
    fldz
    fld1
    fdiv st0, st1      ; 1/0 with ZE unmasked: recorded, not yet raised
    mov eax, 7
    fld1               ; here
section .data
cw: dw 0x37b
"""))
    stop = m.run(100)
    assert stop.fault.kind == "x87-fpu-error" and stop.fault.signal == 8
    assert stop.fault.eip == m.symbol("_start") + 6 + 2 + 2 + 2 + 5
    assert m.regs.eax == 7 and m.regs.fsw & 0x8084 == 0x8084     # B, ES, ZE
    assert m.regs.st0 == ONE80                                    # not overwritten


def test_sse_scalar_packed_and_conversions():
    m = run("""
    movsd xmm0, [a]
    addsd xmm0, [b]            ; 0.1 + 0.2
    movapd xmm1, [v]
    mulpd xmm1, xmm1           ; (9, 16)
    cvttsd2si eax, xmm0        ; 0
    cvtsi2ss xmm2, dword [n]   ; -7.0f
    cvtss2sd xmm2, xmm2
    sqrtpd xmm1, xmm1          ; (3, 4)
    ucomisd xmm0, [b]
    pushfd
    pop ebx
    stmxcsr [out]
    """, "a: dq 0.1\nb: dq 0.2\nv: dq 3.0, 4.0\nn: dd -7")
    assert struct.unpack("<d", m.regs.xmm0.to_bytes(16, "little")[:8])[0] == 0.1 + 0.2
    assert struct.unpack("<2d", m.regs.xmm1.to_bytes(16, "little")) == (3.0, 4.0)
    assert struct.unpack("<d", m.regs.xmm2.to_bytes(16, "little")[:8])[0] == -7.0
    assert m.regs.eax == 0 and m.regs.ebx & 0x45 == 0              # 0.3... > 0.2
    assert int.from_bytes(m.read(m.symbol("out"), 4), "little") == 0x1FA0   # PE


def test_sse_packed_integers_and_masks():
    m = run("""
    movdqa xmm0, [p]
    movdqa xmm1, [q]
    paddusb xmm0, xmm1
    pcmpeqb xmm1, xmm1         ; all ones
    pmovmskb eax, xmm0
    pshufd xmm2, xmm0, 0x1b    ; dwords reversed
    psrlq xmm1, 60
    """, "p: times 16 db 0xF0\nq: times 16 db 0x20")
    assert m.regs.xmm0 == int("ff" * 16, 16) and m.regs.eax == 0xFFFF
    assert m.regs.xmm1 == 0xF | 0xF << 64 and m.regs.xmm2 == m.regs.xmm0


def test_misaligned_movaps_faults_and_unmasked_sse_exception_is_sigfpe():
    stop = Machine(nasm_program("bits 32\nsection .text\nglobal _start\n_start:\n"
                                "movaps xmm0, [v + 4]\nsection .data\nalign 16\n"
                                "v: times 32 db 0\n")).run(10)
    assert stop.fault.kind == "general-protection"
    stop = Machine(nasm_program("bits 32\nsection .text\nglobal _start\n_start:\n"
                                "ldmxcsr [mx]\nxorps xmm1, xmm1\nmovss xmm0, [one]\n"
                                "divss xmm0, xmm1\nsection .data\nmx: dd 0x1d80\n"
                                "one: dd 1.0\n")).run(10)
    assert stop.fault.kind == "simd-fp-exception" and stop.fault.signal == 8


def test_fxsave_layout_and_fxrstor_round_trip():
    m = run("fld1\nfldpi\nmovdqa xmm3, [v]\nfxsave [out]\nfninit\nxorps xmm3, xmm3\n"
            "fxrstor [out]", "v: dq 0x1122334455667788, 0x99aabbccddeeff00")
    image = m.read(m.symbol("out"), 512)
    assert image[0:2] == (0x37F).to_bytes(2, "little") and image[4] == 0xC0  # R6 R7 used
    assert int.from_bytes(image[24:28], "little") == 0x1F80
    assert int.from_bytes(image[32:42], "little") == PI80                    # ST0
    assert int.from_bytes(image[208:224], "little") == m.regs.xmm3 == \
        0x99AABBCCDDEEFF00_1122334455667788
    assert m.regs.st0 == PI80 and m.regs.st1 == ONE80


def test_registers_api_reads_and_writes_both_engines():
    for engine in ("interp", "unicorn"):
        m = run("nop", engine=engine)
        m.regs.xmm5 = 0x0123456789ABCDEF_FEDCBA9876543210
        m.regs.mxcsr = 0x1F80 | 0x6000
        assert m.regs.xmm5 == 0x0123456789ABCDEF_FEDCBA9876543210
        assert m.regs.mxcsr == 0x7F80 and m.regs.fcw == 0x37F


@pytest.mark.parametrize("bits", [32, 64])
def test_random_float_programs_agree_with_the_real_cpu(bits):
    """100 programs per mode (200 per run): x87 stack, tags, status and control words,
    XMM registers, MXCSR, GPRs, EFLAGS and memory, exactly."""
    if not shutil.which("gcc"):
        pytest.skip("the native oracle needs gcc")
    import io

    from cpuemu.diff.floats import run as campaign
    report = io.StringIO()
    assert campaign(100, 7000 + bits, bits, out=report) == 0, report.getvalue()


def test_lanes_and_the_x87_sse_panel_of_the_views():
    from cpuemu.cpu.lanes import join_lanes, lanes
    from cpuemu.views.machine import machine_text

    value = join_lanes([1.5, -2.0], "f64")
    assert lanes(value, "f64") == [1.5, -2.0] and lanes(value, "u64")[0] == 0x3FF8 << 48
    assert lanes(join_lanes(range(16), "u8"), "u16")[1] == 0x0302
    with pytest.raises(ValueError, match="lane kind"):
        lanes(0, "f16")
    plain = run("mov eax, 1")
    assert "x87/SSE" not in machine_text(plain)          # integer programs look as before
    m = run("fldpi\nfld1\nmovsd xmm1, [a]", "a: dq 2.5")
    text = machine_text(m)
    assert "3.141592653589793238" in text and "TOP=6" in text
    assert "f64 [2.5, 0.0]" in text and "x87/SSE" in m._repr_html_()
    assert m.lanes("xmm1", "f64") == [2.5, 0.0]


def test_lockstep_compares_the_x87_and_xmm_state():
    """`cpuemu diff` after an SSE instruction: Unicorn records no MXCSR exception flags,
    so an inexact division is a divergence named by register."""
    from cpuemu.diff.lockstep import diff_program
    program = nasm_program("bits 32\nsection .text\nglobal _start\n_start:\n"
                           "movsd xmm0, [one]\ndivsd xmm0, [three]\nint3\n"
                           "section .data\none: dq 1.0\nthree: dq 3.0\n")
    divergence = diff_program(program).divergence
    assert divergence is not None and divergence.text.startswith("divsd")
    assert divergence.differences == ["mxcsr: interp 0x00001fa0 vs unicorn 0x00001f80"]


@pytest.mark.parametrize("name", ["fsin", "fcos", "fptan", "fsincos", "f2xm1", "fpatan",
                                  "fyl2x", "fyl2xp1"])
def test_transcendentals_are_within_one_ulp_of_the_cpu(name):
    if not shutil.which("gcc"):
        pytest.skip("the native oracle needs gcc")
    from cpuemu.diff.transcendentals import measure
    results, same, worst = measure(name, 60, seed=11)
    assert worst <= 1 and same >= results * 3 // 4, (results, same, worst)
