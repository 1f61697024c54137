"""Envelopes, byte for byte (PROTOCOL.md §1.2, §1.4), and tolerant reading of answers."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapter import CHINA_TZ
from adapter._codec import encode
from adapter._envelope import (
    GatewayRefusal,
    RequestEnvelope,
    ResponseEnvelope,
    UnreadableAnswer,
    _wire_time,
    read_answer,
)
from adapter.transactions import t1101, t5301

from .fakes import ScriptedPlatform, make_client

GOLDEN_1101_REQUEST = (
    '{"infno":"1101","msgid":"H42010200001202611220930000001","mdtrtarea_admvs":"420100",'
    '"insuplc_admdvs":"","recer_sys_code":"HIS","dev_no":"","dev_safe_info":"","cainfo":"",'
    '"signtype":"","infver":"V1.0","opter_type":"1","opter":"0001","opter_name":"收费员甲",'
    '"inf_time":"2026-11-22 09:30:00","fixmedins_code":"H42010200001","fixmedins_name":"武汉市示范医院",'
    '"sign_no":"SIGN0001","input":{"data":{"mdtrt_cert_type":"02","mdtrt_cert_no":"640104196203152010",'
    '"card_sn":"","begntime":"","psn_cert_type":"","certno":"","psn_name":""}}}'
).encode()

GOLDEN_1101_RESPONSE = (
    '{"infcode":"0","inf_refmsgid":"640100202611220930000000000001","refmsg_time":"20261122093000000",'
    '"respond_time":"20261122093000050","err_msg":null,"warn_msg":"","output":{"baseinfo":{'
    '"psn_no":"64010000000000000001","psn_cert_type":"01","certno":"640104196203152010",'
    '"psn_name":"马建国","gend":"1","naty":"01","brdy":"1962-03-15","age":64.6,"expContent":null},'
    '"insuinfo":{"balc":1000.00,"insutype":310,"psn_type":"21","psn_insu_stas":"1",'
    '"psn_insu_date":"2000-01-01","paus_insu_date":"","cvlserv_flag":"0","insu_admdvs":"640100",'
    '"emp_name":""},"idetinfo":null},"cainfo":"","signtype":"SM2"}'
).encode()


def test_golden_1101_request_bytes() -> None:
    platform = ScriptedPlatform()
    client, _ = make_client(platform)
    client.call(
        t1101.TRANSACTION,
        t1101.Input(data=t1101.PersonQuery(mdtrt_cert_type="02", mdtrt_cert_no="640104196203152010")),
    )
    assert platform.raw[-1].content == GOLDEN_1101_REQUEST


def test_golden_1101_response_reads_every_variant() -> None:
    answer = read_answer(GOLDEN_1101_RESPONSE)
    assert isinstance(answer, ResponseEnvelope)
    assert answer.infcode == 0  # sent as the string "0"
    assert answer.err_msg == ""  # sent as null
    output = t1101.TRANSACTION.parse_output(answer.output)
    insurance = output.insuinfo[0]  # sent as one object, not an array
    assert insurance.balc == Decimal("1000.00")
    assert insurance.insutype == "310"  # sent as a number
    assert insurance.insuplc_admdvs == "640100"  # HN's insu_admdvs spelling
    assert insurance.paus_insu_date is None  # sent as ""
    assert output.idetinfo == ()
    assert output.baseinfo.age == Decimal("64.6")


def test_extra_envelope_fields_follow_the_spec_fields() -> None:
    platform = ScriptedPlatform()
    client, _ = make_client(
        platform, extra_envelope_fields={"fixmedins_soft_fcty": "示范软件", "infno": "evil"}
    )
    client.call(t5301.TRANSACTION, t5301.Input(data=t5301.PersonRef(psn_no="1")))
    sent = platform.requests[-1]
    assert list(sent)[-1] == "fixmedins_soft_fcty"
    assert sent["infno"] == "5301"  # an extra never overrides a spec field


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            b'{"code":401,"message":"\xe7\xad\xbe\xe5\x90\x8d\xe4\xb8\x8d\xe4\xb8\x80\xe8\x87\xb4!"}',
            GatewayRefusal(401, "签名不一致!"),
        ),
        (b"<html>502</html>", UnreadableAnswer("the answer is not JSON")),
        (b"[1,2]", UnreadableAnswer("the answer is not a JSON object")),
        (b'{"output":{}}', UnreadableAnswer("the answer has no infcode")),
        (b'{"infcode":"x"}', UnreadableAnswer("the envelope is malformed (infcode)")),
    ],
)
def test_answers_that_are_not_envelopes(body: bytes, expected: object) -> None:
    assert read_answer(body) == expected


def test_any_nonzero_infcode_is_failure() -> None:
    answer = read_answer(b'{"infcode":-99,"err_msg":"x"}')
    assert isinstance(answer, ResponseEnvelope)
    assert not answer.succeeded


# The envelope's bytes come from its fixed fields' text made once per client, with only the call's own
# fields encoded per call: the same bytes as encoding the whole envelope, whatever the fields hold.
_FIELD_TEXT = st.text() | st.sampled_from(["", '"', "\\", "\x00", "\u2028", "收费员甲", "\udb80input\udb80"])
_SETTINGS = st.builds(
    RequestEnvelope,
    mdtrtarea_admvs=_FIELD_TEXT,
    recer_sys_code=_FIELD_TEXT,
    infver=_FIELD_TEXT,
    opter_type=_FIELD_TEXT,
    opter=_FIELD_TEXT,
    opter_name=_FIELD_TEXT,
    fixmedins_code=_FIELD_TEXT,
    fixmedins_name=_FIELD_TEXT,
    dev_no=_FIELD_TEXT,
    dev_safe_info=_FIELD_TEXT,
    cainfo=_FIELD_TEXT,
    signtype=_FIELD_TEXT,
    extra_fields=st.dictionaries(
        st.sampled_from(["infno", "input", "sign_no", "fixmedins_soft_fcty", "x"]) | st.text(),
        _FIELD_TEXT,
        max_size=3,
    ),
)
_INPUT = st.dictionaries(
    st.text(),
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | _FIELD_TEXT
        | st.decimals(allow_nan=False, allow_infinity=False),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
        max_leaves=10,
    ),
    max_size=4,
)


@given(
    _SETTINGS,
    st.fixed_dictionaries(
        {
            "infno": _FIELD_TEXT,
            "msgid": _FIELD_TEXT,
            "insuplc_admdvs": _FIELD_TEXT,
            "inf_time": st.datetimes(timezones=st.none() | st.just(CHINA_TZ)),
            "sign_no": _FIELD_TEXT,
            "input": _INPUT,
        }
    ),
)
def test_envelope_bytes_are_the_whole_envelope_encoded(
    envelope: RequestEnvelope, call: dict[str, Any]
) -> None:
    try:
        expected = encode(envelope.wire(**call))
    except UnicodeEncodeError:  # a lone surrogate: nothing can be sent
        with pytest.raises(UnicodeEncodeError):
            envelope.encode(**call)
        return
    assert envelope.encode(**call) == expected


@given(st.datetimes(timezones=st.none() | st.just(CHINA_TZ)))
def test_inf_time_is_written_as_strftime_writes_it(moment: datetime) -> None:
    assert _wire_time(moment) == moment.strftime("%Y-%m-%d %H:%M:%S")


def test_a_fixed_field_holding_a_marker_is_encoded_whole() -> None:
    envelope = RequestEnvelope(
        mdtrtarea_admvs="\udb80msgid\udb80",
        recer_sys_code="HIS",
        infver="V1.0",
        opter_type="1",
        opter="0001",
        opter_name="甲",
        fixmedins_code="H42010200001",
        fixmedins_name="医院",
    )
    call: dict[str, Any] = {
        "infno": "1101",
        "msgid": "m",
        "insuplc_admdvs": "",
        "inf_time": datetime(2026, 11, 22, 9, 30),
        "sign_no": "",
        "input": {},
    }
    with pytest.raises(UnicodeEncodeError):  # as encoding the whole envelope does
        envelope.encode(**call)
    assert envelope.wire(**call)["mdtrtarea_admvs"] == "\udb80msgid\udb80"
