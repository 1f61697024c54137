"""Log events carry infno, msgid, duration and outcome — and never personal data (STYLE.md §6)."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import httpx
import pytest
from structlog.testing import capture_logs

from adapter import BusinessRuleError, redact_personal_data
from adapter.transactions import t1101

from .fakes import ScriptedPlatform, make_client, refusing

SECRETS = [
    "640104196203152010",  # certno
    "马建国",  # psn_name
    "A64010001",  # card number
    "64010000000000000000000000000001",  # card_sn
    "ec-demo-p1",  # e-voucher token
    "opsp-demo-token",  # gateway token
    "sk-demo-secret",  # CSB secret
    "银川示范单位",  # employer
]


def _lookups(gateway: dict[str, str]) -> list[MutableMapping[str, Any]]:
    platform = ScriptedPlatform()
    client, _ = make_client(platform, gateway=gateway)
    queries = [
        t1101.PersonQuery(mdtrt_cert_type="02", mdtrt_cert_no="640104196203152010", psn_name="马建国"),
        t1101.PersonQuery(
            mdtrt_cert_type="03", mdtrt_cert_no="A64010001", card_sn="64010000000000000000000000000001"
        ),
        t1101.PersonQuery(mdtrt_cert_type="01", mdtrt_cert_no="ec-demo-p1"),
    ]
    with capture_logs() as events:
        for query in queries:
            client.call(t1101.TRANSACTION, t1101.Input(data=query))
        platform.queue("1101", refusing("人员 马建国 640104196203152010 不存在"))
        with pytest.raises(BusinessRuleError):
            client.call(t1101.TRANSACTION, t1101.Input(data=queries[0]))
        platform.queue("1101", lambda request: httpx.Response(502, content=b"bad gateway"))
        client.call(t1101.TRANSACTION, t1101.Input(data=queries[0]))
    return events


@pytest.mark.parametrize(
    "gateway",
    [
        {"scheme": "tif", "tif_paasid": "opsp-demo", "tif_token": "opsp-demo-token"},
        {"scheme": "csb", "csb_access_key": "ak-demo", "csb_secret_key": "sk-demo-secret"},
    ],
)
def test_no_personal_data_or_secret_in_any_event(gateway: dict[str, str]) -> None:
    events = _lookups(gateway)
    text = repr(events)
    for secret in SECRETS:
        assert secret not in text
    calls = [event for event in events if event["event"] == "platform.call"]
    assert [call["outcome"] for call in calls] == ["ok", "ok", "ok", "ok", "BusinessRuleError", "ok"]
    assert all({"infno", "msgid", "duration_ms", "log_level"} <= set(call) for call in calls)
    assert any(event["event"] == "platform.retry" for event in events)


def test_redaction_processor_for_hosts() -> None:
    event = {
        "event": "visit",
        "psn_name": "马建国",
        "detail": {"certno": "640104196203152010", "amount": "12.30"},
        "note": "card of 64010419660412116X used",
        "psn_no": "64010000000000000001",
        "rows": [{"card_sn": "64010000000000000000000000000001"}],
    }
    redacted = redact_personal_data(None, "info", event)
    assert redacted == {
        "event": "visit",
        "psn_name": "***",
        "detail": {"certno": "***", "amount": "12.30"},
        "note": "card of *** used",
        "psn_no": "64010000000000000001",  # a platform id, not personal data by itself
        "rows": [{"card_sn": "***"}],
    }
