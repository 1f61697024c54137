"""9001 签到 / 9002 签退 (PROTOCOL.md §3.1) and the sign-in check every other transaction goes through."""

from __future__ import annotations

from typing import Any

from mock_platform._time import format_datetime
from mock_platform.backend.callstate import CallState
from mock_platform.backend.signin import SignInError, SignInProblem
from mock_platform.errors import RequestError
from mock_platform.handlers._base import HandlerContext, Transaction, dump, input_node
from mock_platform.wire import OptStr, Req, WireModel


class SignInInput(WireModel):
    opter_no: Req
    # Required in JX; NT's client leaves it optional (PROTOCOL.md §3.1), so an empty MAC is accepted.
    mac: OptStr = ""
    ip: Req


class SignInOutput(WireModel):
    sign_time: str
    sign_no: str


class SignOutInput(WireModel):
    sign_no: Req
    opter_no: Req


class SignOutOutput(WireModel):
    sign_time: str


def sign_in_message(problem: SignInProblem, sign_no: str) -> str:
    """The err_msg for an unusable sign_no; every text mentions 签到 so a cashier knows what to do."""
    messages = {
        SignInProblem.MISSING: "报文头[sign_no]不能为空，请先签到(9001)",
        SignInProblem.UNKNOWN: f"签到编号[{sign_no}]无效，请重新签到",
        SignInProblem.OTHER_HOSPITAL: f"签到编号[{sign_no}]不属于本定点医药机构，请重新签到",
        SignInProblem.OTHER_OPERATOR: f"签到编号[{sign_no}]不属于该操作员，不能签退",
        SignInProblem.SIGNED_OUT: f"签到编号[{sign_no}]已签退，请重新签到",
        SignInProblem.EXPIRED: f"签到编号[{sign_no}]已过期（非当日签到），请重新签到",
    }
    return messages[problem]


def check_sign_in(context: HandlerContext, state: CallState | None = None) -> None:
    """Refuse unless the envelope's sign_no is today's open session of this hospital (`state`: the call's,
    see `SignInBook.check`)."""
    envelope = context.envelope
    try:
        context.backend.sign_ins.check(
            fixmedins_code=envelope.fixmedins_code,
            sign_no=envelope.sign_no,
            today=context.now.date(),
            state=state,
        )
    except SignInError as exc:
        raise RequestError(sign_in_message(exc.problem, envelope.sign_no)) from exc


def sign_in(context: HandlerContext) -> dict[str, Any]:
    data = input_node(context, "signIn", SignInInput)
    operators = {op.opter_no for op in context.backend.config.platform.operator}
    if data.opter_no not in operators:
        raise RequestError(f"未找到操作员[{data.opter_no}]信息，签到失败")
    session = context.backend.sign_ins.sign_in(
        fixmedins_code=context.hospital.fixmedins_code,
        opter_no=data.opter_no,
        mac=data.mac,
        ip=data.ip,
        now=context.now,
    )
    output = SignInOutput(sign_time=format_datetime(session.sign_time), sign_no=session.sign_no)
    return {"signinoutb": dump(output)}


def sign_out(context: HandlerContext) -> dict[str, Any]:
    data = input_node(context, "signOut", SignOutInput)
    try:
        context.backend.sign_ins.sign_out(
            fixmedins_code=context.hospital.fixmedins_code,
            sign_no=data.sign_no,
            opter_no=data.opter_no,
            now=context.now,
        )
    except SignInError as exc:
        raise RequestError(sign_in_message(exc.problem, data.sign_no)) from exc
    # The spec's caption for this node is garbled (PROTOCOL.md §3.1 ⚠); live responses and clients use
    # `signoutoutb` {sign_time}.
    return {"signoutoutb": dump(SignOutOutput(sign_time=format_datetime(context.now)))}


TRANSACTIONS = (
    Transaction("9001", "签到", sign_in, requires_sign_in=False, changes_state=True),
    Transaction("9002", "签退", sign_out, requires_sign_in=False, changes_state=True, idempotent=True),
)
