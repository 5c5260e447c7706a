"""`cpuemu run` and `cpuemu asm` as a user meets them: output, statuses, one-line faults."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cpuemu.cli import build_parser, main

from .conftest import SAMPLES


def cpuemu(*args, stdin: bytes = b""):
    return subprocess.run([sys.executable, "-m", "cpuemu", *args], input=stdin,
                          capture_output=True, timeout=120)


def test_run_sample_passes_output_and_status():
    done = cpuemu("run", str(SAMPLES / "guide_data.asm"))
    assert (done.stdout, done.returncode, done.stderr) == (b"80\n", 80, b"")


def test_guest_args_and_stdin(tmp_path):
    src = tmp_path / "echo.asm"
    src.write_text("section .bss\nbuf: resb 64\nsection .text\n_start:\n mov eax, 3\n"
                   " xor ebx, ebx\n mov ecx, buf\n mov edx, 64\n int 0x80\n mov edx, eax\n"
                   " mov eax, 4\n mov ebx, 1\n int 0x80\n mov ebx, [esp]\n mov eax, 1\n"
                   " int 0x80\n")
    done = cpuemu("run", str(src), "--", "a", "b", stdin=b"piped")
    assert (done.stdout, done.returncode) == (b"piped", 3)      # argc = 3
    data = tmp_path / "in.txt"
    data.write_bytes(b"from file")
    assert cpuemu("run", str(src), "--stdin", str(data)).stdout == b"from file"


@pytest.mark.parametrize("body,status,words", [
    ("mov eax, [0x10]", 139, ["SIGSEGV: page-fault at eip=0x08048000",
                              "read of address 0x00000010", ":2: _start: mov eax, [0x10]"]),
    ("xor ecx, ecx\n div ecx", 136, ["SIGFPE: divide-error at eip=0x08048002", "div ecx"]),
    ("ud2", 132, ["SIGILL: invalid-opcode", "[ud2]"]),
])
def test_fault_is_one_line_and_a_signal_status(tmp_path, body, status, words):
    """One line says what happened; the backtrace under it says how the program got there."""
    src = tmp_path / "f.asm"
    src.write_text(f"section .text\n_start: {body}\n")
    done = cpuemu("run", str(src))
    err = done.stderr.decode()
    assert done.returncode == status
    first, *trace = err.splitlines()
    assert "Traceback" not in err and first.startswith("cpuemu: SIG")
    assert trace == [trace[0]] and trace[0].startswith("  #0 _start() at ")
    for w in words:
        assert w in first


def test_budget_names_the_limit(tmp_path, capsys):
    src = tmp_path / "loop.asm"
    src.write_text("section .text\n_start: jmp _start\n")
    assert main(["run", "--max-instructions", "500", str(src)]) == 124
    err = capsys.readouterr().err
    assert "--max-instructions 500" in err and "loop.asm:2" in err


def test_missing_file_and_bad_flags(capsys, tmp_path):
    assert main(["run", str(tmp_path / "nope.asm")]) == 2
    assert "no such file" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main(["run", "x.asm", "--max-instructions", "lots"])
    assert info.value.code == 2


def test_default_engine_is_interp_and_both_engines_agree(capsys):
    assert build_parser().parse_args(["run", "x.asm"]).engine == "interp"
    for engine in ("interp", "unicorn"):
        assert main(["run", "--engine", engine, str(SAMPLES / "hello_nasm.asm")]) == 0
        assert capsys.readouterr().out == "Hello, world!\n"


def test_asm_listing_shows_address_bytes_and_source(capsys):
    assert main(["asm", "--listing", str(SAMPLES / "hello_nasm.asm")]) == 0
    out = capsys.readouterr().out
    assert "08048000  b8 04 00 00 00" in out and "mov eax, 4" in out
    assert "08049000  48 65 6c 6c 6f" in out and "entry 0x08048000 (start)" in out
    lines = out.splitlines()                  # a line for each label, above what it names
    at = lines.index(" " * 44 + "_start:")
    assert lines[at + 1].startswith("  08048000  b8 04 00 00 00")
    assert lines[lines.index(" " * 12 + "msg:") + 1].startswith("  08049000  48 65")
    assert out.count("msg:") == 1


def test_help_lists_commands():
    done = cpuemu("--help")
    assert done.returncode == 0 and b"run" in done.stdout and b"asm" in done.stdout


@pytest.mark.parametrize("content,words", [
    (b"", "nothing to run"),
    (b"\xff\xfe junk \x80", "cannot read source"),
    (b"section .text\n_start: mov eax, 1\n", "forget to exit"),
])
def test_unhelpful_inputs_get_helpful_messages(tmp_path, content, words):
    src = tmp_path / "odd.asm"
    src.write_bytes(content)
    done = cpuemu("run", str(src))
    err = done.stderr.decode()
    assert done.returncode != 0 and words in err and "Traceback" not in err
    assert ":0:0:" not in err


def test_diff_agrees_on_a_sample(capsys):
    assert main(["diff", str(SAMPLES / "guide_arith.asm")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("interp and unicorn agree on 382 instructions")


def test_diff_reports_a_real_divergence(tmp_path, capsys):
    # Unicorn runs at CPL 0, where popfd may clear IF; a user-mode CPU keeps it set.
    src = tmp_path / "if.asm"
    src.write_text("section .text\n_start:\n    push 0\n    popfd\n    int3\n")
    assert main(["diff", str(src)]) == 1
    out = capsys.readouterr().out
    assert "divergence at step 2: eip=0x08048002  popfd" in out
    assert "source: " + str(src) + ":4: popfd" in out
    assert "differ in if" in out


def test_diff_random_programs(capsys):
    assert main(["diff", "--random", "3", "--seed", "7"]) == 0
    assert "agree on 3 random 32-bit programs (seeds 7..9)" in capsys.readouterr().out


def test_diff_needs_a_file_or_random(capsys):
    assert main(["diff"]) == 2
    assert "diff needs a FILE" in capsys.readouterr().err


def test_strace_lines(capsys, tmp_path):
    assert main(["run", "--strace", str(SAMPLES / "hello_nasm.asm")]) == 0
    captured = capsys.readouterr()
    assert captured.out == "Hello, world!\n"
    assert captured.err.splitlines() == ['write(1, "Hello, world!\\n", 14) = 14',
                                         "exit(0) = ?"]
    log = tmp_path / "trace.txt"
    assert main(["run", "--strace-file", str(log), str(SAMPLES / "hello_nasm.asm")]) == 0
    assert log.read_text().splitlines()[0].startswith("write(1, ")


def test_strace_shows_errors_by_name(capsys, tmp_path):
    src = tmp_path / "open.asm"
    src.write_text("section .data\np: db 'nope', 0\nsection .text\n_start: mov eax, 5\n"
                   " mov ebx, p\n xor ecx, ecx\n int 0x80\n mov ebx, 0\n mov eax, 1\n int 0x80\n")
    assert main(["run", "--strace", "--root", str(tmp_path), str(src)]) == 0
    assert 'open("nope", O_RDONLY, 00) = -1 ENOENT (No such file or directory)' in \
        capsys.readouterr().err


def test_root_is_where_files_go(tmp_path, capsys):
    root = tmp_path / "root"
    root.mkdir()
    src = tmp_path / "mk.asm"
    src.write_text("section .data\np: db '/made-here', 0\nsection .text\n_start: mov eax, 39\n"
                   " mov ebx, p\n mov ecx, 0x1ed\n int 0x80\n mov ebx, eax\n mov eax, 1\n"
                   " int 0x80\n")
    assert main(["run", "--root", str(root), str(src)]) == 0
    assert (root / "made-here").is_dir()
    assert main(["run", "--root", str(tmp_path / "missing"), str(src)]) == 2
    assert "not a directory" in capsys.readouterr().err


def test_deadlock_is_reported(capsys, tmp_path):
    src = tmp_path / "dead.asm"
    src.write_text("section .bss\nfds: resd 2\nbuf: resb 4\nsection .text\n_start:\n"
                   " mov eax, 42\n mov ebx, fds\n int 0x80\n mov eax, 3\n mov ebx, [fds]\n"
                   " mov ecx, buf\n mov edx, 4\n int 0x80\n")
    assert main(["run", str(src)]) == 125
    err = capsys.readouterr().err
    assert "deadlock" in err and "read from an empty pipe whose write end is open" in err
    assert "dead.asm:13: int 0x80" in err


def test_killing_itself(capsys, tmp_path):
    src = tmp_path / "kill.asm"
    src.write_text("section .text\n_start: mov eax, 20\n int 0x80\n mov ebx, eax\n"
                   " mov ecx, 15\n mov eax, 37\n int 0x80\n")
    assert main(["run", str(src)]) == 143
    assert "killed by SIGTERM" in capsys.readouterr().err


@pytest.mark.parametrize("engine", ["interp", "unicorn"])
def test_runs_a_static_elf_with_arguments(engine, tmp_path, capsys):
    exe = tmp_path / "args"
    src = Path(__file__).parent / "conformance" / "c_args.c"
    subprocess.run(["gcc", "-m32", "-static", "-nostdlib", "-fno-pie", "-no-pie",
                    "-fno-stack-protector", "-O1", "-o", str(exe), str(src)], check=True)
    assert main(["run", "--engine", engine, str(exe), "--", "alpha", "beta"]) == 3
    assert capsys.readouterr().out.startswith("alpha\nbeta\nargv-null 1\nAT_PAGESZ 4096\n")


def test_elf_errors_are_clear(tmp_path, capsys):
    bad = tmp_path / "bad"
    bad.write_bytes(b"\x7fELF\x02\x01\x01" + bytes(60))
    assert main(["run", str(bad)]) == 2
    assert "not an x86-64 executable (e_machine 0)" in capsys.readouterr().err
    bad.write_bytes(b"\x7fELF\x05\x01\x01" + bytes(60))
    assert main(["run", str(bad)]) == 2
    assert "neither a 32- nor a 64-bit ELF file (ELF class 5)" in capsys.readouterr().err


@pytest.mark.parametrize("engine", ["interp", "unicorn"])
def test_64_bit_program_and_its_faults(engine, tmp_path):
    done = cpuemu("run", "--engine", engine, str(SAMPLES / "hello64.asm"))
    assert (done.stdout, done.returncode) == (b"Hello, 64-bit world!\n", 0)
    src = tmp_path / "bad.asm"
    src.write_text("bits 64\nsection .text\n_start:\n    nop\n    db 0x60\n")   # pusha, once
    done = cpuemu("run", "--engine", engine, str(src))
    assert done.returncode == 132
    assert b"SIGILL: invalid-opcode at rip=0x00400001" in done.stderr
    src.write_text("bits 64\nsection .text\n_start:\n    mov rax, [r8 + 8]\n")
    done = cpuemu("run", "--engine", engine, str(src))
    assert done.returncode == 139 and b"read of address 0x00000008 in " in done.stderr
    assert f"{src}:4: mov rax, [r8 + 8]".encode() in done.stderr


def test_bits_option(tmp_path):
    src = tmp_path / "n.asm"
    src.write_text("section .text\n_start:\n    mov rdi, 7\n    mov eax, 60\n    syscall\n")
    assert cpuemu("run", str(src)).returncode == 2                     # 32-bit by default
    assert cpuemu("run", "--bits", "64", str(src)).returncode == 7
    done = cpuemu("run", "--bits", "64", str(SAMPLES / "guide_data.asm"))
    assert done.returncode == 2 and b"guide dialect is 32-bit only" in done.stderr
    done = cpuemu("diff", "--random", "2", "--bits", "64")
    assert b"agree on 2 random 64-bit programs" in done.stdout


def test_asm_translated_prints_each_block_as_python(capsys):
    assert main(["asm", "--translated", str(SAMPLES / "hello_nasm.asm")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# block at 0x8048000 (_start)\ndef block(limit=0):")
    assert "# 0x8048000: mov eax,4" in out and "int 80h  (closure)" in out
    compile(out, "translated", "exec")             # what it prints is Python


def test_summary_says_how_the_run_ended_with_registers_flags_and_count(capsys, monkeypatch):
    monkeypatch.chdir(SAMPLES.parent)       # argv[0], so the stack, is the same everywhere
    for engine in ("interp", "unicorn"):
        assert main(["run", "--summary", "--engine", engine,
                     "asm_samples/guide_cdecl.asm"]) == 65
        err = capsys.readouterr().err
        assert "summary: exited with status 65" in err
        assert "instructions: 26\n" in err                 # counted on both engines
        assert "ebx 00000141         321" in err
        assert "eflags=00000292 [AF SF IF]" in err


def test_ctrl_c_during_run_says_where_the_guest_was(tmp_path):
    import signal
    import time
    source = tmp_path / "spin.asm"
    source.write_text("section .text\nglobal _start\n_start:\n    call spin\nspin:\n"
                      "    push ebp\n    mov ebp, esp\n.again:\n    inc eax\n    jmp .again\n")
    for engine in ("interp", "unicorn"):
        proc = subprocess.Popen([sys.executable, "-m", "cpuemu", "run", "--engine", engine,
                                 str(source)], stderr=subprocess.PIPE, text=True)
        time.sleep(2.0)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, err
        assert "cpuemu: interrupted at eip=0x0804800" in err and "spin.asm:" in err
        assert "#0 spin()" in err and "#1 _start()" in err
        assert "Traceback" not in err


def test_guest_arguments_after_dashes_and_options_after_the_file(tmp_path):
    source = tmp_path / "argc.asm"          # exits with argc
    source.write_text("section .text\nglobal _start\n_start:\n mov ebx, [esp]\n"
                      " mov eax, 1\n int 0x80\n")
    assert main(["run", str(source), "--engine", "unicorn", "--", "a", "-b", "--c"]) == 4
    assert main(["run", "--engine", "interp", str(source), "x", "y"]) == 3
    assert main(["run", str(source), "--strace-file", str(tmp_path / "t"), "--", "z"]) == 2


def test_env_gives_the_guest_an_environment(tmp_path, capsys):
    source = tmp_path / "env.asm"           # exits with the length of the first variable
    source.write_text("section .text\nglobal _start\n_start:\n mov eax, [esp]\n"
                      " mov esi, [esp + eax*4 + 8]\n xor ebx, ebx\n test esi, esi\n jz .done\n"
                      ".count:\n cmp byte [esi + ebx], 0\n je .done\n inc ebx\n jmp .count\n"
                      ".done:\n mov eax, 1\n int 0x80\n")
    assert main(["run", str(source)]) == 0                       # empty by default
    assert main(["run", str(source), "--env", "GREETING=hello"]) == len("GREETING=hello")
    assert main(["run", str(source), "--env", "BAD"]) == 2
    assert "--env 'BAD': write NAME=VALUE" in capsys.readouterr().err


def test_every_i386_call_has_its_name_in_strace_even_when_unsupported(tmp_path, capsys):
    from cpuemu.kernel.table import I386, X86_64
    assert len(I386) >= 430 and len(X86_64) >= 350
    assert (I386[106], I386[67], I386[104], I386[142], I386[80]) == \
        ("stat", "sigaction", "setitimer", "_newselect", "getgroups")
    source = tmp_path / "calls.asm"
    source.write_text("section .text\nglobal _start\n_start:\n mov eax, 426\n int 0x80\n"
                      " mov eax, 1\n xor ebx, ebx\n int 0x80\n")
    assert main(["run", "--strace", str(source)]) == 0
    assert "unknown" not in capsys.readouterr().err
