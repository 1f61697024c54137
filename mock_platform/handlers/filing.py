"""2503 人员慢特病备案 and 2504 人员慢特病备案撤销 (PROTOCOL.md §3.17); rules in `backend.filings`.

2503: a designated hospital files a person's chronic disease after its own assessment; the answer's
`trt_dcla_detl_sn` names the filing, which waits for the insurer's approval (`/_mock/filings/approve`) before
5301 lists it and settlement accepts it. 2504 revokes a filing not yet approved. `tel` and `addr` are accepted
(the spec's optional contact fields) and not kept.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from mock_platform.backend.filings import Application, application_problem
from mock_platform.errors import RequestError
from mock_platform.handlers._base import (
    HandlerContext,
    Transaction,
    dump,
    input_node,
    require_insurance,
    require_person,
)
from mock_platform.wire import ExpContent, OptStr, Req, ReqAdmdvs, WireModel


def _check_date(value: str) -> str:
    if value:
        try:
            date.fromisoformat(value)
        except ValueError:
            raise PydanticCustomError("opsp_format", "格式错误，应为yyyy-MM-dd") from None
        if len(value) != 10:
            raise PydanticCustomError("opsp_format", "格式错误，应为yyyy-MM-dd")
    return value


ReqDate = Annotated[Req, AfterValidator(_check_date)]
OptDate = Annotated[OptStr, AfterValidator(_check_date)]


class FilingInput(WireModel):
    """2503 input `data`."""

    psn_no: Req
    insutype: Req
    opsp_dise_code: Req
    opsp_dise_name: Req
    tel: OptStr = ""
    addr: OptStr = ""
    insu_optins: ReqAdmdvs
    ide_fixmedins_no: Req
    ide_fixmedins_name: Req
    hosp_ide_date: ReqDate
    diag_dr_codg: Req
    diag_dr_name: Req
    begndate: ReqDate
    enddate: OptDate = ""
    exp_content: ExpContent


class FilingResult(WireModel):
    """2503 output `result`: the number that names the filing (2504 revokes it by this number)."""

    trt_dcla_detl_sn: str


class RevocationInput(WireModel):
    """2504 input `data`."""

    trt_dcla_detl_sn: Req
    psn_no: Req
    memo: Req
    exp_content: ExpContent


def file_filing(context: HandlerContext) -> dict[str, Any]:
    data = input_node(context, "data", FilingInput)
    person = require_person(context, data.psn_no)
    insurance = require_insurance(person, data.insutype)
    application = Application(
        psn_no=person.psn_no,
        insutype=insurance.insutype,
        opsp_dise_code=data.opsp_dise_code,
        opsp_dise_name=data.opsp_dise_name,
        insu_optins=data.insu_optins,
        ide_fixmedins_no=data.ide_fixmedins_no,
        hosp_ide_date=date.fromisoformat(data.hosp_ide_date),
        begndate=date.fromisoformat(data.begndate),
        enddate=date.fromisoformat(data.enddate) if data.enddate else None,
    )
    policy = context.backend.reference.policy(insurance.insuplc_admdvs)
    if policy is None:
        raise RequestError(f"参保地[{insurance.insuplc_admdvs}]未配置门诊慢特病待遇政策，不能备案")
    problem = application_problem(
        application,
        hospital=context.hospital,
        insurance=insurance,
        rule=policy.filing_rule,
        coverage=context.backend.reference.coverage,
        today=context.now.date(),
    )
    if problem is not None:
        raise RequestError(problem)
    serial = context.backend.filings.file(
        application, fixmedins_code=context.hospital.fixmedins_code, now=context.now
    )
    return {"result": dump(FilingResult(trt_dcla_detl_sn=serial))}


def revoke_filing(context: HandlerContext) -> dict[str, Any]:
    data = input_node(context, "data", RevocationInput)
    require_person(context, data.psn_no)
    context.backend.filings.revoke(
        data.trt_dcla_detl_sn,
        psn_no=data.psn_no,
        memo=data.memo,
        fixmedins_code=context.hospital.fixmedins_code,
        now=context.now,
    )
    return {}


TRANSACTIONS = (
    Transaction("2503", "人员慢特病备案", file_filing, changes_state=True, idempotent=True),
    Transaction("2504", "人员慢特病备案撤销", revoke_filing, changes_state=True, idempotent=True),
)
