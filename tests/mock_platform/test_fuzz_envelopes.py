"""Fuzzed envelopes and bodies against the in-process mock (issue #10): always an envelope, never a 500.

Hypothesis builds signed requests whose envelope fields, input nodes and raw bytes are arbitrary; whatever
arrives, the answer is HTTP 200 with a well-formed envelope (infcode -1 unless the call was valid), an
err_msg of at most 200 characters that is never 医保平台内部错误 for a client's malformed input, and exactly
one new row in the traffic journal. Seeded (derandomize) so a failure reproduces.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.mock_platform.helpers import NOW, SINGLE_URL, envelope, tif_headers

INFNOS = [
    "1101",
    "2001",
    "2201",
    "2202",
    "2203",
    "2204",
    "2205",
    "2206",
    "2207",
    "2208",
    "2601",
    "5201",
    "5203",
    "5204",
    "5206",
    "5301",
    "9001",
    "9002",
    "x" * 11,
    "",
]

# Replaced by a 4,400-digit integer in the bytes (hypothesis cannot print such an int).
HUGE = "__huge_integer__"
numbers = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-(10**20), max_value=10**20),
    st.sampled_from([Decimal("1E+1000"), Decimal("-1E-1000"), HUGE]),
)
texts = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "\u3000", "null", "２０２６-11-22 10:00:00", "2026-11-22 10:00:00", "\ud800"]),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, texts)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = [
    "psn_no",
    "mdtrt_id",
    "chrg_bchno",
    "setl_id",
    "mdtrt_cert_type",
    "mdtrt_cert_no",
    "insutype",
    "det_item_fee_sumamt",
    "medfee_sumamt",
    "begntime",
    "feedetl_sn",
    "omsgid",
    "oinfno",
    "opter_no",
]
data_nodes = st.dictionaries(st.sampled_from(FIELDS), scalars, max_size=6)
inputs = st.one_of(
    st.fixed_dictionaries({"data": data_nodes}),
    st.fixed_dictionaries({"feedetail": st.lists(data_nodes, max_size=3)}),
    st.fixed_dictionaries({"signIn": data_nodes}),
    json_values,
)
ENVELOPE_FIELDS = [
    *("infno", "msgid", "mdtrtarea_admvs", "insuplc_admdvs", "recer_sys_code", "infver", "opter_type"),
    *("opter", "opter_name", "inf_time", "fixmedins_code", "fixmedins_name", "sign_no"),
]


def _marker(value: Any) -> str:
    if isinstance(value, Decimal):
        return f"__decimal__{value}__"
    raise TypeError(type(value).__name__)


def encode(payload: Any) -> bytes:
    """JSON bytes (ASCII escapes, so a lone surrogate travels as \\ud800), Decimals with their digits."""
    text = json.dumps(payload, default=_marker)
    text = re.sub(r'"__decimal__(-?[0-9.E+-]+)__"', r"\1", text)
    return text.replace(f'"{HUGE}"', "9" * 4400).encode()


@st.composite
def payloads(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["envelope", "envelope", "envelope", "json", "bytes"]))
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    if kind == "json":
        return encode(draw(json_values))
    input_: Any = draw(inputs)
    payload: dict[str, Any] = envelope(draw(st.sampled_from(INFNOS)), input_)
    for name in draw(st.lists(st.sampled_from(ENVELOPE_FIELDS), max_size=3, unique=True)):
        if draw(st.booleans()):
            payload[name] = draw(scalars)
        else:
            del payload[name]
    return encode(payload)


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(raw=payloads(), per_infno_path=st.booleans())
def test_always_an_envelope_never_a_500(client: httpx.Client, raw: bytes, per_infno_path: bool) -> None:
    # One platform for every example (a fresh one per example costs ~0.25 s): state accumulates, as it
    # does on a real platform under a careless client.
    before = _last_journal_id(client)
    path = "/fsi/api/2201" if per_infno_path else SINGLE_URL
    response = client.post(path, content=raw, headers=tif_headers(NOW))
    assert response.status_code == 200
    answer = response.json()
    assert set(answer) >= {"infcode", "inf_refmsgid", "refmsg_time", "respond_time", "err_msg", "output"}
    assert answer["infcode"] in (0, -1)
    assert len(answer["err_msg"]) <= 200
    assert "医保平台内部错误" not in answer["err_msg"]
    entries = client.get("/_mock/journal", params={"limit": "1"}).json()["entries"]
    assert entries[0]["id"] == before + 1
    assert entries[0]["outcome"] in ("success", "error")


def _last_journal_id(client: httpx.Client) -> int:
    entries = client.get("/_mock/journal", params={"limit": "1"}).json()["entries"]
    return int(entries[0]["id"]) if entries else 0
