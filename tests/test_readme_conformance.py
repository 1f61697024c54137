"""README "Testing your HIS against the mock", run as written against ``opsp mock serve`` (issue #17).

Every ``sh`` block of the section after the one that serves the mock runs in one POSIX shell, in order, with
only the address changed (the test serves on a free port) and ``.venv/bin/opsp`` pointing at this
environment's: the vendor's way through a scenario with curl, ending with ``opsp conformance report``. The
report must pass; with the 冲正 (2601) line left out it must fail with what the section's console block shows.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.served import ROOT, served

OPSP = str(Path(sys.executable).parent / "opsp")
README_URL = "http://127.0.0.1:8080"


def section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split("## Testing your HIS against the mock", 1)[1].split("\n## ", 1)[0]


def shell_blocks() -> list[str]:
    return [textwrap.dedent(block) for block in re.findall(r"```sh\n(.*?)```", section(), flags=re.S)]


def run_section(tmp_path: Path, *, leave_out: str = "") -> subprocess.CompletedProcess[str]:
    serve, *steps = shell_blocks()
    assert serve.strip() == ".venv/bin/opsp mock serve --port 8080"
    script = "\n".join(steps)
    if leave_out:
        assert leave_out in script
        script = "\n".join(line for line in script.splitlines() if leave_out not in line)
    with served([OPSP, "mock", "serve", "--port", "0"]) as mock:
        script = script.replace(README_URL, mock.url).replace(".venv/bin/opsp", f"{OPSP}")
        script = script.replace(" --out report/", f" --url {mock.url} --out report/")
        return subprocess.run(
            ["sh", "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=180, check=False
        )


def normalized(text: str) -> list[str]:
    """Lines with what differs from run to run (times, msgids, journal ids, counts) replaced."""
    text = re.sub(r"H42010200001[0-9]{18}", "MSGID", text)
    text = re.sub(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}", "TIME", text)
    text = re.sub(r"#[0-9]+|entry [0-9]+|[0-9]+ calls", "N", text)
    return [line.rstrip() for line in text.splitlines() if line.strip()]


def test_a_vendor_runs_the_scenario_with_curl_and_it_passes(tmp_path: Path) -> None:
    run = run_section(tmp_path)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]  # opsp conformance report: 0 = pass
    report = json.loads((tmp_path / "report" / "conformance-report.json").read_text(encoding="utf-8"))
    assert report["verdict"] == "pass"
    assert [(line["scenario"], line["verdict"]) for line in report["scenarios"]] == [
        ("lost-2207-answer", "pass")
    ]
    verdicts = {rule["rule"]: rule["verdict"] for rule in report["rules"]}
    assert verdicts["reverse-unknown-2207"] == "pass"  # the lost 2207 was reversed before settling again
    assert verdicts["receipt-matches-2207"] == "pass"  # the receipt printed what 2207 answered
    assert (tmp_path / "report" / "conformance-report.html").read_text(encoding="utf-8").startswith("<!")
    assert '"receipt":{"entry_id":' in run.stdout


def test_without_the_2601_the_report_says_what_to_fix(tmp_path: Path) -> None:
    run = run_section(tmp_path, leave_out="call 2601 ")
    assert run.returncode == 3, run.stderr[-2000:]
    console = re.search(r"```console\n(.*?)```", section(), flags=re.S)
    assert console is not None
    shown = normalized(textwrap.dedent(console.group(1)))
    printed = normalized(run.stdout)
    missing = [line for line in shown if line not in printed]
    assert not missing, (missing, printed)
