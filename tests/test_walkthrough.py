"""The README's walk-through, command by command, through the installed ``opsp`` entry point.

Every ``$ .venv/bin/opsp …`` line of the walk-through's console blocks is run in a fresh data
directory (the embedded default, as after a fresh clone); every output line the README shows must
appear, in order, as a whole line of what the command printed (``…`` stands for any text).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OPSP = Path(sys.executable).parent / "opsp"


def _walkthrough() -> list[tuple[list[str], list[str]]]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Walk-through", 1)[1].split("\n## ", 1)[0]
    steps: list[tuple[list[str], list[str]]] = []
    for block in re.findall(r"```console\n(.*?)```", section, flags=re.DOTALL):
        for line in block.splitlines():
            if line.startswith("$ "):
                steps.append((shlex.split(line[2:]), []))
            elif line.strip():
                steps[-1][1].append(line)
    return steps


def _pattern(expected: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in expected.split("…")))


def test_the_walkthrough_has_the_five_steps() -> None:
    commands = [argv[1] for argv, _ in _walkthrough()]
    assert commands == ["demo", "settle", "settle", "refund", "recover", "outbox", "receipt"]


@pytest.mark.skipif(shutil.which("chromium") is None, reason="the receipt step needs Debian's chromium")
def test_the_readme_walkthrough_runs_as_written(tmp_path: Path) -> None:
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    env = {**os.environ, "OPSP_DATA_DIR": str(tmp_path / "data"), "HOME": str(tmp_path)}
    for argv, expected in _walkthrough():
        assert argv[0] == ".venv/bin/opsp"
        done = subprocess.run(
            [str(OPSP), *argv[1:]], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, (argv, done.stdout, done.stderr)
        assert done.stderr == "", argv  # nothing on stderr without -v
        lines = [line.rstrip() for line in done.stdout.splitlines()]
        position = 0
        for want in expected:
            pattern = _pattern(want.rstrip())
            found = next((i for i in range(position, len(lines)) if pattern.fullmatch(lines[i])), None)
            assert found is not None, f"{' '.join(argv)}: no line {want!r} in\n{done.stdout}"
            position = found + 1
    assert (tmp_path / "receipt.pdf").read_bytes().startswith(b"%PDF-")
