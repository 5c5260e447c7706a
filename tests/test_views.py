"""Views of a machine: the HTML a notebook shows mid-call, its rich-text twin, memory
dumps, and the %%asm cell magic."""

from __future__ import annotations

import re

from cpuemu import Machine, assemble_file
from cpuemu.ipython import asm_magic
from cpuemu.views.machine import machine_html, machine_text, memory_html

from .conftest import SAMPLES


def mid_call() -> Machine:
    m = Machine(assemble_file(SAMPLES / "guide_cdecl.asm"))
    m.add_breakpoint(0x08048011)             # mov [ebp-4], edi: the local is about to change
    m.run()
    m.step()
    return m


def test_html_mid_call_has_frames_and_the_changed_register():
    m = mid_call()
    assert m.changed == {"eip"}                                  # mov changes no flag
    html = machine_html(m)
    assert re.search(r'<tr class="changed"><th>eip</th><td>08048014</td>', html)
    assert '<tr class=""><th>eax</th><td>00000064</td><td>100</td><td>100</td>' in html
    for annotation in ("return -&gt; main+0x16 (line 41)", "arg 1 of _myFunc [ebp+8]",
                       "saved ebp (the caller&#x27;s frame base)", "local [ebp-4]",
                       "_myFunc #0", "main #1", 'class="mark-esp"', 'class="mark-ebp"'):
        assert annotation in html, annotation
    assert '<tr class="here"><th>08048014</th>' in html        # the code around EIP
    m.step()                                                  # add [ebp-4], esi: 5 + 216
    assert m.changed == {"eip", "eflags", "sf"}       # SF was set by `sub esp, 4`; 221 is positive
    assert '<span class="flag off changed">SF</span>' in machine_html(m)
    assert '<span class="flag on">PF</span>' in machine_html(m)


def test_text_twin_and_memory_dump():
    m = mid_call()
    text = machine_text(m)
    assert "> 08048014 │ add dword ptr [ebp - 4], esi" in text
    assert "guide_cdecl.asm:24: add [ebp-4], esi" in text and "saved edi" in text
    dump = memory_html(m, "var", 8, 4)
    assert "dwords at 0x08049000 (var)" in dump and "<td>00000005</td>" in dump


def test_asm_cell_magic_runs_and_steps():
    namespace: dict = {}
    result = asm_magic("--step --name m", "section .text\n_start: mov eax, 7\n add eax, 1\n int3\n",
                       namespace)
    m = namespace["m"]
    assert m.regs.eax == 8 and m.last_stop.fault.kind == "breakpoint"
    assert [text.split("  ")[1] for text, _ in result.steps] == ["mov eax, 7", "add eax, 1", "int3"]
    assert result.steps[1][1]["eax"] == (7, 8)
    assert "eax: 0x7 &rarr; <b>0x8</b>" in result._repr_html_()


def test_asm_cell_magic_in_64_bit():
    namespace: dict = {}
    result = asm_magic("--bits 64 --step", "section .text\n_start: mov rax, -1\n mov eax, 2\n"
                       " int3\n", namespace)
    m = namespace["machine"]
    assert m.bits == 64 and m.regs.rax == 2
    assert [text.split("  ")[1] for text, _ in result.steps] == [
        "mov rax, 0xffffffffffffffff", "mov eax, 2", "int3"]
    assert result.steps[1][1]["rax"] == ((1 << 64) - 1, 2)
    assert "<th>rax</th><td>0000000000000002</td>" in result._repr_html_()


def test_views_show_segments_eflags_parts_labels_and_source():
    """What the CPU has, all of it: segment registers with their bases, EFLAGS as a
    value, AX/AH/AL on demand, the code with its labels and the learner's lines."""
    m = Machine(assemble_file(SAMPLES / "guide_cdecl.asm"))
    m.step()                                              # mov eax, 100
    html = machine_html(m, parts=True)
    assert "<tr><th>cs</th><td>0023</td><td>00000000</td></tr>" in html
    assert "<tr><th>ss</th><td>002b</td><td>00000000</td></tr>" in html
    assert "<b class=\"\">eflags 00000202</b>" in html
    assert '<th>ah</th><td>00</td><td>0</td>' in html and '<th>al</th><td>64</td><td>100</td>' in html
    assert "<b>_myFunc:</b>" in html or "<b>main:</b>" in html   # labels in the code pane
    assert "38: push [var]" in html                       # the source line beside it
    assert "step at 0x08048025 (main+0x5)" in html        # the title names where
    text = machine_text(m, parts=True)
    assert "eflags 00000202" in text and "cs 0023 (base 00000000)" in text
    assert " al " in text and "38: push [var]" in text


def test_changed_means_changed_by_the_previous_step():
    m = Machine(assemble_file(SAMPLES / "guide_cdecl.asm"))
    m.run()                                               # a whole run: no step to compare
    assert m.changed == set()
    assert 'class="changed"' not in machine_html(m)
