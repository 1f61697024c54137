"""The request and response envelopes (PROTOCOL.md §1.2, §1.4) and how an answer is read.

An answer is one of three things (PROTOCOL.md §1.5, §6.8): the platform's envelope
(``infcode`` 0 or not), the *gateway's* own error shape (``{"code":401,
"message":…}``, outside the envelope), or something else (not JSON, an HTML error
page) which is a protocol error. ``read_answer`` tells them apart; it does not decide
what a failure means for the call — the client does, because that depends on whether
the transaction changes state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from ._codec import decode, encode, json_string, json_text

__all__ = ["GatewayRefusal", "RequestEnvelope", "ResponseEnvelope", "UnreadableAnswer", "read_answer"]

INF_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class RequestEnvelope:
    """交易输入参数 (PROTOCOL.md §1.2): the fields a client sends alike on every call, from its settings.

    ``wire`` adds one call's own fields and gives every field in the spec's order. A plain
    dataclass rather than a pydantic model: its fields are settings, validated once when they were
    loaded, and the input is the transaction's model already dumped; validating and dumping an
    envelope model copied each call's whole input twice more (docs/benchmarks.md).
    """

    mdtrtarea_admvs: str
    recer_sys_code: str
    infver: str
    opter_type: str
    opter: str
    opter_name: str
    fixmedins_code: str
    fixmedins_name: str
    dev_no: str = ""
    dev_safe_info: str = ""
    cainfo: str = ""
    signtype: str = ""
    extra_fields: Mapping[str, str] = field(default_factory=dict)
    """Regional extras (e.g. Jiangsu's ``fixmedins_soft_fcty``), sent after the spec fields and never
    overriding one."""

    _frame: tuple[str, ...] | None = field(init=False, repr=False, compare=False, default=None)
    """The envelope's JSON text cut where each call's own fields go (``_cut``)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "_frame", self._cut())

    def wire(
        self,
        *,
        infno: str,
        msgid: str,
        insuplc_admdvs: str,
        inf_time: datetime,
        sign_no: str,
        input: dict[str, Any],
    ) -> dict[str, Any]:
        """The envelope as sent: spec order, ``inf_time`` formatted, then any regional extras."""
        return self._members(infno, msgid, insuplc_admdvs, _wire_time(inf_time), sign_no, input)

    def encode(
        self,
        *,
        infno: str,
        msgid: str,
        insuplc_admdvs: str,
        inf_time: datetime,
        sign_no: str,
        input: dict[str, Any],
    ) -> bytes:
        """``encode(self.wire(...))``, byte for byte, with the fixed fields' text made once per client.

        Per call only the six fields of the call are encoded; every envelope's other twelve
        fields (and extras) were the larger part of encoding a query's envelope.
        """
        frame = self._frame
        if frame is None:  # a fixed field holds a lone surrogate: no such envelope can be sent
            return encode(self._members(infno, msgid, insuplc_admdvs, _wire_time(inf_time), sign_no, input))
        return "".join(
            (
                frame[0],
                json_string(infno),
                frame[1],
                json_string(msgid),
                frame[2],
                json_string(insuplc_admdvs),
                frame[3],
                json_string(_wire_time(inf_time)),
                frame[4],
                json_string(sign_no),
                frame[5],
                json_text(input),
                frame[6],
            )
        ).encode("utf-8")

    def _members(
        self, infno: str, msgid: str, insuplc_admdvs: str, inf_time: str, sign_no: str, input: object
    ) -> dict[str, Any]:
        wire: dict[str, Any] = {
            "infno": infno,
            "msgid": msgid,
            "mdtrtarea_admvs": self.mdtrtarea_admvs,
            "insuplc_admdvs": insuplc_admdvs,
            "recer_sys_code": self.recer_sys_code,
            "dev_no": self.dev_no,
            "dev_safe_info": self.dev_safe_info,
            "cainfo": self.cainfo,
            "signtype": self.signtype,
            "infver": self.infver,
            "opter_type": self.opter_type,
            "opter": self.opter,
            "opter_name": self.opter_name,
            "inf_time": inf_time,
            "fixmedins_code": self.fixmedins_code,
            "fixmedins_name": self.fixmedins_name,
            "sign_no": sign_no,
            "input": input,
        }
        for key, value in self.extra_fields.items():
            wire.setdefault(key, value)
        return wire

    def _cut(self) -> tuple[str, ...] | None:
        """The text of ``encode(wire(...))`` around the six per-call values, or ``None`` if it cannot be cut.

        Made by encoding the envelope once with a marker in each per-call field and cutting at the
        markers, so the pieces are the codec's own text. A marker holds a lone surrogate, which no
        sendable envelope can hold (UTF-8 cannot encode one); should a fixed field hold one anyway,
        the envelope is not cut and every call is encoded whole (and fails to encode, as it must).
        """
        markers = [f"{_MARK}{name}{_MARK}" for name in _PER_CALL]
        text = json_text(self._members(*markers))
        pieces: list[str] = []
        for marker in markers:
            before, found, text = text.partition(json_text(marker))
            if not found or _MARK in before:
                return None
            pieces.append(before)
        if _MARK in text:
            return None
        return (*pieces, text)


def _wire_time(moment: datetime) -> str:
    """``moment.strftime(INF_TIME_FORMAT)`` from its fields: half the time of strftime (aware)."""
    if moment.year < 1000:  # strftime writes such a year with as many digits as the C library likes
        return moment.strftime(INF_TIME_FORMAT)
    day = f"{moment.year}-{moment.month:02}-{moment.day:02}"
    return f"{day} {moment.hour:02}:{moment.minute:02}:{moment.second:02}"


_PER_CALL = ("infno", "msgid", "insuplc_admdvs", "inf_time", "sign_no", "input")
_MARK = "\udb80"


def _infcode(value: Any) -> Any:
    # Samples send a JSON number; some gateways a string (PROTOCOL.md §1.4).
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return value


def _text(value: Any) -> Any:
    return "" if value is None else value


class ResponseEnvelope(BaseModel):
    """交易输出参数 (PROTOCOL.md §1.4). Unknown keys (``warn_msg``, ``cainfo``…) are kept."""

    model_config = ConfigDict(frozen=True, extra="allow")

    infcode: Annotated[int, BeforeValidator(_infcode)]
    inf_refmsgid: Annotated[str, BeforeValidator(_text)] = ""
    refmsg_time: Annotated[str, BeforeValidator(_text)] = ""
    respond_time: Annotated[str, BeforeValidator(_text)] = ""
    err_msg: Annotated[str, BeforeValidator(_text)] = ""
    warn_msg: Annotated[str, BeforeValidator(_text)] = ""
    output: Any = None

    @property
    def succeeded(self) -> bool:
        return self.infcode == 0


@dataclass(frozen=True)
class GatewayRefusal:
    """The gateway's own error shape, e.g. ``{"code":401,"message":"签名不一致!"}``."""

    code: int
    message: str


@dataclass(frozen=True)
class UnreadableAnswer:
    """An answer that is neither an envelope nor a gateway refusal."""

    reason: str


def read_answer(body: bytes) -> ResponseEnvelope | GatewayRefusal | UnreadableAnswer:
    """Classify a response body. Never raises."""
    try:
        document = decode(body)
    except (ValueError, UnicodeDecodeError):
        return UnreadableAnswer("the answer is not JSON")
    if not isinstance(document, dict):
        return UnreadableAnswer("the answer is not a JSON object")
    if "infcode" not in document:
        if "code" in document and "message" in document:
            return _gateway_refusal(document)
        return UnreadableAnswer("the answer has no infcode")
    try:
        return ResponseEnvelope.model_validate(document)
    except ValidationError as error:
        fields = ", ".join(".".join(str(p) for p in e["loc"]) for e in error.errors())
        return UnreadableAnswer(f"the envelope is malformed ({fields})")


def _gateway_refusal(document: dict[str, Any]) -> GatewayRefusal | UnreadableAnswer:
    code = _infcode(document["code"])
    if not isinstance(code, int):
        return UnreadableAnswer("the gateway answer has a non-numeric code")
    return GatewayRefusal(code=code, message=str(document["message"] or ""))
