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
    assert commands == ["demo", "settle", "settle", "refund", "recover", "outbox", "reconcile", "receipt"]


@pytest.mark.skipif(
    shutil.which("chromium") is None or shutil.which("pdftotext") is None,
    reason="the receipt step needs Debian's chromium (and poppler-utils to read the PDF)",
)
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
    receipt = tmp_path / "receipt.pdf"
    assert receipt.read_bytes().startswith(b"%PDF-")
    _the_receipt_is_as_the_readme_describes(receipt)


def _the_receipt_is_as_the_readme_describes(pdf: Path) -> None:
    """What the README says the receipt shows, on the receipt of MZ20261122001-3 after the refund.

    That batch (普通门诊, 32.20) was refunded with the middle one and settled again: its receipt is the
    new settlement's, with the chain. P1's account paid it: 32.20 → 32.20, nothing in cash either way.
    Balance after: 769.80 after the three settlements, + 32.20 and + 84.00 refunded to the account,
    − 32.20 for the re-settlement = 853.80.
    """
    done = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True)
    text = re.sub(r"[ \t]+", " ", done.stdout.decode("utf-8"))
    flat = "".join(text.split())
    assert "票据类别：普通门诊" in text  # the category (seed 002 附件2)
    assert "序号 项目名称 项目等级 金额 自费 超限价 先行自付 政策范围内" in text
    assert "6 阿莫西林胶囊 0.25g 甲类 7.20 0.00 0.00 0.00 7.20" in text
    assert "7 普通门诊诊查费 甲类 25.00 0.00 0.00 0.00 25.00" in text
    assert "基金支付合计 0.00" in text  # every fund that paid: none (P1's deductible is not reached)
    assert "个人账户支付 32.20" in text
    assert "现金支付 0.00" in text
    assert "个人账户余额（结算后） 853.80" in text
    assert "补收现金0.00，补退现金0.00" in flat  # the refund chain's 补收 / 补退
    assert "本结算由原结算S640100" in flat
    assert "姓名：马*国" in text  # masked: P1 is 马建国, 640104196203152010 (synthetic)
    assert "居民身份证 **************2010" in text
    assert "马建国" not in text
    assert "640104" not in text
