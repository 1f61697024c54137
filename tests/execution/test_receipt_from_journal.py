"""Receipts printed from the journal print what the platform answered (issue #15 item 11).

A receipt is built one way (``receipt_of``) from the platform's 2204 split and its 2207 answer,
both journaled: the one on the cashier's screen right after settling, the one reprinted by
another process later, and the one on a journal reopened all print the same. A bill summary
totals the whole visit: its settlements and every line the patient paid in full.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from adapter.execution import SqliteJournal
from adapter.execution._receipts import receipt_from_journal
from adapter.receipts import bill_html, bill_summary, receipt_html
from tests.journal_contract._implementations import TEST_KEY
from tests.mock_platform.seeds import EXAMPLE2_CATALOGUE

from .helpers import NOW, bill, example_tables, world
from .test_funds import mutual_aid_visit

ROOT = Path(__file__).resolve().parents[2]
PRINTED_AT = datetime(2026, 11, 22, 10, 0)

# The platform's catalogue has drifted from the hospital's: it now lists the consumable C099 as
# 甲类 (no 先行自付), while the adapter's tables still say 乙类 with 先行自付 5% (DOMAIN.md Example 2 L3).
DRIFTED = {
    "payment_scope": [{**EXAMPLE2_CATALOGUE["payment_scope"][0], "chrgitm_lv": "01", "selfpay_prop": "0"}],
    "item_map": EXAMPLE2_CATALOGUE["item_map"],
}

_REPRINT = """
import sys
from datetime import datetime
from adapter.execution import SqliteJournal
from adapter.receipts import receipt_html
from tests.journal_contract._implementations import TEST_KEY
journal = SqliteJournal(sys.argv[1], key=TEST_KEY)
sys.stdout.write(receipt_html(journal, sys.argv[2], printed_at=datetime(2026, 11, 22, 10, 0)))
journal.close()
"""


def _compact(html: str) -> str:
    """The page without the layout whitespace between its tags."""
    return re.sub(r">\s+<", "><", html).strip()


def _reprinted_by_another_process(path: Path, setl_id: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _REPRINT, str(path), setl_id], cwd=ROOT, capture_output=True, check=True
    )
    return done.stdout.decode("utf-8")


def test_a_reprinted_receipt_shows_the_platforms_split_not_the_plans(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    journal = SqliteJournal(path, key=TEST_KEY)
    # P1's patient (Yinchuan 职工), the consumable 60.00 × 2 = 120.00, capped at 50.00:
    #   超限价 (60.00 − 50.00) × 2 = 20.00 either way; base 120.00 − 20.00 = 100.00;
    #   plan (乙类 5%):  先行自付 100.00 × 5% = 5.00, 政策范围内 95.00;
    #   platform (甲类): 先行自付 0.00, 政策范围内 100.00.
    with world(tables=example_tables(tmp_path / "tables"), journal=journal, seed=DRIFTED) as w:
        planned = w.adapter.plan(bill("MZ20261122101", [("C099", "60.00", "2")]))
        (line,) = planned.plan.batches[0].lines
        planned_split = (line.chrgitm_lv, line.preselfpay_amt, line.inscp_scp_amt)
        assert planned_split == ("02", Decimal("5.00"), Decimal("95.00"))
        result = w.adapter.settle(bill("MZ20261122101", [("C099", "60.00", "2")]))
        (batch,) = result.batches
        assert batch.status == "settled", batch.message
        assert "feedetl_sn 1 chrgitm_lv: planned 02, platform 01" in batch.drift
        live = batch.receipt
        assert live is not None
        (printed,) = live.lines
        assert (printed.chrgitm_lv, printed.overlmt_amt, printed.preselfpay_amt, printed.inscp_scp_amt) == (
            "01",
            Decimal("20.00"),
            Decimal("0.00"),
            Decimal("100.00"),
        )
        # 2207 agrees with the lines: 政策范围内 100.00, 超限价 20.00, no 先行自付.
        assert live.amounts.inscp_scp_amt == Decimal("100.00")
        assert live.amounts.preselfpay_amt == Decimal("0.00")
        right_after = receipt_html(journal, live.setl_id, printed_at=PRINTED_AT)
    journal.close()

    reopened = SqliteJournal(path, key=TEST_KEY)
    try:
        assert receipt_from_journal(reopened, live.setl_id) == live  # every field, the funds' details too
        assert receipt_html(reopened, live.setl_id, printed_at=PRINTED_AT) == right_after
    finally:
        reopened.close()
    later = _reprinted_by_another_process(path, live.setl_id)
    assert later == right_after
    assert (
        '<tr><td>1</td><td>一次性使用胰岛素泵管路</td><td>甲类</td><td class="n">120.00</td>'
        '<td class="n">0.00</td><td class="n">20.00</td><td class="n">0.00</td><td class="n">100.00</td></tr>'
    ) in _compact(later)


def _p2_with_an_unmapped_tea(tmp_path: Path) -> Path:
    document: dict[str, Any] = json.loads((ROOT / "examples/visits/P2.json").read_text(encoding="utf-8"))
    document["items"].append(
        {
            "feedetl_sn": "4",
            "medins_list_codg": "L999",  # 院内自制茶饮: no national code (未贯标), paid in full
            "cnt": "1",
            "pric": "15.00",
            "fee_ocur_time": "2026-11-22 09:50:00",
            "hosp_appr_flag": "0",
        }
    )
    visit = tmp_path / "P2-tea.json"
    visit.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return visit


def test_the_bill_summary_totals_what_the_patient_paid_in_all(tmp_path: Path) -> None:
    # P2 (Yinchuan 居民, dialysis, no account) with the 普通门诊 batch failing on a platform that is down
    # (collected in full) and one unmapped line:
    #   dialysis 590.00: 政策范围内 553.00, 起付线 500.00 first, fund (553.00 − 500.00) × 60% = 31.80,
    #                    cash 590.00 − 31.80 = 558.20;
    #   普通门诊 25.00 collected in full (the platform could not settle it);
    #   院内自制茶饮 15.00 未贯标, in full.
    #   medfee 590.00 + 25.00 + 15.00 = 630.00; fund 31.80; account 0.00;
    #   cash 558.20 + 25.00 + 15.00 = 598.20 = 630.00 − 31.80, all the patient paid.
    journal = SqliteJournal(tmp_path / "journal.sqlite3", key=TEST_KEY)
    with world(journal=journal) as w:
        # The dialysis batch's 2204 goes through; the 普通门诊 batch's answers 502 and so does 5204, which
        # would tell whether it arrived: the platform is down (tests/execution/test_faults.py).
        w.mock.faults.add("2204", "delay", seconds=0, times=1)
        w.mock.faults.add("2204", "bad_gateway", times=1)
        w.mock.faults.add("5204", "bad_gateway", times=10)
        result = w.adapter.settle(str(_p2_with_an_unmapped_tea(tmp_path)))
        assert [b.status for b in result.batches] == ["settled", "self_pay"]
        dialysis = result.batches[0].receipt
        assert dialysis is not None
        summary = bill_summary(journal, dialysis.setl_id)
        assert [(p.reason, p.total) for p in summary.self_pay] == [
            ("platform_down", Decimal("25.00")),
            ("unmapped", Decimal("15.00")),
        ]
        assert summary.medfee_sumamt == Decimal("630.00")
        assert summary.fund_pay_sumamt == Decimal("31.80")
        assert summary.acct_pay == Decimal("0.00")
        assert summary.psn_cash_pay == Decimal("598.20")
        assert summary.patient_paid == Decimal("598.20")
        assert summary.psn_cash_pay == result.cash_to_collect  # what the cashier collected
        text = _compact(bill_html(journal, dialysis.setl_id))
    assert (
        '<tr class="total"><td colspan="2">合计</td><td class="n">630.00</td><td class="n">31.80</td>'
        '<td class="n">0.00</td><td class="n">598.20</td></tr>'
    ) in text
    assert "个人负担合计 598.20" in text
    assert "医保平台不可用，按自费收取" in text
    assert '<td>4</td><td>院内自制茶饮</td><td>自费项目（不经医保结算）</td><td class="n">15.00</td>' in text
    journal.close()


def test_a_voided_settlement_prints_as_void_not_as_refunded(tmp_path: Path) -> None:
    # Reconciliation voids a ledger row the platform does not hold (tests/reconcile/test_journal_side.py):
    # its receipt must not tell the patient it was refunded, and the bill summary leaves it out.
    journal = SqliteJournal(tmp_path / "journal.sqlite3", key=TEST_KEY)
    with world(journal=journal) as w:
        first, _middle, ordinary = (
            b.receipt.setl_id for b in w.adapter.settle("examples/visits/P1.json").batches if b.receipt
        )
        journal.amend_settlement(
            ordinary,
            reason="reconcile:void",
            evidence={},
            now=PRINTED_AT,
            changes={"active": False, "voided": True},
        )
        page = receipt_html(journal, ordinary)
        assert "已作废（医保平台无此结算）" in page
        assert "已退费" not in page
        assert ordinary not in [r.receipt.setl_id for r in bill_summary(journal, first).receipts]
    journal.close()


def test_the_credential_printed_is_masked_and_a_purged_one_is_not_printed(tmp_path: Path) -> None:
    p10 = json.loads((ROOT / "examples/visits/P10.json").read_text(encoding="utf-8"))
    token = p10["patient"]["mdtrt_cert_no"]  # a 医保电子凭证: a one-time token, nothing to print
    journal = SqliteJournal(tmp_path / "journal.sqlite3", key=TEST_KEY)
    with world(journal=journal) as w:
        (chronic, _ordinary) = (
            b.receipt.setl_id
            for b in w.adapter.settle(str(ROOT / "examples/visits/P10.json")).batches
            if b.receipt
        )
        page = receipt_html(journal, chronic)
        assert "<dd>医保电子凭证</dd>" in page
        assert token[-4:] not in page
        assert "<dd>陈*东</dd>" in page
        # Past the refund window the credential is erased; the receipt still prints, without it.
        assert journal.purge(datetime(2099, 1, 1, tzinfo=NOW.tzinfo)).batches == 2
        page = receipt_html(journal, chronic)
        assert "<div><dt>证件</dt><dd>—</dd></div>" in page
    journal.close()


def test_the_bill_summary_has_a_mutual_aid_column_when_a_family_account_paid() -> None:
    # tests/execution/test_funds.py's 公务员 with cancer (Wuhai 310, out of region): 100 × 16.00 =
    # 1,600.00; fund 820.00 (统筹 + 公务员医疗补助); personal 780.00 = own account 10.00 + 门诊共济
    # 100.00 + cash 670.00.
    family, visit = mutual_aid_visit()
    with world(seed={"people": [family]}) as w:
        [batch] = w.adapter.settle(visit).batches
        assert batch.receipt is not None
        summary = bill_summary(w.journal, batch.receipt.setl_id)
        assert (summary.fund_pay_sumamt, summary.acct_pay, summary.acct_mulaid_pay, summary.psn_cash_pay) == (
            Decimal("820.00"),
            Decimal("10.00"),
            Decimal("100.00"),
            Decimal("670.00"),
        )
        assert summary.patient_paid == Decimal("780.00")  # 1,600.00 − 820.00
        text = _compact(bill_html(w.journal, batch.receipt.setl_id))
    assert '<th class="n">个人账户共济支付（门诊共济）</th>' in text
    assert (
        '<tr class="total"><td colspan="2">合计</td><td class="n">1,600.00</td><td class="n">820.00</td>'
        '<td class="n">10.00</td><td class="n">100.00</td><td class="n">670.00</td></tr>'
    ) in text
    assert "医院负担" not in text  # the hospital bore nothing: no column
