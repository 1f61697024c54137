"""``opsp reconcile`` and ``opsp day`` against ``opsp mock serve`` (a real server process over TCP, state in
SQLite files); the commands run in-process through ``main`` to keep the suite quick."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from adapter import decode
from adapter._clock import china_now
from adapter.cli import main
from adapter.execution import SqliteJournal
from tests.served import Served
from tests.test_served_workflow import journal_key, platform

from .helpers import JOURNAL_KEY

__all__ = ["journal_key", "platform"]  # the served mock, and the desks' OPSP_JOURNAL_KEY


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_reconcile_and_day_from_the_command_line(
    platform: Served, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    journal = str(tmp_path / "journal.sqlite3")
    for visit in ("P1", "P8"):  # the README's example settlements
        code, _, err = _run(
            capsys,
            "settle",
            f"examples/visits/{visit}.json",
            "--platform",
            platform.url,
            "--journal",
            journal,
        )
        assert code == 0, err
    book = SqliteJournal(journal, key=JOURNAL_KEY)
    settled = book.settlements_between(date(2026, 1, 1), date(2099, 12, 31))
    book.close()
    (day,) = {s.setl_time.date() for s in settled}
    base = ("reconcile", "--date", str(day), "--platform", platform.url, "--journal", journal)

    html, report_csv = tmp_path / "report.html", tmp_path / "report.csv"
    code, out, err = _run(capsys, *base, "--html", str(html), "--csv", str(report_csv))
    assert code == 0, out + err
    assert "结果：对账平" in out
    assert "[#" not in err  # no progress bar when stderr is not a terminal
    assert "对账平" in html.read_text(encoding="utf-8")
    code, out, _ = _run(capsys, *base, "--json")
    document = decode(out)
    assert document["balanced"] is True
    assert document["differences"] == []
    # P1: two 慢病 batches and a 普通门诊 one at 640100 (职工 310); P8: 普通门诊 at 420100 (居民 390).
    keys = {(g["insutype"], g["clr_type"], g["setl_optins"]) for g in document["groups"]}
    assert keys == {("310", "14", "640100"), ("310", "11", "640100"), ("390", "11", "420100")}
    assert sum(g["totals"]["count"] for g in document["groups"]) == 4

    code, out, _ = _run(
        capsys, "day", "--date", str(day), "--journal", journal, "--json", "--csv", str(tmp_path / "d.csv")
    )
    assert code == 0
    days = decode(out)
    medfee = sum((g["totals"]["medfee_sumamt"] for g in days["groups"]), Decimal("0"))
    assert days["totals"]["medfee_sumamt"] == medfee
    # The day's medical fees are the 3201 totals' medical fees: one ledger, two views.
    assert medfee == sum((g["totals"]["medfee_sumamt"] for g in document["groups"]), Decimal("0"))
    rows = list(csv.reader(io.StringIO((tmp_path / "d.csv").read_text(encoding="utf-8"))))
    assert rows[-1][0] == "day_total"
    assert Decimal(rows[-1][8]) == medfee
    assert {g["category"] for g in days["groups"]} == {"门诊慢特病", "普通门诊"}

    # The insurer's client refunds P8's settlement: reconcile finds it, asks, and repairs it with --yes.
    (p8,) = [s.setl_id for s in settled if s.insutype == "390"]
    answer = httpx.post(f"{platform.url}/_mock/reconcile/outside_refund", json={"setl_id": p8}, timeout=10)
    assert answer.status_code == 200, answer.text
    code, out, _ = _run(capsys, *base, "--json")
    assert code == 3
    (difference,) = decode(out)["differences"]
    assert (difference["kind"], difference["repair"]["action"]) == ("refund_one_side", "import")
    code, out, err = _run(capsys, *base, "--repair")  # no --yes, no answer: nothing is done
    assert code == 3
    assert "执行以上修复？" in err
    code, out, err = _run(capsys, *base, "--repair", "--yes", "--json", "--csv", str(report_csv))
    assert code == 0, out + err
    document = decode(out)
    assert document["differences"][0]["repair"]["status"] == "done"
    assert document["after_repair"]["balanced"] is True
    assert "refund_one_side,退费仅一方有" in report_csv.read_text(encoding="utf-8")
    assert _run(capsys, *base)[0] == 0


def test_reconcile_on_the_embedded_demo_after_the_readme_walkthrough(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The README's walk-through in a fresh data directory (the embedded platform keeps its state there, as a
    # desk's does): P1 settles three batches, P6 pays everything (suspended), P1's middle one is refunded.
    monkeypatch.setenv("OPSP_DATA_DIR", str(tmp_path))
    for argv in (
        ("settle", "examples/visits/P1.json"),
        ("settle", "examples/visits/P6.json"),
        ("refund", "MZ20261122001-2"),
    ):
        code, _, err = _run(capsys, *argv)
        assert code == 0, (argv, err)
    code, out, err = _run(capsys, "reconcile")  # today, China time
    assert code == 0, out + err
    # 门诊慢特病: 114.00 + 84.00 - 84.00 (refunded) = 114.00 in 3 rows; 普通门诊: 32.20 - 32.20 (refunded, the
    # later one first) + 32.20 (settled again) = 32.20 in 3 rows; all from P1's account.
    assert out.splitlines()[1:] == [
        "  险种310 清算类别11 经办机构640100: 3笔 医疗费32.20 基金0.00 账户32.20 — 平",
        "  险种310 清算类别14 经办机构640100: 3笔 医疗费114.00 基金0.00 账户114.00 — 平",
        "结果：对账平；2 组，差异 0 笔",
    ]
    today = china_now().date()
    assert out.splitlines()[0] == f"对账 {today} 至 {today}"
    code, out, _ = _run(capsys, "day")
    assert code == 0
    # The day: 114.00 + 32.20 = 146.20, all from the account (P6's self-pay bill is not in the ledger).
    (total,) = [line for line in out.splitlines() if line.startswith("合计")]
    assert total.split() == ["合计", "146.20", "0.00", "146.20", "0.00"]
