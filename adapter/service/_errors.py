"""Errors as the HIS sees them: a stable code, a Chinese message for the cashier, the field, may-retry.

Every known condition has a row in ``CODES``: its HTTP status (4xx: the HIS's mistake, 409: a
conflict, 502/503/504: the platform, or 503 this service itself), the sentence a cashier reads,
and whether sending the same request again may succeed. ``error_for`` translates the adapter's
error tree at this one place; nothing known reaches the HIS as a 500. ``detail`` is the adapter's
own short text (English, no personal data); ``platform_message`` the platform's ``err_msg`` verbatim.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from .._conditions import Condition, condition_of
from .._errors import AdapterError, PlatformError

__all__ = ["CODES", "CODE_OF", "ErrorAnswer", "ErrorBody", "ServiceError", "error_for"]


@dataclass(frozen=True)
class _Code:
    status: int
    message: str
    retryable: bool


CODES: dict[str, _Code] = {
    "unauthorized": _Code(401, "收费台令牌缺失或无效，请检查医保接口配置", False),
    "input_invalid": _Code(422, "请求内容有误，请按提示的字段修改后重新提交", False),
    "mapping_missing": _Code(422, "有项目或诊断未对照到国家编码，请联系医保办维护对照", False),
    "not_eligible": _Code(422, "该患者不能按此方式结算，请核对参保信息", False),
    "settlement_not_found": _Code(404, "未找到该结算记录，请核对结算ID", False),
    "already_refunded": _Code(409, "该笔结算已退费，不能重复退费", False),
    "refund_chain_changed": _Code(409, "退费链已变化，请重新预览退费后再确认", False),
    "idempotency_key_required": _Code(400, "缺少幂等键（Idempotency-Key，即HIS单据号）", False),
    "idempotency_key_reused": _Code(409, "该单据号已用于另一笔不同的请求，请核对单据号", False),
    "in_progress": _Code(409, "该单据正在结算中，请稍候再查询，切勿重复收费", True),
    "platform_refused": _Code(422, "医保平台拒绝了本次业务，请按平台提示处理", False),
    "platform_auth_refused": _Code(502, "医保平台拒绝了医院的接入凭证，请联系信息科", False),
    "platform_down": _Code(503, "医保平台暂停服务（停机维护），请稍后重试或按自费处理", True),
    "platform_unreachable": _Code(503, "无法连接医保平台，请稍后重试", True),
    "platform_timeout": _Code(504, "医保平台应答超时，请稍后重试", True),
    "platform_bad_answer": _Code(502, "医保平台应答异常，请稍后重试", True),
    "amounts_inconsistent": _Code(502, "医保平台返回的金额不平，已停止处理，请联系医保办", False),
    "person_busy": _Code(409, "另一收费窗口正在为该患者办理结算或退费，请稍候再提交（未发送任何交易）", True),
    "recovery_needed": _Code(
        409,
        "该单据有未完成的结算或退费（可能仍在处理，或上次中断）：稍候重试；若无人处理，请先执行恢复",
        True,
    ),
    "outcome_unknown": _Code(503, "结算结果未知，请执行恢复（recover）后再查询，切勿重复收费", True),
    "service_misconfigured": _Code(503, "医保接口服务配置有误，请联系信息科", False),
    "service_stopping": _Code(503, "医保接口服务正在停止，未发送任何交易，请稍后重新提交", True),
    "pdf_unavailable": _Code(
        503, "无法生成PDF（服务所在电脑未安装Chromium或打印失败），请改用网页打印或联系信息科", False
    ),
    "not_acceptable": _Code(
        406, "无法按请求的格式提供：可选 application/json、text/html 或 application/pdf", False
    ),
    "not_found": _Code(404, "请求的地址不存在", False),
    "method_not_allowed": _Code(405, "请求方法不被支持", False),
    "internal": _Code(500, "医保接口服务内部错误，请联系信息科", False),
}


class ErrorBody(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    """Stable, machine-readable (the keys of ``CODES``)."""
    message: str
    """For the cashier, in Chinese."""
    field: str | None = None
    """The request field at fault (``items[2].pric``), when there is one."""
    retryable: bool
    """Whether sending the same request again (same idempotency key) may succeed."""
    detail: str = ""
    platform_message: str = ""


class ErrorAnswer(BaseModel):
    """The body of every error answer."""

    model_config = ConfigDict(frozen=True)

    error: ErrorBody


class ServiceError(Exception):
    """A known condition, answered as ``ErrorAnswer`` with the status of its code."""

    def __init__(
        self,
        code: str,
        detail: str = "",
        field: str | None = None,
        *,
        platform_message: str = "",
        headers: dict[str, str] | None = None,
    ) -> None:
        if code not in CODES:
            raise KeyError(code)
        self.code = code
        self.detail = detail
        self.field = field
        self.platform_message = platform_message
        self.headers = headers or {}
        super().__init__(f"{code}: {detail}" if detail else code)

    @property
    def status(self) -> int:
        return CODES[self.code].status

    def answer(self) -> ErrorAnswer:
        row = CODES[self.code]
        return ErrorAnswer(
            error=ErrorBody(
                code=self.code,
                message=row.message,
                field=self.field,
                retryable=row.retryable,
                detail=self.detail,
                platform_message=self.platform_message,
            )
        )


def error_for(error: AdapterError) -> ServiceError:
    """The one translation of the adapter's error tree (sorted once, by ``condition_of``)."""
    code = CODE_OF[condition_of(error)]
    platform_message = getattr(error, "err_msg", "") if isinstance(error, PlatformError) else ""
    headers = {"Retry-After": _RETRY_AFTER[code]} if code in _RETRY_AFTER else None
    field = (getattr(error, "where", "") or None) if code == "input_invalid" else None
    return ServiceError(code, str(error), field, platform_message=platform_message, headers=headers)


CODE_OF: dict[Condition, str] = {
    Condition.INPUT: "input_invalid",
    Condition.MAPPING: "mapping_missing",
    Condition.NOT_ELIGIBLE: "not_eligible",
    Condition.PERSON_BUSY: "person_busy",
    Condition.IN_FLIGHT: "recovery_needed",
    Condition.AMOUNT_MISMATCH: "amounts_inconsistent",
    Condition.UNREACHABLE: "platform_unreachable",
    # The service's PlatformClient is closed: the process is stopping (or its host closed the client).
    # Nothing was sent and the key was released: the same request, to a service that runs, may succeed.
    Condition.CLIENT_CLOSED: "service_stopping",
    Condition.TIMEOUT: "platform_timeout",
    Condition.BAD_ANSWER: "platform_bad_answer",
    Condition.PLATFORM_DOWN: "platform_down",
    Condition.PLATFORM_AUTH: "platform_auth_refused",
    Condition.PATIENT_NOT_FOUND: "platform_refused",
    Condition.PLATFORM_REFUSED: "platform_refused",
    Condition.OUTCOME_UNKNOWN: "outcome_unknown",
    Condition.JOURNAL_OWNER: "service_misconfigured",
    Condition.CONFIGURATION: "service_misconfigured",
    Condition.OTHER: "platform_bad_answer",
}
"""Every condition's code on the wire (a test checks none is missing and each is in ``CODES``)."""

_RETRY_AFTER = {"platform_down": "60", "person_busy": "2", "service_stopping": "5"}
"""Seconds a HIS should wait before sending the same request again: maintenance is long, a desk is quick,
a service restarting a few seconds (or another process behind the balancer takes the request)."""
