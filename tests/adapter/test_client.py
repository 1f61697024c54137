"""The client: one msgid per logical call, sign-in caching, retries only where safe (STYLE.md §4)."""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest

from adapter import (
    AuthenticationError,
    BusinessRuleError,
    ClientClosedError,
    ConnectError,
    OutcomeUnknownError,
    PlatformTimeoutError,
    PlatformUnavailableError,
    ProtocolError,
    SignInRejectedError,
    TransportError,
)
from adapter.transactions import InputModel, OutputModel, Transaction, t1101, t5301

from .fakes import MOMENT, ScriptedPlatform, answering, envelope, failing_with, make_client, refusing

BY_ID_CARD = t1101.Input(data=t1101.PersonQuery(mdtrt_cert_type="02", mdtrt_cert_no="640104196203152010"))


class _Data(InputModel):
    psn_no: str


class _Write(InputModel):
    data: _Data


class _SetlInfo(OutputModel):
    setl_id: str


class _Settled(OutputModel):
    setlinfo: _SetlInfo


# A state-changing transaction for tests; settlement (2207) behaves like this.
WRITE = Transaction(
    infno="2207", title="门诊结算", input_model=_Write, output_model=_Settled, changes_state=True
)
WRITE_INPUT = _Write(data=_Data(psn_no="64010000000000000001"))


def test_query_returns_typed_output_with_exact_amounts() -> None:
    platform = ScriptedPlatform()
    client, _ = make_client(platform)
    reply = client.call(t1101.TRANSACTION, BY_ID_CARD)
    assert reply.output.baseinfo.psn_no == "64010000000000000001"
    assert reply.output.insuinfo[0].balc == Decimal("1000.00")
    assert reply.output.insuinfo[0].insuplc_admdvs == "640100"
    # The msgid is made when the logical call starts, before the sign-in it triggers.
    assert reply.msgid == "H42010200001202611220930000001"
    assert platform.requests[0]["msgid"] == "H42010200001202611220930000002"
    assert platform.infnos() == ["9001", "1101"]


def test_sign_in_once_per_operator_per_day() -> None:
    platform = ScriptedPlatform()
    now = [MOMENT]
    client, _ = make_client(platform, clock=lambda: now[0])
    client.call(t1101.TRANSACTION, BY_ID_CARD)
    client.call(t1101.TRANSACTION, BY_ID_CARD)
    assert platform.infnos() == ["9001", "1101", "1101"]
    assert [r["sign_no"] for r in platform.requests[1:]] == ["SIGN0001", "SIGN0001"]
    now[0] = MOMENT + timedelta(days=1)
    client.call(t1101.TRANSACTION, BY_ID_CARD)
    assert platform.infnos()[-2:] == ["9001", "1101"]
    assert platform.requests[-1]["sign_no"] == "SIGN0002"


def test_refused_sign_no_signs_in_again_and_resends_the_same_msgid() -> None:
    platform = ScriptedPlatform()
    client, _ = make_client(platform)
    client.sign_no()
    platform.queue("2207", refusing("签到编号无效或已过期，请重新签到"))
    client.call(WRITE, WRITE_INPUT, msgid="H42010200001202611220930009999")
    writes = [r for r in platform.requests if r["infno"] == "2207"]
    assert [w["msgid"] for w in writes] == ["H42010200001202611220930009999"] * 2
    assert [w["sign_no"] for w in writes] == ["SIGN0001", "SIGN0002"]


def test_a_second_sign_no_refusal_is_raised() -> None:
    platform = ScriptedPlatform()
    client, _ = make_client(platform)
    platform.queue("1101", refusing("签到编号无效"), refusing("签到编号无效"))
    with pytest.raises(SignInRejectedError) as caught:
        client.call(t1101.TRANSACTION, BY_ID_CARD)
    assert isinstance(caught.value, AuthenticationError)


def test_query_retries_reuse_the_msgid_and_body_with_backoff() -> None:
    platform = ScriptedPlatform()
    client, sleeps = make_client(platform)
    platform.queue(
        "1101",
        answering(502, b"<html>Bad Gateway</html>"),
        failing_with(httpx.ReadTimeout),
    )
    reply = client.call(t1101.TRANSACTION, BY_ID_CARD)
    attempts = [raw for raw in platform.raw if b'"1101"' in raw.content]
    assert len(attempts) == 3
    assert len({raw.content for raw in attempts}) == 1  # same msgid, same body
    assert reply.msgid in attempts[0].content.decode()
    assert len(sleeps) == 2
    assert all(0 < pause <= 5 for pause in sleeps)


def test_the_time_budget_counts_from_the_first_attempt() -> None:
    # max_seconds is the whole call's budget: a first attempt that used it up is not retried,
    # although attempts remain (the first attempt runs before tenacity is involved).
    platform = ScriptedPlatform()
    client, sleeps = make_client(platform, retry={"max_attempts": 5, "max_seconds": 0.05})

    def slow_then_down(request: httpx.Request) -> httpx.Response:
        time.sleep(0.08)
        return httpx.Response(503, content=b"down")

    platform.queue("1101", slow_then_down, answering(200, b"unused"))
    with pytest.raises(PlatformUnavailableError):
        client.call(t1101.TRANSACTION, BY_ID_CARD)
    assert len([raw for raw in platform.raw if b'"1101"' in raw.content]) == 1
    assert sleeps == []


def test_query_gives_up_after_the_attempt_budget() -> None:
    platform = ScriptedPlatform()
    client, sleeps = make_client(platform)
    platform.queue("1101", *[answering(503, b"down")] * 3)
    with pytest.raises(PlatformUnavailableError) as caught:
        client.call(t1101.TRANSACTION, BY_ID_CARD)
    assert caught.value.infcode == 503
    assert len(sleeps) == 2


@pytest.mark.parametrize(
    ("reaction", "cause"),
    [
        (failing_with(httpx.ReadTimeout), PlatformTimeoutError),
        (failing_with(httpx.RemoteProtocolError), ProtocolError),
        (answering(500, b"Internal Server Error"), PlatformUnavailableError),
        (answering(200, b"<html>maintenance</html>"), ProtocolError),
        (refusing("系统停机维护中，请稍后再试"), PlatformUnavailableError),
        (answering(200, envelope({"setlinfo": "not an object"})), ProtocolError),
    ],
)
def test_state_changing_call_with_ambiguous_end_is_outcome_unknown_and_not_retried(
    reaction: object, cause: type[Exception]
) -> None:
    platform = ScriptedPlatform()
    client, sleeps = make_client(platform)
    platform.queue("2207", reaction)  # type: ignore[arg-type]
    with pytest.raises(OutcomeUnknownError) as caught:
        client.call(WRITE, WRITE_INPUT, msgid="H42010200001202611220930004321")
    error = caught.value
    assert error.msgid == "H42010200001202611220930004321"
    assert error.infno == "2207"
    assert isinstance(error.cause, cause)
    assert not isinstance(error, TransportError)  # retry loops must never catch it
    assert platform.infnos().count("2207") == 1
    assert sleeps == []


def test_unreadable_success_output_is_not_retried_even_for_queries() -> None:
    platform = ScriptedPlatform()
    client, _ = make_client(platform)
    platform.queue("5301", answering(200, envelope({"feedetail": [{"opsp_dise_code": "M01600"}]})))
    with pytest.raises(ProtocolError, match=r"feedetail\.0\.opsp_dise_name") as caught:
        client.call(t5301.TRANSACTION, t5301.Input(data=t5301.PersonRef(psn_no="1")))
    assert caught.value.platform_succeeded
    assert platform.infnos().count("5301") == 1


def test_state_changing_call_is_retried_when_nothing_was_sent() -> None:
    platform = ScriptedPlatform()
    client, sleeps = make_client(platform)
    client.sign_no()
    platform.queue("2207", failing_with(httpx.ConnectError))
    client.call(WRITE, WRITE_INPUT)
    assert platform.infnos().count("2207") == 2
    assert len(sleeps) == 1


def test_connection_never_made_is_a_connect_error_after_the_budget() -> None:
    platform = ScriptedPlatform()
    client, _ = make_client(platform)
    client.sign_no()
    platform.queue("2207", *[failing_with(httpx.ConnectError)] * 3)
    with pytest.raises(ConnectError):
        client.call(WRITE, WRITE_INPUT)


def test_business_refusal_keeps_the_platform_words_and_is_not_retried() -> None:
    platform = ScriptedPlatform()
    client, sleeps = make_client(platform)
    client.sign_no()
    platform.queue("2207", refusing("个人账户余额不足"))
    with pytest.raises(BusinessRuleError) as caught:
        client.call(WRITE, WRITE_INPUT, msgid="H42010200001202611220930000077")
    assert caught.value.err_msg == "个人账户余额不足"
    assert str(caught.value) == "[2207 H42010200001202611220930000077] 个人账户余额不足"
    assert sleeps == []


def test_gateway_refusal_is_an_authentication_error() -> None:
    platform = ScriptedPlatform()
    client, sleeps = make_client(platform)
    platform.queue("9001", answering(401, '{"code":401,"message":"签名不一致!"}'.encode()))
    with pytest.raises(AuthenticationError) as caught:
        client.call(t1101.TRANSACTION, BY_ID_CARD)
    assert caught.value.err_msg == "签名不一致!"
    assert caught.value.infcode == 401
    assert sleeps == []


def test_endpoint_template_puts_the_infno_in_the_url() -> None:
    platform = ScriptedPlatform()
    client, _ = make_client(platform, endpoint="https://hsa.test/fsi/api/{infno}")
    client.call(t1101.TRANSACTION, BY_ID_CARD)
    assert [str(raw.url) for raw in platform.raw] == [
        "https://hsa.test/fsi/api/9001",
        "https://hsa.test/fsi/api/1101",
    ]


def test_gateway_headers_are_sent() -> None:
    platform = ScriptedPlatform()
    client, _ = make_client(platform, gateway={"scheme": "tif", "tif_paasid": "opsp-demo", "tif_token": "t"})
    client.call(t1101.TRANSACTION, BY_ID_CARD)
    headers = platform.raw[-1].headers
    assert headers["x-tif-paasid"] == "opsp-demo"
    assert headers["x-tif-timestamp"] == "1795311000"
    assert len(headers["x-tif-signature"]) == 64
    assert headers["content-type"] == "application/json;charset=utf-8"


def test_payload_must_match_the_transaction() -> None:
    client, _ = make_client(ScriptedPlatform())
    with pytest.raises(TypeError, match="1101 expects Input"):
        client.call(t1101.TRANSACTION, WRITE_INPUT)


def test_sign_out_forgets_the_sign_no() -> None:
    platform = ScriptedPlatform()
    client, _ = make_client(platform)
    client.sign_no()
    client.sign_out()
    assert platform.requests[-1]["input"] == {"signOut": {"sign_no": "SIGN0001", "opter_no": "0001"}}
    client.call(t1101.TRANSACTION, BY_ID_CARD)
    assert platform.infnos() == ["9001", "9002", "9001", "1101"]


def test_an_adapter_over_a_closed_client_refuses_before_the_journal_records_anything() -> None:
    # Before: httpx's RuntimeError escaped settle() after the journal had started the batch and the
    # 2201 intent, leaving the person in flight (the next settlement asked for recover) for a call
    # that was never sent.
    from tests.execution.helpers import bill, world

    visit = bill("MZ-C1", [("Y007", "16.00", "10")])
    with world() as w:
        planned = w.adapter.plan(visit)
        w.client.close()
        assert w.client.is_closed
        for operation in (lambda: w.adapter.settle(planned), w.adapter.recover, w.adapter.upload_outbox):
            with pytest.raises(
                ClientClosedError, match=r"^the Adapter's PlatformClient is closed: nothing was"
            ):
                operation()
        with pytest.raises(ClientClosedError, match=r"^\[1101\] the PlatformClient is closed: nothing was"):
            w.adapter.plan(visit)
        assert w.journal.unfinished_batches() == []
        assert w.journal.batches_of_visit("H42010200001:MZ-C1") == []
