"""Receipts over HTTP: ``GET /v1/receipts/{setl_id}`` and ``…/bill``, as ``opsp receipt`` prints them.

P1 settled through the service (see test_flows): three batches paid from the account, 114.00, 84.00 and
32.20, and the 未贯标 line L999, 15.00, in cash. The receipts are read back from the journal.
"""

from __future__ import annotations

import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from adapter import decode, encode
from adapter.cli._output import plain
from adapter.receipts import bill_answer, bill_summary, receipt_answer, settlement_receipt
from adapter.service import ServiceError
from adapter.service._app import _form, _inline

from .helpers import DESK1_TOKEN, Served, p1, served_app

AMOUNTS = ("medfee_sumamt", "fund_pay_sumamt", "acct_pay", "psn_cash_pay")


def _get(s: Served, path: str, accept: str = "") -> Any:
    headers = {"Authorization": f"Bearer {DESK1_TOKEN}"}
    if accept:
        headers["Accept"] = accept
    return s.http.get(path, headers=headers)


def _settle(s: Served) -> list[dict[str, Any]]:
    reply = s.post("/v1/settlements", p1(), key="HIS-BILL-R1")
    assert reply.status_code == 200, reply.text
    return [b["receipt"] for b in decode(reply.content)["result"]["batches"]]


def test_a_receipt_as_json_is_the_settlement_the_platform_answered_and_what_the_cli_prints(
    tmp_path: Path,
) -> None:
    with served_app(tmp_path) as s:
        settled = _settle(s)
        paid = []
        for receipt in settled:
            reply = _get(s, f"/v1/receipts/{receipt['setl_id']}")
            assert reply.status_code == 200, reply.text
            assert reply.headers["content-type"].startswith("application/json")
            answer = decode(reply.content)
            assert (answer["active"], answer["change"], answer["voided"]) == (True, None, False)
            assert answer["receipt"]["setl_id"] == receipt["setl_id"]
            paid.append(answer["receipt"]["amounts"]["acct_pay"])
            assert {k: answer["receipt"]["amounts"][k] for k in AMOUNTS} == {
                k: receipt["amounts"][k] for k in AMOUNTS
            }
            # Byte for byte what `opsp receipt SETL_ID --json` prints (its print path: plain, then the codec).
            document = settlement_receipt(s.journal, receipt["setl_id"])
            assert reply.content == encode(plain(receipt_answer(document)))
        assert paid == [Decimal("114.00"), Decimal("84.00"), Decimal("32.20")]
        # The 收费批次号 names the batch's settlement, as on the command line.
        by_batch = _get(s, f"/v1/receipts/{settled[1]['chrg_bchno']}")
        assert by_batch.status_code == 200, by_batch.text
        assert decode(by_batch.content)["receipt"]["setl_id"] == settled[1]["setl_id"]


def test_a_receipt_as_html_is_the_printable_page(tmp_path: Path) -> None:
    with served_app(tmp_path) as s:
        first = _settle(s)[0]
        reply = _get(s, f"/v1/receipts/{first['setl_id']}", "text/html,application/xhtml+xml,*/*;q=0.8")
        assert reply.status_code == 200, reply.text
        assert reply.headers["content-type"] == "text/html; charset=utf-8"
        page = reply.text
        assert "门诊慢特病" in page
        assert "M01600" in page
        assert first["setl_id"] in page
        assert "114.00" in page


def test_the_bill_summary_totals_are_the_sum_of_its_receipts_and_the_self_pay_line(tmp_path: Path) -> None:
    with served_app(tmp_path) as s:
        settled = _settle(s)
        reply = _get(s, f"/v1/receipts/{settled[2]['setl_id']}/bill")
        assert reply.status_code == 200, reply.text
        bill = decode(reply.content)
        assert bill["ipt_otp_no"] == "MZ20261122001"
        assert [r["receipt"]["setl_id"] for r in bill["receipts"]] == [r["setl_id"] for r in settled]
        assert [(p["reason"], p["total"]) for p in bill["self_pay"]] == [("unmapped", Decimal("15.00"))]
        totals = bill["totals"]
        for key in ("fund_pay_sumamt", "acct_pay"):
            assert totals[key] == sum(r["amounts"][key] for r in settled)
        for key in ("medfee_sumamt", "psn_cash_pay"):
            assert totals[key] == sum(r["amounts"][key] for r in settled) + Decimal("15.00")
        assert (totals["medfee_sumamt"], totals["acct_pay"], totals["psn_cash_pay"]) == (
            Decimal("245.20"),
            Decimal("230.20"),
            Decimal("15.00"),
        )
        assert (totals["self_pay_total"], totals["patient_paid"]) == (Decimal("15.00"), Decimal("245.20"))
        assert reply.content == encode(plain(bill_answer(bill_summary(s.journal, settled[2]["setl_id"]))))
        page = _get(s, f"/v1/receipts/{settled[0]['setl_id']}/bill", "text/html")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "245.20" in page.text
        assert "门诊慢特病" in page.text


def test_a_refunded_receipt_says_so_with_its_change(tmp_path: Path) -> None:
    with served_app(tmp_path) as s:
        middle = _settle(s)[1]["setl_id"]
        refund = s.post("/v1/refunds", {"setl_id": middle}, key="HIS-REFUND-R1")
        assert refund.status_code == 200, refund.text
        answer = decode(_get(s, f"/v1/receipts/{middle}").content)
        assert answer["active"] is False
        assert (answer["change"]["setl_id"], answer["change"]["refunded"]) == (middle, True)
        assert "已退费" in _get(s, f"/v1/receipts/{middle}", "text/html").text


@pytest.mark.parametrize("path", ["/v1/receipts/S-NOT-THERE", "/v1/receipts/S-NOT-THERE/bill"])
def test_an_unknown_settlement_is_404_naming_it_and_no_token_is_401(tmp_path: Path, path: str) -> None:
    with served_app(tmp_path) as s:
        reply = _get(s, path, "text/html")
        assert reply.status_code == 404
        error = decode(reply.content)["error"]
        assert (error["code"], error["field"]) == ("settlement_not_found", "setl_id")
        assert "S-NOT-THERE" in error["detail"]
        anonymous = s.http.get(path)
        assert anonymous.status_code == 401
        assert decode(anonymous.content)["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(
    ("accept", "form"),
    [
        ("", "application/json"),
        ("  ", "application/json"),
        ("*/*", "application/json"),
        ("application/*", "application/json"),
        ("text/*", "text/html"),
        ("TEXT/HTML", "text/html"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
        ("application/pdf;q=0.5, text/html;q=0.4", "application/pdf"),
        ("application/json;q=0, */*", "text/html"),  # the most specific range decides JSON's q
        ("application/json;q=0, text/html;q=0, */*;q=0.1", "application/pdf"),
        ("image/png, application/pdf;q=0.2", "application/pdf"),
        ("text/html;q=abc, application/json;q=0.3", "application/json"),  # an unreadable q is 0
        ("text/html;q=1.5, application/json;q=0.3", "application/json"),  # so is one outside 0 - 1
    ],
)
def test_accept_chooses_the_form_by_specificity_and_q(accept: str, form: str) -> None:
    assert _form(accept) == form


@pytest.mark.parametrize("accept", ["text/plain", "image/png, text/csv", "application/json;q=0", "*/*;q=0"])
def test_accept_naming_none_of_the_forms_is_not_acceptable(accept: str) -> None:
    with pytest.raises(ServiceError) as raised:
        _form(accept)
    assert (raised.value.code, raised.value.field) == ("not_acceptable", "Accept")


@pytest.mark.parametrize("path", ["", "/bill"])
def test_a_receipt_in_a_form_not_served_is_406_naming_the_forms(tmp_path: Path, path: str) -> None:
    with served_app(tmp_path) as s:
        first = _settle(s)[0]["setl_id"]
        reply = _get(s, f"/v1/receipts/{first}{path}", "text/plain")
        assert reply.status_code == 406
        assert reply.headers["content-type"].startswith("application/json")
        error = decode(reply.content)["error"]
        assert (error["code"], error["field"], error["retryable"]) == ("not_acceptable", "Accept", False)
        assert "application/json, text/html, application/pdf" in error["detail"]
        assert "application/pdf" in error["message"]


def test_a_pdf_without_chromium_is_a_503_saying_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPSP_CHROMIUM", str(tmp_path / "no-such-chromium"))
    with served_app(tmp_path) as s:
        first = _settle(s)[0]["setl_id"]
        reply = _get(s, f"/v1/receipts/{first}", "application/pdf")
        assert reply.status_code == 503
        error = decode(reply.content)["error"]
        assert error["code"] == "pdf_unavailable"
        assert "Chromium" in error["message"]
        assert "Chromium" in error["detail"]


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium (.ci/run installs it)")
def test_a_receipt_and_a_bill_as_pdf_printed_by_chromium(tmp_path: Path) -> None:
    with served_app(tmp_path) as s:
        first = _settle(s)[0]["setl_id"]
        for path in (f"/v1/receipts/{first}", f"/v1/receipts/{first}/bill"):
            reply = _get(s, path, "application/pdf")
            assert reply.status_code == 200, reply.text
            assert reply.headers["content-type"] == "application/pdf"
            assert reply.content.startswith(b"%PDF")


def test_a_pdf_name_from_any_visit_number_makes_a_valid_header() -> None:
    # ipt_otp_no is free text: Chinese or a quote must not break the header (it is sent as latin-1).
    header = _inline('门诊"2026-1-bill.pdf')
    header.encode("latin-1")  # raises if the header could not be sent
    assert header == (
        "inline; filename=\"___2026-1-bill.pdf\"; filename*=UTF-8''%E9%97%A8%E8%AF%8A%222026-1-bill.pdf"
    )


def test_at_most_two_pdfs_are_printed_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Six desks ask for a PDF at the same moment: Chromium runs for two at a time, the others wait their turn.
    running: list[int] = []
    peak: list[int] = []
    guard = threading.Lock()

    def printer(html: str, target: Path) -> Path:
        with guard:
            running.append(1)
            peak.append(len(running))
        time.sleep(0.05)
        with guard:
            running.pop()
        target.write_bytes(b"%PDF-1.4 stand-in for Chromium")
        return target

    monkeypatch.setattr("adapter.service._app.html_to_pdf", printer)
    with served_app(tmp_path) as s:
        first = _settle(s)[0]["setl_id"]
        with ThreadPoolExecutor(max_workers=6) as pool:
            replies = list(pool.map(lambda _: _get(s, f"/v1/receipts/{first}", "application/pdf"), range(6)))
    assert [reply.status_code for reply in replies] == [200] * 6
    assert len(peak) == 6
    assert max(peak) <= 2  # without the limit all six overlap
