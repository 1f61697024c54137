"""2001 人员待遇享受检查 (PROTOCOL.md §3.4): the wire side; the rules are in `backend.eligibility`."""

from __future__ import annotations

from typing import Any

from mock_platform._time import format_date, parse_datetime
from mock_platform.backend.eligibility import SUPPORTED_MED_TYPES, check_treatment, local_code_problem
from mock_platform.backend.people import InsuranceRecord, PersonRecord
from mock_platform.errors import RequestError
from mock_platform.handlers._base import (
    HandlerContext,
    Transaction,
    dump,
    input_node,
    require_insurance,
    require_person,
)
from mock_platform.wire import ExpContent, OptDateTime, OptStr, Req, ReqDateTime, WireModel

# The pooled fund an insutype draws on (fund_pay_type, PROTOCOL.md §4).
_FUND_PAY_TYPES = {
    "310": "310100",  # 职工基本医疗保险统筹基金
    "320": "320100",
    "330": "330100",
    "340": "340100",
    "390": "390100",  # 城乡居民基本医疗保险基金
    "392": "390200",
}


class TreatmentQuery(WireModel):
    """2001 input `data`."""

    psn_no: Req
    insutype: Req
    fixmedins_code: Req
    med_type: Req
    begntime: ReqDateTime
    endtime: OptDateTime = ""
    dise_codg: OptStr = ""
    dise_name: OptStr = ""
    oprn_oprt_code: OptStr = ""
    oprn_oprt_name: OptStr = ""
    matn_type: OptStr = ""
    birctrl_type: OptStr = ""
    exp_content: ExpContent


class TrtInfo(WireModel):
    psn_no: str
    trt_chk_type: str
    fund_pay_type: str
    trt_enjymnt_flag: str
    begndate: str
    enddate: str
    trt_chk_rslt: str


def treatment_check(context: HandlerContext) -> dict[str, Any]:
    query = input_node(context, "data", TreatmentQuery)
    person = require_person(context, query.psn_no)
    if query.fixmedins_code != context.envelope.fixmedins_code:
        raise RequestError("交易输入[data.fixmedins_code]与报文头[fixmedins_code]不一致")
    if query.med_type not in SUPPORTED_MED_TYPES:
        raise RequestError(f"交易输入[data.med_type]医疗类别[{query.med_type}]暂不支持待遇检查")
    if query.med_type == "14" and not query.dise_codg:
        raise RequestError("交易输入[data.dise_codg]不能为空")
    if query.med_type == "14" and (problem := local_code_problem(query.dise_codg, "data.dise_codg")):
        raise RequestError(problem)
    insurance = require_insurance(person, query.insutype)
    return {"trtinfo": [dump(_check(context, query, person, insurance))]}


def _check(
    context: HandlerContext, query: TreatmentQuery, person: PersonRecord, insurance: InsuranceRecord
) -> TrtInfo:
    decision = check_treatment(
        person=person,
        insurance=insurance,
        hospital=context.hospital,
        policy=context.backend.reference.policy(insurance.insuplc_admdvs),
        coverage=context.backend.reference.coverage,
        med_type=query.med_type,
        dise_codg=query.dise_codg,
        day=parse_datetime(query.begntime).date(),
    )
    return TrtInfo(
        psn_no=person.psn_no,
        trt_chk_type="01",  # 基金项检查
        fund_pay_type=_FUND_PAY_TYPES.get(insurance.insutype, insurance.insutype + "100"),
        trt_enjymnt_flag="1" if decision.entitled else "0",
        begndate=format_date(decision.begndate),
        enddate=format_date(decision.enddate),
        trt_chk_rslt=decision.reason,
    )


TRANSACTIONS = (Transaction("2001", "人员待遇享受检查", treatment_check),)
