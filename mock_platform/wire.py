"""Wire models of the envelope (PROTOCOL.md §1.2, §1.4) and the field types transaction models share.

Written from PROTOCOL.md, independently of the adapter. Requests are parsed leniently where the spec says
implementations differ (unknown keys ignored, `null` read as empty, `exp_content` or `expContent`), and
strictly where a wrong value would hide a client bug (required fields, types, date formats, dictionaries).
A validation failure becomes one specific Chinese `err_msg` naming the field: "交易输入[data.psn_no]不能为空".

Strict where the real platform is (issue #10 item 9): required text that is only whitespace (U+3000
included) is empty; digits are ASCII digits (a regex digit class and `Decimal()` accept full-width ones);
an amount fits N16,2 (14 integer digits), a quantity N16,4, a price N16,6; envelope fields have the
lengths of §1.2. An `err_msg` echoes at most `ECHO_CHARS` characters of anything the sender sent (`echo`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextvars import ContextVar
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
)
from pydantic_core import PydanticCustomError

from mock_platform._money import decimals
from mock_platform._time import parse_datetime

# The most of a sender's value an err_msg repeats; an err_msg is at most ERR_MSG_CHARS (C200, §1.4).
ECHO_CHARS = 30
ERR_MSG_CHARS = 200
_ASCII_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def echo(value: str) -> str:
    """A sender's value as an err_msg may repeat it: at most ECHO_CHARS characters, then "…"."""
    return value if len(value) <= ECHO_CHARS else value[: ECHO_CHARS - 1] + "…"


# A bracketed part longer than any field path (64) in someone else's err_msg is a quoted value: shortened.
_LONG_ECHO = re.compile(r"\[([^\[\]]{65,})\]")


def clip_err_msg(text: str) -> str:
    """An err_msg within C200 whose bracketed echoes are shortened (a handler may have quoted at length)."""
    if "[" in text:  # nothing bracketed (a success's empty err_msg): no regex pass
        text = _LONG_ECHO.sub(lambda match: f"[{echo(match.group(1))}]", text)
    return text if len(text) <= ERR_MSG_CHARS else text[: ERR_MSG_CHARS - 1] + "…"


def _none_to_empty(value: Any) -> Any:
    # PROTOCOL.md §1.4/§1.6: an empty value is "" and some clients send null; treat both as empty.
    return "" if value is None else value


def _required_text(value: Any) -> Any:
    """The one Python step of a required text field: null read as empty, whitespace only refused.

    The type and the lengths are checked by pydantic's own string schema (a `StringConstraints` placed before
    this validator in the `Annotated`), so a field costs one Python call instead of three or four (issue #18).
    Blank is refused whatever the length, as when it was checked after the minimum and before the maximum.
    """
    if value is None:
        return ""
    # str.isspace covers U+3000 (ideographic space) and every other Unicode space; "" is not isspace.
    if type(value) is str and value.isspace():
        raise PydanticCustomError("opsp_blank", "不能为空")
    return value


def _check_datetime(value: str) -> str:
    if value:
        try:
            parse_datetime(value)
        except ValueError:
            raise PydanticCustomError("opsp_format", "格式错误，应为yyyy-MM-dd HH:mm:ss") from None
    return value


_ADMDVS = re.compile(r"[0-9]{6}")


def _check_admdvs(value: str) -> str:
    if value and not _ADMDVS.fullmatch(value):
        raise PydanticCustomError("opsp_format", "格式错误，应为6位医保区划代码")
    return value


def dictionary(name: str, values: tuple[str, ...]) -> AfterValidator:
    """A field whose value comes from a dictionary (PROTOCOL.md §4)."""

    def check(value: str) -> str:
        if value and value not in values:
            raise PydanticCustomError(
                "opsp_dict", "值[{value}]不在字典[{name}]范围内", {"value": echo(value), "name": name}
            )
        return value

    return AfterValidator(check)


# Where the call being validated reports a deviation (`conformance.profiles`): called with the deviation's
# name and text, it returns True when the profile refuses it. Set by the dispatcher around each call.
DeviationSink = Callable[[str, str], bool]
DEVIATION_SINK: ContextVar[DeviationSink | None] = ContextVar("deviation_sink", default=None)


def _number(value: Any, info: ValidationInfo) -> Any:
    # The codec decodes JSON numbers as int or Decimal; a string of digits is tolerated (some HIS send them)
    # and reported as a deviation (a strict profile refuses it), a bool or float never (a float has
    # already lost its digits).
    if isinstance(value, bool | float):
        raise PydanticCustomError("opsp_format", "类型错误，应为数值")
    if isinstance(value, str):
        sink = DEVIATION_SINK.get()
        name = info.field_name or "?"
        if sink is not None and sink("amount_as_string", f"数值字段[{name}]以字符串发送，应为JSON数值"):
            raise PydanticCustomError("opsp_format", "类型错误，应为JSON数值(不接受字符串)")
        # ASCII digits only: Decimal() reads full-width and other Unicode digits too.
        text = value.strip()
        if len(text) > 40 or not _ASCII_NUMBER.fullmatch(text):
            raise PydanticCustomError("opsp_format", "类型错误，应为数值")
        return Decimal(text)
    return value


def _precision(places: int, *, positive: bool = False) -> AfterValidator:
    """N16,`places`: finite, not negative (or > 0), at most `places` decimals and 16 - `places` integer
    digits (PROTOCOL.md conventions)."""
    integer_digits = 16 - places

    def check(value: Decimal) -> Decimal:
        if not value.is_finite() or value < 0 or (positive and value == 0):
            raise PydanticCustomError("opsp_format", "必须为{sign}数", {"sign": "正" if positive else "非负"})
        if decimals(value) > places:
            raise PydanticCustomError("opsp_format", "小数位数超过{places}位", {"places": places})
        if value != 0 and value.adjusted() >= integer_digits:
            raise PydanticCustomError(
                "opsp_format",
                "整数位数超过{digits}位(N16,{places})",
                {"digits": integer_digits, "places": places},
            )
        return value

    return AfterValidator(check)


def _optional_number(value: Any, info: ValidationInfo) -> Any:
    # PROTOCOL.md §1.6: a numeric parameter with no value is sent as 0; some clients send "" or null.
    return None if value is None or value == "" else _number(value, info)


Amount = Annotated[Decimal, BeforeValidator(_number), _precision(2)]  # N16,2
OptNumber = Annotated[
    Decimal | None, BeforeValidator(_optional_number)
]  # an optional N field (geso_val, prd_days)
Quantity = Annotated[Decimal, BeforeValidator(_number), _precision(4, positive=True)]  # cnt N16,4
UnitPrice = Annotated[Decimal, BeforeValidator(_number), _precision(6)]  # pric N16,6

# Constraints before the validator: pydantic checks them in its own string schema (after one behind a
# BeforeValidator, it checks them with a Python call each).
_REQUIRED = BeforeValidator(_required_text)
_OPTIONAL = BeforeValidator(_none_to_empty)
Req = Annotated[str, StringConstraints(min_length=1), _REQUIRED]
OptStr = Annotated[str, _OPTIONAL]
ReqDateTime = Annotated[Req, AfterValidator(_check_datetime)]
OptDateTime = Annotated[OptStr, AfterValidator(_check_datetime)]
ReqAdmdvs = Annotated[Req, AfterValidator(_check_admdvs)]
OptAdmdvs = Annotated[OptStr, AfterValidator(_check_admdvs)]
# 字段扩展: the national text says expContent, HN and live data exp_content, a JSON string (PROTOCOL.md §1.6).
ExpContent = Annotated[
    str | dict[str, Any] | None,
    Field(default=None, validation_alias=AliasChoices("exp_content", "expContent")),
]


class WireModel(BaseModel):
    """Frozen; unknown keys are ignored (regional extras, PROTOCOL.md §1.2)."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class RequestEnvelope(WireModel):
    """交易输入参数 (PROTOCOL.md §1.2). Field order is the order errors are reported in."""

    infno: Annotated[str, StringConstraints(min_length=1, max_length=10), _REQUIRED]
    msgid: Annotated[str, StringConstraints(min_length=1, max_length=30), _REQUIRED]
    mdtrtarea_admvs: ReqAdmdvs
    insuplc_admdvs: OptAdmdvs = ""
    recer_sys_code: Annotated[str, StringConstraints(min_length=1, max_length=10), _REQUIRED]
    dev_no: Annotated[str, StringConstraints(max_length=100), _OPTIONAL] = ""
    dev_safe_info: Annotated[str, StringConstraints(max_length=2000), _OPTIONAL] = ""
    cainfo: Annotated[str, StringConstraints(max_length=1024), _OPTIONAL] = ""
    signtype: Annotated[str, StringConstraints(max_length=10), _OPTIONAL] = ""
    infver: Annotated[str, StringConstraints(min_length=1, max_length=6), _REQUIRED]
    opter_type: Annotated[Req, dictionary("opter_type", ("1", "2", "3"))]
    opter: Annotated[str, StringConstraints(min_length=1, max_length=30), _REQUIRED]
    opter_name: Annotated[str, StringConstraints(min_length=1, max_length=50), _REQUIRED]
    inf_time: ReqDateTime
    # C12 in the spec; NT's comment says 30, and a longer code is no hospital's.
    fixmedins_code: Annotated[str, StringConstraints(min_length=1, max_length=30), _REQUIRED]
    # C20 in the spec is too short for real names (§1.2); NT's comment says 200.
    fixmedins_name: Annotated[str, StringConstraints(min_length=1, max_length=200), _REQUIRED]
    sign_no: Annotated[str, StringConstraints(max_length=30), _OPTIONAL] = ""
    input: dict[str, Any]


class ResponseEnvelope(WireModel):
    """交易输出参数 (PROTOCOL.md §1.4); `infcode` is a JSON number, 0 success and -1 failure.

    `warn_msg` is not in the spec but seen in live answers; it is written only when set (2601's "无需冲正").
    `output` is an object, except 5204's array (PROTOCOL.md §3.14).
    """

    infcode: int
    inf_refmsgid: str
    refmsg_time: str
    respond_time: str
    err_msg: str
    warn_msg: str | None = None
    output: dict[str, Any] | list[Any]


def answer_envelope(
    *,
    infcode: int,
    inf_refmsgid: str,
    refmsg_time: str,
    respond_time: str,
    err_msg: str,
    warn_msg: str | None,
    output: dict[str, Any] | list[Any],
) -> dict[str, Any]:
    """The platform's own answer as a JSON value: the members of `ResponseEnvelope` in its field order,
    `warn_msg` only when set, `output` as it is (not copied).

    Built without a model (neither validated again nor constructed: every part comes from the mock's code,
    and a handler's output is already its dumped wire model; issue #18). The types are still checked where
    they are cheap; `tests/mock_platform/test_openapi.py` validates answers against `ResponseEnvelope`.
    """
    if type(infcode) is not int or not isinstance(output, dict | list):
        raise TypeError("infcode must be an int and output an object or array")
    wire: dict[str, Any] = {
        "infcode": infcode,
        "inf_refmsgid": inf_refmsgid,
        "refmsg_time": refmsg_time,
        "respond_time": respond_time,
        "err_msg": err_msg,
    }
    if warn_msg is not None:
        wire["warn_msg"] = warn_msg
    wire["output"] = output
    return wire


def describe(error: ValidationError, label: str, prefix: str = "") -> str:
    """The Chinese err_msg for the first problem of a validation error, e.g. 交易输入[data.psn_no]不能为空."""
    first = error.errors()[0]
    # The path names the model's own fields (and list indices); only a dict key could come from the sender.
    field = prefix + ".".join(str(part) if not isinstance(part, str) else part[:64] for part in first["loc"])
    kind = first["type"]
    # With a BeforeValidator in front, pydantic reports length limits as too_short/too_long.
    if kind in ("missing", "string_too_short", "too_short"):
        text = "不能为空"
    elif kind in ("string_too_long", "too_long"):
        text = f"长度超过{first.get('ctx', {}).get('max_length', '')}位"
    elif kind.startswith("opsp_"):
        text = first["msg"]
    elif kind in ("dict_type", "model_type", "model_attributes_type"):
        text = "类型错误，应为JSON对象"
    elif kind == "list_type":
        text = "类型错误，应为JSON数组"
    elif kind == "string_type":
        text = "类型错误，应为字符串"
    else:
        text = "格式错误"
    return clip_err_msg(f"{label}[{field}]{text}")


_MSGID_TIME = re.compile(r"[0-9]{14}")
_MSGID_SERIAL = re.compile(r"[0-9]{4}")


def msgid_deviation(msgid: str, fixmedins_code: str) -> str | None:
    """Why `msgid` is not of the national form (PROTOCOL.md §1.3), or None when it is.

    The form: fixmedins_code + yyyyMMddHHmmss (a real time) + a 4-digit sequence, 30 characters for a
    12-character code. Real clients send other forms (UUID-derived, 29 characters), so this is reported,
    not refused (a strict profile refuses it).
    """
    stamp, serial = msgid[len(fixmedins_code) : len(fixmedins_code) + 14], msgid[len(fixmedins_code) + 14 :]
    well_formed = (
        msgid.startswith(fixmedins_code)
        and _MSGID_TIME.fullmatch(stamp) is not None
        and _MSGID_SERIAL.fullmatch(serial) is not None
    )
    if well_formed:
        try:
            parse_datetime(f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]} {stamp[8:10]}:{stamp[10:12]}:{stamp[12:]}")
        except ValueError:
            well_formed = False
    if well_formed:
        return None
    return f"msgid[{echo(msgid)}]不符合国家规范格式(定点医药机构编号+yyyyMMddHHmmss+4位顺序号)"
