"""Answers that cannot be read, after the platform did the work (issue #10 item 4).

A 2207 answer nested too deeply for the JSON parser used to escape as ``RecursionError``
with the settlement made on the platform and the journal stuck at ``settling``. It is an
answer we cannot read: an unknown outcome, reversed with 冲正 2601 like any other.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import httpx
import pytest

from adapter import Adapter, Card, InputError, PlatformClient, fixed_clock, load_settings
from adapter._embedded import demo_settings_path
from adapter.execution import BatchState, SqliteJournal
from adapter.planning import parse_visit
from adapter.transactions import t1101
from mock_platform import MockPlatform

from .helpers import NOW, bill, mock_config

P1_PSN, P1_CERT, P1_PLACE = "64010000000000000001", "640104196203152010", "640100"
DEEP = b'{"infcode":0,"output":' + b"[" * 100_000 + b"]" * 100_000 + b"}"


class Mangling(httpx.BaseTransport):
    """The mock, with the answer to one infno replaced after the mock has processed it."""

    def __init__(self, inner: httpx.BaseTransport, infno: str, body: bytes) -> None:
        self.inner, self.infno, self.body = inner, infno, body

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if f'"infno":"{self.infno}"'.encode() in request.content:
            response.read()
            return httpx.Response(200, content=self.body, headers={"Content-Type": "application/json"})
        return response


@contextmanager
def mangled(infno: str, body: bytes) -> Iterator[tuple[MockPlatform, Adapter, SqliteJournal]]:
    clock = fixed_clock(NOW)
    with MockPlatform(clock=clock, config=mock_config(), sleep=lambda _s: None) as platform:
        transport = Mangling(platform.transport(), infno, body)
        settings = load_settings(demo_settings_path())
        with PlatformClient(settings, transport=transport, clock=clock, sleep=lambda _s: None) as client:
            journal = SqliteJournal(":memory:")
            yield platform, Adapter(client, clock=clock, journal=journal), journal


@pytest.mark.parametrize(
    "body",
    [
        DEEP,
        b'{"infcode":0,"output":{"setlinfo":' + b'{"a":' * 50_000 + b"1" + b"}" * 50_000 + b"}}",
        b'{"infcode":0,"output":{"setlinfo":' + b'{"a":' * 900 + b"1" + b"}" * 900 + b"}}",
        b"\xff\xfe not utf-8",
    ],
    ids=["deep-array", "deep-object", "deep-but-parseable", "not-utf8"],
)
def test_an_unreadable_2207_answer_after_the_platform_settled_is_reversed(body: bytes) -> None:
    with mangled("2207", body) as (platform, adapter, journal):
        result = adapter.settle(bill("MZ1", [("Y001", "0.40", "60")]))
        (batch,) = result.batches
        assert batch.status == "unsettled", batch.message
        record = journal.batch(batch.journal_batch_id)
        assert record.state == BatchState.UNSETTLED
        infnos = [call.infno for call in journal.calls(record.id)]
        assert infnos == ["2201", "2203", "2204", "2207", "2601", "2205", "2202"]
        assert journal.open_calls() == []
        # The platform agrees: the settlement it made was reversed, the account is untouched.
        # (P1's account: 1000.00; Y001 0.40 × 60 = 24.00 would have come from it.)
        query = t1101.PersonQuery(mdtrt_cert_type="02", mdtrt_cert_no=P1_CERT)
        balance = adapter.client.call(t1101.TRANSACTION, t1101.Input(data=query)).output.insuinfo[0].balc
        assert balance == Decimal("1000.00")
        assert platform is not None


def test_a_lone_surrogate_never_reaches_the_wire_as_unicode_error() -> None:
    with mangled("none", b"") as (_platform, adapter, _journal):
        document = bill("MZ1", [("Y001", "0.40", "60")])
        document["visit"]["dr_name"] = "医生\ud800"
        with pytest.raises(InputError, match=r"visit\.dr_name: .*surrogate"):
            adapter.plan(document)
        with pytest.raises(InputError, match=r"surrogate"):
            adapter.check_eligibility(Card("02", "6401\udc00"))
        assert parse_visit(bill("MZ1", [("Y001", "0.40", "60")])).visit.dr_name == "医生甲"
