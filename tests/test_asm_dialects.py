"""What each dialect's directives lay down: bytes, symbols, sizes and entry points."""

from __future__ import annotations

import re

import iced_x86
import pytest

from cpuemu import AssemblyError, assemble
from cpuemu.asm import sniff

from .conftest import ROOT


def data_of(program, name=".data") -> bytes:
    return program.section(name).data


def test_guide_declarations():
    p = assemble(""".DATA
var DB 64
var2 DB ?
     DB 10
X DW ?
Y DD 30000
Z DD 1, 2, 3
b DB 3 DUP(?), 2 DUP(7)
s DB 'hi', 0
h DD 0fH, 80h, 101b
.CODE
main: ret
""", dialect="guide")
    assert data_of(p) == (bytes([64, 0, 10, 0, 0]) + (30000).to_bytes(4, "little")
                          + b"\1\0\0\0\2\0\0\0\3\0\0\0" + b"\0\0\0\7\7" + b"hi\0"
                          + b"\x0f\0\0\0\x80\0\0\0\x05\0\0\0")
    assert p.symbols["Y"].address == p.symbols["var"].address + 5
    assert p.entry_kind == "main"


def test_guide_typed_labels_size_memory_operands():
    p = assemble(""".DATA
Y DD 0
B DB 0
.CODE
main PROC
  inc [Y]
  inc [B]
  push [Y]
  mov eax, Y
  mov eax, OFFSET Y
  ret
main ENDP
END main
""", dialect="guide")
    y = p.symbols["Y"].address.to_bytes(4, "little")
    b = p.symbols["B"].address.to_bytes(4, "little")
    code = p.section(".text").data
    assert code == (b"\xff\x05" + y + b"\xfe\x05" + b + b"\xff\x35" + y + b"\xa1" + y
                    + b"\xb8" + y + b"\xc3")


def test_nasm_times_equ_dollar_and_locals():
    p = assemble("""section .data
a: db 1, 2
   times 3 db 9
n equ $ - a
w: dw n
   dd $$
section .text
f:
.x: jmp .x
g:
.x: jmp .x
""", dialect="nasm")
    base = p.section(".data").address
    assert data_of(p) == b"\1\2\x09\x09\x09\x05\0" + base.to_bytes(4, "little")
    assert p.symbols["f.x"].address != p.symbols["g.x"].address
    assert p.section(".text").data == b"\xeb\xfe\xeb\xfe"


def test_gas_directives_and_numeric_labels():
    p = assemble("""	.data
v:	.long 1, -1
	.byte 'A', 0x42
	.string "ok"
	.zero 2
	.align 4
w:	.word 7
	.text
	.globl main
main:
1:	jmp 1f
	jmp 1b
1:	ret
""", dialect="gas")
    assert data_of(p) == (b"\1\0\0\0\xff\xff\xff\xff" + b"AB" + b"ok\0" + b"\0\0"
                          + b"\0" + b"\7\0")          # 15 bytes aligned to 16
    assert p.section(".text").data == b"\xeb\x02\xeb\xfc\xc3"
    assert p.entry == p.symbols["main"].address and p.entry_kind == "main"


def test_branches_relax_short_and_near():
    body = "nop\n" * 200
    p = assemble(f"section .text\n_start: jmp far_away\n{body}far_away: jmp _start\n",
                 dialect="nasm")
    code = p.section(".text").data
    assert code[:5] == b"\xe9" + (200).to_bytes(4, "little")
    assert code[-5:] == b"\xe9" + (-(200 + 10)).to_bytes(4, "little", signed=True)


@pytest.mark.parametrize("text,name,dialect", [
    ("section .text\nglobal _start\n", "a.asm", "nasm"),
    (".DATA\nx DD 1\n.CODE\nmain PROC\nret\nmain ENDP\nEND main\n", "a.asm", "guide"),
    ("movl %eax, %ebx\n", "a.asm", "gas"),
    ("anything", "a.s", "gas"),
])
def test_sniff(text, name, dialect):
    assert sniff(text, name) == dialect


def test_entry_points():
    assert assemble("section .text\nnop\n_start: nop\n", dialect="nasm").entry == 0x08048001
    p = assemble("section .text\nfoo: nop\n", dialect="nasm")
    assert p.entry == 0x08048000 and p.entry_kind == "start"
    p = assemble(".CODE\nstart: nop\nEND start\n", dialect="guide")
    assert p.entry == 0x08048000 and p.entry_kind == "start"


def test_include_splices_a_file_and_errors_name_it(tmp_path):
    (tmp_path / "lib.inc").write_text("helper:\n    mov eax, 7\n    ret\n")
    main = tmp_path / "main.asm"
    main.write_text("section .text\n_start: call helper\n%include \"lib.inc\"\n")
    from cpuemu import assemble_file
    p = assemble_file(main, dialect="nasm")
    assert p.section(".text").data == bytes.fromhex("e800000000" "b807000000" "c3")
    assert p.line_at(p.symbols["helper"].address).file.endswith("lib.inc")
    (tmp_path / "bad.inc").write_text("    nop\n    jeq x\n")
    main.write_text(".CODE\nINCLUDE bad.inc\n")
    with pytest.raises(AssemblyError) as info:
        assemble_file(main, dialect="guide")
    assert info.value.file.endswith("bad.inc") and info.value.line == 2
    (tmp_path / "loop.inc").write_text("%include 'loop.inc'\n")
    main.write_text("%include 'loop.inc'\n")
    with pytest.raises(AssemblyError, match="loops back"):
        assemble_file(main, dialect="nasm")


GAS64 = """	.text
	.globl	main
	.type	main, @function
main:
	.cfi_startproc
	endbr64
	pushq	%rbp
	movq	%rsp, %rbp
	movq	x@GOTPCREL(%rip), %rax
	movl	8+x(%rip), %ecx
	movslq	%ecx, %rdx
	cltq
	cqto
	movabsq	$-3689348814741910323, %r8
	shrq	%rdx
	movzbl	(%rax), %esi
	movsbq	%sil, %r9
	call	f@PLT
	popq	%rbp
	ret
	.cfi_endproc
f:	leaq	3(%rip), %r10
	ret
	.section	.note.GNU-stack,"",@progbits
	.data
x:	.quad	-2, 0x1122334455667788
"""


def test_gas_64_bit_as_gcc_writes_it(tmp_path):
    """Mode from the registers; RIP-relative targets and displacements; @PLT and
    @GOTPCREL resolved as a static link would; the AT&T spellings of 64-bit forms."""
    p = assemble(GAS64, dialect="gas")
    assert p.bits == 64 and p.entry_kind == "main"
    x, f = p.symbols["x"].address, p.symbols["f"].address
    text = [str(i) for i in iced_x86.Decoder(64, p.section(".text").data, ip=p.entry)]
    assert text[:5] == ["endbr64", "push rbp", "mov rbp,rsp", f"mov rax,{x:X}h",
                        f"mov ecx,[{x + 8:X}h]"]      # the GOT load, as ld rewrites it
    assert text[5:11] == ["movsxd rdx,ecx", "cdqe", "cqo", "mov r8,0CCCCCCCCCCCCCCCDh",
                          "shr rdx,1", "movzx esi,byte ptr [rax]"]
    assert text[11:13] == ["movsx r9,sil", f"call {f:016X}h"]
    lea = next(i for i in iced_x86.Decoder(64, p.section(".text").data, ip=p.entry)
               if i.ip == f)
    assert lea.memory_displacement == lea.next_ip + 3            # 3(%rip): a displacement
    assert data_of(p)[:8] == (-2).to_bytes(8, "little", signed=True)


def test_gas_64_bit_matches_gnu_as(tmp_path):
    """The gcc sample, assembled by cpuemu and by GNU as: the same instruction forms in
    the same order (addresses may differ: ld lays out .data.rel.ro apart from .data)."""
    import shutil
    import subprocess
    if not (shutil.which("as") and shutil.which("ld")):
        pytest.skip("needs GNU as and ld (binutils)")
    from elftools.elf.elffile import ELFFile

    from cpuemu import assemble_file
    source = ROOT / "asm_samples" / "gcc64_stats.s"
    ours = assemble_file(source)
    subprocess.run(["as", "--64", "-o", str(tmp_path / "s.o"), str(source)], check=True)
    text = ours.section(".text")
    placement = [f"--section-start={s.name}={s.address:#x}" for s in ours.sections]
    subprocess.run(["ld", "-e", "main", *placement, "-o", str(tmp_path / "s"),
                    str(tmp_path / "s.o")], check=True)
    with open(tmp_path / "s", "rb") as fh:
        theirs = ELFFile(fh).get_section_by_name(".text").data()
    forms = lambda code: [i.code for i in iced_x86.Decoder(64, code, ip=text.address)]  # noqa: E731
    assert forms(text.data) == forms(theirs[:len(text.data)])


@pytest.mark.parametrize("line, code", [
    # the bytes the real nasm 2.16 gives (objdump of nasm -f elf32 + ld)
    ("finit", "9bdbe3"), ("fclex", "9bdbe2"), ("fstsw ax", "9bdfe0"),
    ("fstcw [0x8049000]", "9bd93d00900408"), ("fstsw [0x8049000]", "9bdd3d00900408"),
    ("fsave [0x8049002]", "9bdd3502900408"), ("fstenv [0x8049002]", "9bd93502900408"),
    ("fninit", "dbe3"), ("fldcw [0x8049000]", "d92d00900408"),
    ("ldmxcsr [0x8049000]", "0fae1500900408"), ("sete [0x8049000]", "0f940500900408"),
])
def test_x87_waiting_forms_and_one_size_operands_assemble_as_nasm_does(line, code):
    """finit & co. are fwait + the fn- form; an instruction whose memory operand has
    one size takes it unsized (`fstcw [cw]`), as nasm does."""
    program = assemble(f"section .text\n{line}\n", dialect="nasm")
    assert program.sections[0].data.hex() == code


def test_an_operand_of_several_possible_sizes_still_needs_one():
    with pytest.raises(AssemblyError, match="operation size not specified"):
        assemble("section .text\nfild [0x8049000]\n", dialect="nasm")


NASM_FLOATS = """section .data
dd 1.5
dq -2.5e-3
dt 3.14
dd 1e3
dd 0x1.8p3
dd 1.
dq 1_000.25
dd __float32__(1.5)
dq __float64__(-0.1)
dd 3.4028235e38
dd 1e-45
dd 1e39
dw 1.5
dd __Infinity__
dd -__QNaN__
dd __SNaN__
dq 0.1, -0.0, 2.0
"""
# objdump -s of the real nasm 2.16's output for NASM_FLOATS (exactly rounded: dd 1e-45 is
# the smallest denormal, dd 1e39 overflows to infinity, dw 1.5 is binary16)
NASM_FLOAT_BYTES = (
    "0000c03f7b14ae47e17a64bfc3f5285c" "8fc2f5c8004000007a44000040410000"
    "803f0000000000428f400000c03f9a99" "99999999b9bfffff7f7f010000000000"
    "807f003e0000807f0000c0ff0100807f" "9a9999999999b93f0000000000000080"
    "0000000000000040")


def test_nasm_floating_point_data_is_the_real_nasms_bytes():
    data = assemble(NASM_FLOATS, dialect="nasm").section(".data").data
    assert data.hex() == NASM_FLOAT_BYTES


def test_gas_float_and_double_are_gnu_as_bytes():
    program = assemble(".data\n.float 1.5, -2.5e-3, 1\n.double 0.1, 3\n.tfloat 3.14\n",
                       dialect="gas")
    assert program.section(".data").data.hex() == (        # objdump of GNU as 2.40's output
        "0000c03f0ad723bb0000803f9a9999999999b93f0000000000000840c3f5285c8fc2f5c80040")


def test_guide_real4_real8_real10_size_their_labels():
    program = assemble(".386\n.MODEL FLAT\n.DATA\nx REAL4 1.5\ny REAL8 -0.1, 2\n"
                       "z REAL10 3.14\n.CODE\nmain PROC\nfld x\nfld y\nfld z\nret\n"
                       "main ENDP\nEND main\n", dialect="guide")
    assert program.section(".data").data.hex() == \
        "0000c03f9a9999999999b9bf0000000000000040c3f5285c8fc2f5c80040"
    assert program.section(".text").data.hex() == \
        "d90500900408" "dd0504900408" "db2d14900408" "c3"        # fld dword, qword, tbyte


@pytest.mark.parametrize("source, words", [
    ("section .data\ndt 1\n", "integer supplied as 80-bit data"),
    ("section .data\ndb 1.5\n", "no 8-bit floating-point format"),
    ("section .text\nmov eax, 1.5\n", "has no integer value"),
])
def test_floating_point_constants_where_they_have_no_meaning(source, words):
    with pytest.raises(AssemblyError, match=words):
        assemble(source, dialect="nasm")


X87_NASM = ("section .text\nfmul st0, st1\nfdivp st1, st0\nfld st1\nfxch st2\nfadd st0, st3\n"
            "faddp\nfstp st1\nfucomip st0, st1\nfmul st1\nfcmovb st0, st1\nffree st7\n")
X87_GAS = (".text\nfsub %st, %st(1)\nfsubr %st, %st(1)\nfdiv %st, %st(1)\nfdivr %st, %st(1)\n"
           "fsubp %st, %st(1)\nfsubrp %st, %st(1)\nfdivp %st, %st(1)\nfdivrp %st, %st(1)\n"
           "fsub %st(1), %st\nfdivp\nfsubp\nfld %st(1)\nfxch %st(2)\n")


def test_x87_register_forms_are_the_real_assemblers_bytes():
    """nasm's st0..st7, AT&T's %st/%st(i) with GNU as's operand-order quirk (fsub with a
    destination other than %st(0) is Intel's fsubr), MASM's ST/ST(i); the bytes are
    what nasm 2.16 and GNU as 2.40 produce."""
    assert assemble(X87_NASM, dialect="nasm").sections[0].data.hex() == \
        "d8c9def9d9c1d9cad8c3dec1ddd9dfe9d8c9dac1ddc7"
    assert assemble(X87_GAS, dialect="gas").sections[0].data.hex() == \
        "dce1dce9dcf1dcf9dee1dee9def1def9d8e1def1dee1d9c1d9ca"
    guide = assemble(".386\n.MODEL FLAT\n.CODE\nmain PROC\nfmul ST(0), ST(1)\nfld ST(1)\n"
                     "faddp ST(1), ST\nret\nmain ENDP\nEND main\n", dialect="guide")
    assert guide.sections[0].data.hex() == "d8c9d9c1dec1c3"


@pytest.mark.parametrize("line, code", [
    # bytes from nasm 2.16 (objdump of its object file; x at 0x08049000 here)
    ("push byte 7", "6a07"), ("push dword 7", "6a07"), ("push strict dword 7", "6807000000"),
    ("push strict byte 7", "6a07"), ("push byte -1", "6aff"),
    ("mov [x], byte 5", "c6050090040805"), ("mov [x], dword 5", "c7050090040805000000"),
    ("add [x], byte 1", "80050090040801"), ("mov [x], word 5", "66c705009004080500"),
    ("cmp [x], dword 300", "813d009004082c010000"), ("mov byte bl, 7", "b307"),
    ("mov eax, [dword x]", "a100900408"), ("mov eax, [byte esi]", "8b4600"),
    ("mov eax, [dword esi+4]", "8b8604000000"), ("add byte [byte ebx+4], 3", "80430403"),
])
def test_nasm_size_keywords_where_nasm_takes_them(line, code):
    program = assemble(f"section .data\nx dd 0\nsection .text\n{line}\n", dialect="nasm")
    assert program.sections[0].data.hex() == code


@pytest.mark.parametrize("line, words", [
    ("push byte 300", "push byte takes -128..127"),
    ("add eax, strict dword 1", "honours `strict` on push only"),
    ("mov eax, [byte esi+0x100]", "displacement 0x100 does not fit in a byte"),
    ("shl [x], byte 1", "operation size not specified"),
])
def test_size_keywords_cpuemu_cannot_honour_are_errors_not_other_code(line, words):
    with pytest.raises(AssemblyError, match=re.escape(words)):
        assemble(f"section .data\nx dd 0\nsection .text\n{line}\n", dialect="nasm")


@pytest.mark.parametrize("line, intel", [
    ("fldl x", "fld st, qword ptr [0x8049000]"), ("flds x", "fld st, dword ptr [0x8049000]"),
    ("fldt x", "fld st, tbyte ptr [0x8049000]"), ("fildl x", "fild st, dword ptr [0x8049000]"),
    ("fildll x", "fild st, qword ptr [0x8049000]"), ("fistps x", "fistp word ptr [0x8049000], st"),
    ("faddl x", "fadd st, qword ptr [0x8049000]"), ("fstpt x", "fstp tbyte ptr [0x8049000], st"),
    ("fisttpl x", "fisttp dword ptr [0x8049000], st"), ("fcomps x", "fcomp st, dword ptr [0x8049000]"),
])
def test_gas_x87_suffixes_size_floats_and_integers_as_gnu_as_does(line, intel):
    """`l` is a double for fld but a 32-bit integer for fild (GNU as's reading; a
    plain `l` = 32 bits made `fldl` load a float: silently wrong)."""
    import iced_x86

    from cpuemu.asm.encode import format_intel
    text = assemble(f".data\nx: .double 1.5\n.text\n{line}\n", dialect="gas").sections[0]
    [ins] = list(iced_x86.Decoder(32, text.data, ip=text.address))
    assert format_intel(ins) == intel
