"""Printable receipts (issue 15 item 11): rendered by real headless Chromium, checked on the PDF's text.

Needs Debian's ``chromium`` and ``poppler-utils`` (pdftotext); .ci/run installs them.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from adapter import decode
from adapter._embedded import default_journal_path, load_demo_settings
from adapter.cli import main
from adapter.cli._journal_key import journal_key
from adapter.execution import SqliteJournal
from adapter.execution._receipts import funds_of
from adapter.receipts import FUND_LABELS, bill_pdf, receipt_html
from adapter.transactions._settlement import SettlementInfo

pytestmark = pytest.mark.skipif(
    shutil.which("chromium") is None or shutil.which("pdftotext") is None,
    reason="needs Debian's chromium and poppler-utils (.ci/run installs them)",
)


def _settle(capsys: pytest.CaptureFixture[str], visit: str) -> list[str]:
    assert main(["settle", visit, "--json"]) == 0
    document: Any = decode(capsys.readouterr().out)
    return [batch["receipt"]["setl_id"] for batch in document["batches"]]


def _pdf_text(path: Path) -> str:
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return re.sub(r"[ \t]+", " ", done.stdout.decode("utf-8"))


def _flat(text: str) -> str:
    """Text with its line breaks gone (a paragraph may wrap anywhere)."""
    return "".join(text.split())


def test_a_settlement_receipt_printed_by_chromium(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    dialysis, ordinary = _settle(capsys, "examples/visits/P2.json")
    pdf = tmp_path / "receipt.pdf"
    assert main(["receipt", dialysis, "--pdf", str(pdf)]) == 0
    assert capsys.readouterr().out == f"已生成 {pdf}\n"
    assert pdf.read_bytes().startswith(b"%PDF-")
    text = _pdf_text(pdf)
    assert "门诊医疗费用结算单" in text
    assert "票据类别：门诊慢特病（M07801 透析）" in text  # seed 002 附件2: the category with the disease
    assert "李*兰" in text  # masked as on screen
    assert "**************" in text  # the ID number: stars and its last four only
    assert "640104" not in text
    assert "李秀兰" not in text
    # Per line: 项目等级 / 金额 / 自费 / 超限价 / 先行自付 / 政策范围内, as the platform split them.
    assert "1 血液透析 甲类 420.00 0.00 20.00 0.00 400.00" in text  # 420 above the 400.00 cap: 20.00 超限价
    assert "2 重组人促红素注射液 3000IU 乙类 170.00 0.00 0.00 17.00 153.00" in text  # 乙类 10% 先行自付
    # P2 (Yinchuan resident, dialysis): 政策范围内 553.00, 起付线 500.00 first; the fund pays
    # 60% of the rest: (553.00 - 500.00) × 60% = 31.80; cash 590.00 - 31.80 = 558.20 (no account used).
    assert "基本医疗保险统筹基金 31.80" in text
    assert "基金支付合计 31.80" in text
    assert "本次计入起付线 500.00" in text
    assert "个人账户支付 0.00" in text
    assert "现金支付 558.20" in text
    assert "个人账户余额（结算后）" in text
    assert main(["receipt", ordinary]) == 0  # HTML on stdout
    assert "票据类别：普通门诊" in capsys.readouterr().out


def test_a_refunded_and_resettled_receipt_shows_the_chain(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    document = json.loads(Path("examples/visits/P1.json").read_text(encoding="utf-8"))
    document["acct_used_flag"] = "0"  # cash only, so the refund pays money back
    visit = tmp_path / "P1-cash.json"
    visit.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    first, middle, last = _settle(capsys, str(visit))
    assert main(["refund", middle, "--json"]) == 0
    refunded: Any = decode(capsys.readouterr().out)
    resettled = next(c["new_setl_id"] for c in refunded["changes"] if c["setl_id"] == last)
    assert main(["receipt", middle, "--html", str(tmp_path / "middle.html")]) == 0
    text = re.sub(r"<[^>]+>", "", (tmp_path / "middle.html").read_text(encoding="utf-8"))
    assert "已退费" in text
    # The middle settlement (M03900, 84.00, all cash: P1's deductible is not yet reached) is
    # refunded whole: 补退 84.00, nothing collected; the account was not used.
    chain = "基金支付0.00→0.00，个人账户0.00→0.00，现金84.00→0.00。补收现金0.00，补退现金84.00。"
    assert chain in _flat(text)
    pdf = tmp_path / "resettled.pdf"
    assert main(["receipt", resettled, "--pdf", str(pdf)]) == 0
    text = _pdf_text(pdf)
    assert f"本结算由原结算{last}退费后重新结算" in _flat(text)
    assert "现金32.20→32.20" in _flat(text)  # the ordinary batch costs the same cash again
    assert "已退费" not in text
    path = default_journal_path(load_demo_settings())
    journal = SqliteJournal(path, key=journal_key(path, demo=True))  # the library call
    try:
        out = bill_pdf(journal, first, tmp_path / "bill.pdf")
        html = receipt_html(journal, first)
    finally:
        journal.close()
    text = _pdf_text(out)
    assert "门诊费用汇总（医保结算）" in text
    # The bill summary: the live settlements of the visit (the middle one is gone) and the 未贯标 tea
    # the patient paid in full, all in cash here: 114.00 + 32.20 + 15.00 = 161.20; no fund (the
    # deductible is not reached), no account. 245.20 paid at first, less the 84.00 paid back.
    assert f"{first} 门诊慢特病（M01600 糖尿病） 114.00 0.00 0.00 114.00" in text
    assert f"{resettled} 普通门诊 32.20 0.00 0.00 32.20" in text
    assert "— 自费项目（不经医保结算） 15.00 0.00 0.00 15.00" in text
    assert "合计 161.20 0.00 0.00 161.20" in text
    assert "个人负担合计 161.20" in text
    assert "8 院内自制茶饮 自费项目（不经医保结算） 15.00" in text
    capsys.readouterr()
    assert main(["receipt", first, "--bill", "--json"]) == 0
    summary: Any = decode(capsys.readouterr().out)
    assert [r["receipt"]["setl_id"] for r in summary["receipts"]] == [first, resettled]
    assert [(p["reason"], p["total"]) for p in summary["self_pay"]] == [("unmapped", Decimal("15.00"))]
    assert summary["totals"] == {
        "medfee_sumamt": Decimal("161.20"),
        "fund_pay_sumamt": Decimal("0.00"),
        "acct_pay": Decimal("0.00"),
        "psn_cash_pay": Decimal("161.20"),
        "self_pay_total": Decimal("15.00"),
        "patient_paid": Decimal("161.20"),
    }
    assert middle not in text.split("门诊医疗费用结算单")[0]
    assert "<!DOCTYPE html>" in html
    assert "@page" in html


def test_every_fund_the_answer_has_is_listed_with_its_label() -> None:
    info = SettlementInfo.model_validate(
        {
            "setl_id": "S1",
            "medfee_sumamt": Decimal("100.00"),
            "hifp_pay": Decimal("40.00"),
            "hifmi_pay": Decimal("10.00"),
            "maf_pay": Decimal("5.00"),
            "cvlserv_pay": Decimal("0.00"),
            "fund_pay_sumamt": Decimal("55.00"),
            "psn_part_amt": Decimal("45.00"),
            "acct_pay": Decimal("20.00"),
            "psn_cash_pay": Decimal("25.00"),
        }
    )
    funds = funds_of(info)
    # 40.00 + 10.00 + 5.00 = 55.00 = fund_pay_sumamt; a zero fund is not printed; acct/cash are not funds.
    assert [(f.field, f.amount) for f in funds] == [
        ("hifp_pay", Decimal("40.00")),
        ("hifmi_pay", Decimal("10.00")),
        ("maf_pay", Decimal("5.00")),
    ]
    assert sum(f.amount for f in funds) == info.fund_pay_sumamt
    assert [FUND_LABELS[f.field] for f in funds] == ["基本医疗保险统筹基金", "大病保险", "医疗救助"]


def test_a_missing_template_engine_or_browser_is_said_in_chinese_with_what_to_install(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (setl_id, _ordinary) = _settle(capsys, "examples/visits/P2.json")
    with monkeypatch.context() as patched:
        patched.setitem(sys.modules, "jinja2", None)  # the `receipts` extra not installed: import fails
        assert main(["receipt", setl_id]) == 1
    said = capsys.readouterr()
    assert said.out == ""
    assert "打印票据需要 Jinja2，尚未安装：请安装 pip install 'opsp-adapter[receipts]'" in said.err
    monkeypatch.setenv("OPSP_CHROMIUM", str(tmp_path / "no-such-chromium"))
    assert main(["receipt", setl_id, "--pdf", str(tmp_path / "r.pdf")]) == 1
    assert "Chromium 未能打印票据" in capsys.readouterr().err
    assert not (tmp_path / "r.pdf").exists()
