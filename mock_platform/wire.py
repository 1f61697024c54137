"""Wire models of the envelope (PROTOCOL.md §1.2, §1.4) and the field types transaction models share.

Written from PROTOCOL.md, independently of the adapter. Requests are parsed leniently where the spec says
implementations differ (unknown keys ignored, `null` read as empty, `exp_content` or `expContent`), and
strictly where a wrong value would hide a client bug (required fields, types, date formats, dictionaries).
A validation failure becomes one specific Chinese `err_msg` naming the field: "交易输入[data.psn_no]不能为空".
"""

from __future__ import annotations

import re
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
)
from pydantic_core import PydanticCustomError

from mock_platform._money import decimals
from mock_platform._time import parse_datetime


def _none_to_empty(value: Any) -> Any:
    # PROTOCOL.md §1.4/§1.6: an empty value is "" and some clients send null; treat both as empty.
    return "" if value is None else value


def _check_datetime(value: str) -> str:
    if value:
        try:
            parse_datetime(value)
        except ValueError:
            raise PydanticCustomError("opsp_format", "格式错误，应为yyyy-MM-dd HH:mm:ss") from None
    return value


def _check_admdvs(value: str) -> str:
    if value and not re.fullmatch(r"\d{6}", value):
        raise PydanticCustomError("opsp_format", "格式错误，应为6位医保区划代码")
    return value


def dictionary(name: str, values: tuple[str, ...]) -> AfterValidator:
    """A field whose value comes from a dictionary (PROTOCOL.md §4)."""

    def check(value: str) -> str:
        if value and value not in values:
            raise PydanticCustomError(
                "opsp_dict", "值[{value}]不在字典[{name}]范围内", {"value": value, "name": name}
            )
        return value

    return AfterValidator(check)


def _number(value: Any) -> Any:
    # The codec decodes JSON numbers as int or Decimal; a string of digits is tolerated (some HIS send them),
    # a bool or float never (a float has already lost its digits).
    if isinstance(value, bool | float):
        raise PydanticCustomError("opsp_format", "类型错误，应为数值")
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except ArithmeticError:
            raise PydanticCustomError("opsp_format", "类型错误，应为数值") from None
    return value


def _precision(places: int, *, positive: bool = False) -> AfterValidator:
    """N16,`places`: finite, not negative (or > 0), at most `places` decimals (PROTOCOL.md conventions)."""

    def check(value: Decimal) -> Decimal:
        if not value.is_finite() or value < 0 or (positive and value == 0):
            raise PydanticCustomError("opsp_format", "必须为{sign}数", {"sign": "正" if positive else "非负"})
        if decimals(value) > places:
            raise PydanticCustomError("opsp_format", "小数位数超过{places}位", {"places": places})
        return value

    return AfterValidator(check)


def _optional_number(value: Any) -> Any:
    # PROTOCOL.md §1.6: a numeric parameter with no value is sent as 0; some clients send "" or null.
    return None if value is None or value == "" else _number(value)


Amount = Annotated[Decimal, BeforeValidator(_number), _precision(2)]  # N16,2
OptNumber = Annotated[
    Decimal | None, BeforeValidator(_optional_number)
]  # an optional N field (geso_val, prd_days)
Quantity = Annotated[Decimal, BeforeValidator(_number), _precision(4, positive=True)]  # cnt N16,4
UnitPrice = Annotated[Decimal, BeforeValidator(_number), _precision(6)]  # pric N16,6

OptStr = Annotated[str, BeforeValidator(_none_to_empty)]
Req = Annotated[str, BeforeValidator(_none_to_empty), StringConstraints(min_length=1)]
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

    infno: Annotated[Req, StringConstraints(max_length=10)]
    msgid: Annotated[Req, StringConstraints(max_length=30)]
    mdtrtarea_admvs: ReqAdmdvs
    insuplc_admdvs: OptAdmdvs = ""
    recer_sys_code: Annotated[Req, StringConstraints(max_length=10)]
    dev_no: OptStr = ""
    dev_safe_info: OptStr = ""
    cainfo: OptStr = ""
    signtype: OptStr = ""
    infver: Annotated[Req, StringConstraints(max_length=6)]
    opter_type: Annotated[Req, dictionary("opter_type", ("1", "2", "3"))]
    opter: Req
    opter_name: Req
    inf_time: ReqDateTime
    fixmedins_code: Req
    fixmedins_name: Req
    sign_no: OptStr = ""
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

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(mode="python", exclude={"warn_msg"} if self.warn_msg is None else None)


def describe(error: ValidationError, label: str, prefix: str = "") -> str:
    """The Chinese err_msg for the first problem of a validation error, e.g. 交易输入[data.psn_no]不能为空."""
    first = error.errors()[0]
    field = prefix + ".".join(str(part) for part in first["loc"])
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
    return f"{label}[{field}]{text}"
