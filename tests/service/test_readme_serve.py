"""The README's "From another language": its three curl commands, run as written against ``opsp serve``.

Only the address changes (the test serves on a free port); each answer must contain the README's excerpt,
piece by piece in order (the excerpt elides with …).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.served import ROOT, served

from .test_served import SERVE_LISTENING

OPSP = str(Path(sys.executable).parent / "opsp")
README_URL = "http://127.0.0.1:8700"


def _calls() -> list[tuple[str, str]]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## From another language", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```(sh|json)\n(.*?)```", section, flags=re.S)
    pairs = []
    for (kind, command), (answer_kind, answer) in zip(blocks[1::2], blocks[2::2], strict=False):
        assert (kind, answer_kind) == ("sh", "json")
        pairs.append((command.strip(), answer.strip()))
    return pairs


def test_the_readme_calls_answer_as_shown(tmp_path: Path) -> None:
    calls = _calls()
    assert [command.split()[2] for command, _ in calls] == [
        f"{README_URL}/v1/patients/lookup",
        f"{README_URL}/v1/dry-run",
        f"{README_URL}/v1/settlements",
        f"{README_URL}/v1/receipts/MZ20261122001-1",
    ]
    command = [OPSP, "serve", "--config", "config/serve/demo.toml", "--journal", str(tmp_path / "j.sqlite3")]
    with served([*command, "--port", "0"], listening=SERVE_LISTENING) as service:
        for line, excerpt in calls:
            run = subprocess.run(
                ["sh", "-c", line.replace(README_URL, service.url)],
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=60,
                check=True,
            )
            position = 0
            for piece in filter(None, excerpt.split("…")):
                found = run.stdout.find(piece, position)
                assert found >= 0, f"{piece!r} not in the answer to {line.split()[2]}: {run.stdout[:400]}"
                position = found + len(piece)
