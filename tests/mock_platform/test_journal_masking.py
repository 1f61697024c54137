"""The traffic journal masks personal fields on the text (`traffic.mask_json`): the answer as the codec
wrote it, the request as it was sent. On the codec's text the result is exactly what masking the decoded
value field by field and encoding it again gives (issue #18: one pass instead of a copy and a second
encode); on a request sent with whitespace, it reads back as that masked value. The reference below is that
field-by-field masking, written here from the journal's rules."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mock_platform import codec
from mock_platform.backend.traffic import PERSONAL_FIELDS, mask_json, unescaped_json


def reference(value: Any) -> Any:
    """Names fully starred (at most 8 stars), other personal text keeps 4 characters at each end."""
    if isinstance(value, dict):
        masked = {}
        for key, item in value.items():
            if key in PERSONAL_FIELDS and isinstance(item, str) and item:
                if key.endswith("name"):
                    masked[key] = "*" * min(len(item), 8)
                elif len(item) >= 10:
                    masked[key] = item[:4] + "*" * (len(item) - 8) + item[-4:]
                else:
                    masked[key] = item[:1] + "*" * (len(item) - 1)
            else:
                masked[key] = reference(item)
        return masked
    if isinstance(value, list):
        return [reference(item) for item in value]
    return value


def text(value: Any) -> str:
    return codec.encode(value).decode("utf-8")


def test_a_1101_request_and_answer() -> None:
    request = {
        "infno": "1101",
        "cainfo": "",
        "input": {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": "640104196203152010", "psn_name": ""}},
    }
    assert mask_json(text(request)) == (
        '{"infno":"1101","cainfo":"","input":{"data":{"mdtrt_cert_type":"02",'
        '"mdtrt_cert_no":"6401**********2010","psn_name":""}}}'
    )
    answer = {
        "output": {"baseinfo": {"psn_name": "张三丰", "certno": "64010419620315201X", "age": Decimal("64.3")}}
    }
    assert mask_json(text(answer)) == (
        '{"output":{"baseinfo":{"psn_name":"***","certno":"6401**********201X","age":64.3}}}'
    )


def test_look_alikes_are_left_alone() -> None:
    # A personal key's name inside a value or inside another key, an escaped quote before it, a non-string.
    value = {
        "memo": '{"certno":"640104196203152010"}',
        'a"certno': "640104196203152010",
        "xcertno": "640104196203152010",
        "certno": 640104196203152010,
        "tel": None,
        "mob": ["13800000000"],
    }
    assert mask_json(text(value)) == text(value)


def test_what_is_masked_as_sent_and_what_is_encoded_again() -> None:
    assert unescaped_json(b'{"certno": "64010419620315201X"}') == '{"certno": "64010419620315201X"}'
    assert unescaped_json('{"名": "张三"}'.encode()) == '{"名": "张三"}'
    # A key may be spelled with an escape, UTF-16 has NUL bytes, bytes may not be UTF-8: decoded and encoded.
    assert unescaped_json(b'{"\\u0063ertno": "64010419620315201X"}') is None
    assert unescaped_json('{"certno": "1"}'.encode("utf-16")) is None
    assert unescaped_json(b'{"a": "\xff"}') is None


keys = st.one_of(st.sampled_from(sorted(PERSONAL_FIELDS)), st.text(max_size=8))
scalars = st.one_of(
    st.text(),
    st.text(alphabet='"\\{},:\n\u3000张三aX0', max_size=20),
    st.none(),
    st.booleans(),
    st.integers(),
    st.decimals(allow_nan=False, allow_infinity=False, places=2),
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=5)),
    max_leaves=25,
)


@settings(max_examples=150, deadline=None)
@given(value=values)
def test_text_masking_equals_field_by_field_masking(value: Any) -> None:
    assert mask_json(text(value)) == text(reference(value))


plain_scalars = st.one_of(st.text(alphabet='"\\{},: \n\t张三aX0', max_size=20), st.none(), st.integers())
plain_values = st.recursive(
    plain_scalars,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=5)),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(
    value=plain_values,
    indent=st.sampled_from([None, 0, 2]),
    separators=st.sampled_from([(", ", ": "), (",", " : ")]),
)
def test_a_request_sent_with_whitespace_reads_back_masked(
    value: Any, indent: int | None, separators: tuple[str, str]
) -> None:
    sent = json.dumps(value, ensure_ascii=False, indent=indent, separators=separators)
    assert json.loads(mask_json(sent)) == reference(value)
