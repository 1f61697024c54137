"""A HIS's day through HTTP against the in-process mock: look up, plan, dry-run, settle, refund, lists.

P1 (马建国, Yinchuan employee, account balance 1000.00) with examples/visits/P1.json: three batches —
M01600 糖尿病 114.00, M03900 高血压 84.00, 普通门诊 32.20 — all paid from the account (the in-scope parts
109.50 and 81.48 go to the 500.00 deductible; 普通门诊 has no pooled fund), plus 15.00 for the 未贯标
line L999 in cash: cash to collect 15.00, balance 1000.00 − 114.00 − 84.00 − 32.20 = 769.80.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from adapter import decode

from .helpers import DESK2_TOKEN, P1, balance, p1, served_app

P1_CERT = "640104196203152010"


def test_settle_p1_three_batches(tmp_path: Path) -> None:
    with served_app(tmp_path) as s:
        reply = s.post("/v1/settlements", p1(), key="HIS-BILL-0001")
        assert reply.status_code == 200, reply.text
        # Money travels as exact JSON numbers written by the codec (never a float, never a string).
        assert b'"cash_to_collect":15.00' in reply.content
        assert b'"acct_pay":114.00' in reply.content
        answer = decode(reply.content)
        assert (answer["complete"], answer["desk"], answer["opter"]) == (True, "desk-1", "0001")
        batches = answer["result"]["batches"]
        assert [(b["dise_codg"], b["status"]) for b in batches] == [
            ("M01600", "settled"),
            ("M03900", "settled"),
            ("", "settled"),
        ]
        assert [b["receipt"]["amounts"]["acct_pay"] for b in batches] == [
            Decimal("114.00"),
            Decimal("84.00"),
            Decimal("32.20"),
        ]
        assert [b["receipt"]["receipt_category"] for b in batches] == ["门诊慢特病", "门诊慢特病", "普通门诊"]
        assert answer["cash_to_collect"] == Decimal("15.00")
        assert balance(s, P1_CERT) == Decimal("769.80")


def test_refund_the_middle_settlement_resettles_the_newest(tmp_path: Path) -> None:
    with served_app(tmp_path) as s:
        settled = decode(s.post("/v1/settlements", p1(), key="HIS-BILL-0001").content)
        first, middle, newest = (b["receipt"]["setl_id"] for b in settled["result"]["batches"])

        preview = s.post("/v1/refunds/plan", {"setl_id": middle})
        assert preview.status_code == 200, preview.text
        plan = decode(preview.content)
        # Newest first: the 普通门诊 settlement goes, then 高血压, then 普通门诊 is settled again.
        assert [(step["action"], step["setl_id"]) for step in plan["plan"]["steps"]] == [
            ("refund", newest),
            ("refund", middle),
            ("resettle", newest),
        ]
        assert plan["chain_length"] == 1

        body = {"setl_id": middle, "expect_steps": 3}
        reply = s.post("/v1/refunds", body, key="HIS-REFUND-0001", token=DESK2_TOKEN)
        assert reply.status_code == 200, reply.text
        refund = decode(reply.content)
        assert (refund["complete"], refund["desk"], refund["opter"]) == (True, "desk-2", "0002")
        money = {row["setl_id"]: row for row in refund["money"]}
        # Everything was paid from the account (cash 0.00 on both): no cash changes hands; the re-settled
        # 普通门诊 bill has no pooled fund, so its account share stays 32.20.
        assert money[middle]["refunded"] is True
        assert money[middle]["new_setl_id"] == ""
        assert (money[newest]["collect"], money[newest]["pay_back"]) == (Decimal("0.00"), Decimal("0.00"))
        new_setl_id = money[newest]["new_setl_id"]
        assert new_setl_id not in ("", newest)
        # The account gets 84.00 back: 769.80 + 84.00 = 853.80.
        assert balance(s, P1_CERT) == Decimal("853.80")

        day = decode(s.get("/v1/settlements", day="2026-11-22").content)
        rows = {row["setl_id"]: row for row in day["settlements"]}
        assert set(rows) == {first, middle, newest, new_setl_id}
        assert [rows[x]["active"] for x in (first, middle, newest, new_setl_id)] == [True, False, False, True]
        assert (rows[new_setl_id]["operation"], rows[new_setl_id]["desk"], rows[new_setl_id]["opter"]) == (
            "resettle",
            "desk-2",
            "0002",
        )
        assert rows[new_setl_id]["acct_pay"] == Decimal("32.20")
        assert rows[first]["idempotency_key"] == "HIS-BILL-0001"

        again = s.post("/v1/refunds/plan", {"setl_id": middle})
        assert again.status_code == 409
        assert decode(again.content)["error"]["code"] == "already_refunded"


def test_look_up_a_patient_gives_each_filing_with_its_reason(tmp_path: Path) -> None:
    with served_app(tmp_path) as s:
        reply = s.post(
            "/v1/patients/lookup",
            {"mdtrt_cert_type": "02", "mdtrt_cert_no": P1_CERT, "visit_time": "2026-11-22 09:30:00"},
        )
        assert reply.status_code == 200, reply.text
        eligibility = decode(reply.content)
        assert eligibility["psn_no"] == "64010000000000000001"
        assert eligibility["psn_name_masked"] == "马*国"
        assert {f["opsp_dise_code"]: f["settleable"] for f in eligibility["filings"]} == {
            "M01600": True,
            "M03900": True,
        }
        assert all(f["reason"] for f in eligibility["filings"])

        # P6: insurance suspended since 2026-09-01 (DEMO_DATA.md) — an answer, not an error.
        suspended = decode(
            s.post(
                "/v1/patients/lookup", {"mdtrt_cert_type": "02", "mdtrt_cert_no": "640104197505053020"}
            ).content
        )
        assert suspended["insurance_active"] is False
        assert suspended["insurance_reason"]


def test_plan_and_dry_run_change_nothing(tmp_path: Path) -> None:
    with served_app(tmp_path) as s:
        planned = decode(s.post("/v1/plan", p1()).content)
        assert [b["dise_codg"] for b in planned["batches"]] == ["M01600", "M03900", ""]
        assert planned["bill_total"] == Decimal("245.20")  # 114.00 + 84.00 + 32.20 + 15.00
        dry = s.post("/v1/dry-run", p1())
        assert dry.status_code == 200, dry.text
        answer = decode(dry.content)
        assert [b["status"] for b in answer["result"]["batches"]] == ["predicted"] * 3
        assert answer["cash_to_collect"] == Decimal("15.00")
        assert balance(s, P1_CERT) == Decimal("1000.00")  # undone: the platform is left as found
        assert decode(s.get("/v1/settlements", day="2026-11-22").content)["settlements"] == []


def test_outbox_and_recover_over_http(tmp_path: Path) -> None:
    p6 = decode((P1.parent / "P6.json").read_bytes())
    with served_app(tmp_path) as s:
        settled = decode(s.post("/v1/settlements", p6, key="HIS-BILL-P6").content)
        assert settled["result"]["batches"] == []
        assert settled["cash_to_collect"] == Decimal("94.00")  # 24.00 + 45.00 + 25.00, all self-pay
        outbox = decode(s.get("/v1/outbox").content)
        (entry,) = outbox["entries"]
        assert entry["due"] == "2026-11-25"  # Sunday 2026-11-22 + 3 working days (seed 002 三(四))
        recovered = decode(s.post("/v1/recover", {}).content)
        assert recovered == {"complete": True, "actions": []}
