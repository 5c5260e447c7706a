"""README.md's examples, executed, so they cannot drift: every Python block runs (an
"outline" block excepted), every `$ cpuemu ...` line in a console block prints what
the README shows under it (`...` elides), and every debugger snippet is part of a
transcript in tests/debugger/."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from .conftest import ROOT

README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"```(\w*)\n(.*?)```", README, re.S)
PYTHON = [body for kind, body in BLOCKS if kind == "python" and "an outline" not in body]
CONSOLE = [body for kind, body in BLOCKS if kind == "" and body.startswith("$ ")]
DEBUGGER = [body for kind, body in BLOCKS if kind == "" and body.startswith("(cpuemu)")]
ILLUSTRATIONS = {"deep.asm"}          # programs the README describes but does not ship


def commands() -> list[tuple[str, list[str]]]:
    out = []
    for block in CONSOLE:
        for part in re.split(r"^\$ ", block, flags=re.M)[1:]:
            command, *expected = part.rstrip("\n").split("\n")
            out.append((command, expected))
    return out


def test_there_are_examples():
    assert len(PYTHON) >= 2 and len(commands()) >= 8 and DEBUGGER


@pytest.mark.parametrize("block", PYTHON, ids=lambda b: b.splitlines()[0][:40])
def test_python_block_runs(block, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    exec(compile(block, "README.md", "exec"), {})


@pytest.mark.parametrize("command, expected", commands(), ids=lambda c: str(c)[:50])
def test_console_line_prints_what_the_readme_shows(command, expected, tmp_path):
    if any(name in command for name in ILLUSTRATIONS):
        pytest.skip("an illustration: the README does not ship that file")
    (tmp_path / "asm_samples").symlink_to(ROOT / "asm_samples")
    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "cpuemu").write_text(f"#!/bin/sh\nexec {sys.executable} -m cpuemu \"$@\"\n")
    (shim / "cpuemu").chmod(0o755)
    env = dict(os.environ, PATH=f"{shim}:{os.environ['PATH']}", PYTHONPATH=str(ROOT))
    done = subprocess.run(["bash", "-c", command.split("  #")[0]], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    output = (done.stdout + done.stderr).splitlines()
    for line in expected:
        if line.strip() == "...":
            continue
        head = line.split("...")[0].rstrip() if "..." in line else line
        assert any(o.startswith(head) if "..." in line else o == line for o in output), \
            f"README says {line!r}; {command!r} printed:\n" + "\n".join(output)


@pytest.mark.parametrize("snippet", DEBUGGER)
def test_debugger_snippet_is_part_of_a_transcript(snippet):
    transcripts = "\n".join(p.read_text() for p in (ROOT / "tests" / "debugger").glob(
        "*.expected"))
    for line in snippet.splitlines():
        head = line.split("...")[0] if "..." in line else line
        assert head in transcripts, line
