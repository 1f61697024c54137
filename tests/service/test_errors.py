"""Errors as JSON: stable code, a cashier's Chinese message, the field, may-retry, and a matching status."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapter import decode
from adapter.service import CODES

from .helpers import p1, served_app


def _error(reply: object) -> dict[str, object]:
    body: dict[str, dict[str, object]] = decode(reply.content)  # type: ignore[attr-defined]
    return body["error"]


def test_no_token_or_an_unknown_one_is_refused(tmp_path: Path) -> None:
    with served_app(tmp_path) as s:
        reply = s.http.post("/v1/plan", json={})
        assert reply.status_code == 401
        assert _error(reply)["code"] == "unauthorized"
        assert s.post("/v1/plan", p1(), token="not-a-desk-token-at-all").status_code == 401
        assert s.http.get("/v1/health").status_code == 200  # the only route without a token


def test_a_bad_item_names_its_field(tmp_path: Path) -> None:
    visit = p1()
    visit["items"][2]["pric"] = "-45.00"
    with served_app(tmp_path) as s:
        reply = s.post("/v1/settlements", visit, key="HIS-BILL-BAD")
        assert reply.status_code == 422
        error = _error(reply)
        assert (error["code"], error["field"], error["retryable"]) == (
            "input_invalid",
            "items[2].pric",
            False,
        )
        assert error["message"] == "请求内容有误，请按提示的字段修改后重新提交"
        assert "must not be negative" in str(error["detail"])
        assert "640104196203152010" not in reply.text  # input values are never echoed


def test_a_float_looking_number_is_read_exactly(tmp_path: Path) -> None:
    # 0.40 as a JSON number is Decimal("0.40") through the codec, exactly as the string "0.40".
    text = (
        Path("examples/visits/P1.json").read_text(encoding="utf-8").replace('"pric": "0.40"', '"pric": 0.40')
    )
    with served_app(tmp_path) as s:
        headers = {"Authorization": "Bearer desk-1-token-for-tests"}
        untyped = s.http.post("/v1/plan", content=text.encode(), headers=headers)
        assert untyped.status_code == 422
        assert "Content-Type: application/json" in str(_error(untyped)["detail"])
        reply = s.http.post(
            "/v1/plan", content=text.encode(), headers={**headers, "Content-Type": "application/json"}
        )
        assert reply.status_code == 200, reply.text
        assert decode(reply.content)["batches"][0]["lines"][0]["det_item_fee_sumamt"] == decode(b"24.00")


def test_settling_needs_an_idempotency_key(tmp_path: Path) -> None:
    with served_app(tmp_path) as s:
        reply = s.post("/v1/settlements", p1())
        assert reply.status_code == 400
        assert (_error(reply)["code"], _error(reply)["field"]) == (
            "idempotency_key_required",
            "Idempotency-Key",
        )


def test_unknown_settlement_is_404_and_a_changed_chain_409(tmp_path: Path) -> None:
    with served_app(tmp_path) as s:
        reply = s.post("/v1/refunds/plan", {"setl_id": "S-NOT-THERE"})
        assert (reply.status_code, _error(reply)["code"], _error(reply)["field"]) == (
            404,
            "settlement_not_found",
            "setl_id",
        )
        settled = decode(s.post("/v1/settlements", p1(), key="HIS-BILL-0001").content)
        first = settled["result"]["batches"][0]["receipt"]["setl_id"]
        # The cashier was shown a one-step chain, but refunding the first settlement takes five steps.
        changed = s.post("/v1/refunds", {"setl_id": first, "expect_steps": 1}, key="HIS-REFUND-1")
        assert (changed.status_code, _error(changed)["code"]) == (409, "refund_chain_changed")
        assert decode(s.get("/v1/settlements", day="2026-11-22").content)["settlements"][0]["active"] is True


def test_platform_down_is_503_retryable_and_the_key_stays_free(tmp_path: Path) -> None:
    with served_app(tmp_path) as s:
        s.mock.faults.add("1101", "maintenance", times=10)
        reply = s.post("/v1/settlements", p1(), key="HIS-BILL-0001")
        assert reply.status_code == 503, reply.text
        error = _error(reply)
        assert (error["code"], error["retryable"]) == ("platform_down", True)
        assert reply.headers["Retry-After"] == "60"
        assert "停机" in str(error["platform_message"]) or "维护" in str(error["platform_message"])
        s.mock.faults.clear()
        again = s.post("/v1/settlements", p1(), key="HIS-BILL-0001")  # nothing was stored for the key
        assert again.status_code == 200, again.text
        assert "Idempotent-Replayed" not in again.headers


def test_a_request_after_the_client_closed_is_503_service_stopping_and_writes_nothing(tmp_path: Path) -> None:
    # Before: 502 platform_bad_answer ("医保平台应答异常"), though nothing was sent to the platform.
    with served_app(tmp_path) as s:
        s.service.adapter.client.close()  # what the process does as it stops
        for _ in range(2):  # the key is released each time: never "in progress"
            reply = s.post("/v1/settlements", p1(), key="HIS-BILL-0001")
            assert reply.status_code == 503, reply.text
            error = _error(reply)
            assert (error["code"], error["retryable"]) == ("service_stopping", True)
            assert error["message"] == "医保接口服务正在停止，未发送任何交易，请稍后重新提交"
            assert reply.headers["Retry-After"] == "5"
        assert _error(s.post("/v1/recover", {}))["code"] == "service_stopping"
        assert s.journal.batches_of_visit("H42010200001:MZ20261122001") == []
        assert s.journal.unfinished_batches() == []


@pytest.mark.parametrize(("path", "method"), [("/v1/nowhere", "GET"), ("/v1/plan", "GET")])
def test_unknown_routes_and_methods_answer_json(tmp_path: Path, path: str, method: str) -> None:
    with served_app(tmp_path) as s:
        reply = s.http.request(method, path)
        assert reply.status_code in (404, 405)
        assert _error(reply)["code"] in ("not_found", "method_not_allowed")


def test_every_code_has_a_chinese_message_and_a_matching_status() -> None:
    for code, row in CODES.items():
        assert any("\u4e00" <= ch <= "\u9fff" for ch in row.message), code
        assert 400 <= row.status < 600, code
        if row.status == 409 or row.status < 500:
            assert code in ("in_progress", "recovery_needed", "person_busy") or not row.retryable, code
