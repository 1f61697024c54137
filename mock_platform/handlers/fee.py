"""2204 门诊费用明细信息上传 and 2205 门诊费用明细信息撤销 (PROTOCOL.md §3.8, §3.9); rules in `backend.fees`.

2204 answers `result[]`, one row per line, with the place of care's split (DOMAIN.md §2.2) and the catalogue
attributes it used; `chrgitm_lv` is sent as `01`/`02`/`03` (HN and live data, PROTOCOL.md §4 ⚠). All rows of
one call must belong to one visit (one call may hold several batches).
"""

from __future__ import annotations

from decimal import Decimal
from operator import attrgetter
from typing import Annotated, Any

from pydantic import ValidationError

from mock_platform._money import count4, price6, ratio4, round2
from mock_platform.backend.eligibility import local_code_problem
from mock_platform.backend.fees import FeeUpload, PricedLine, check_batches, price_lines
from mock_platform.errors import RequestError
from mock_platform.handlers._base import HandlerContext, Transaction, input_node, require_person
from mock_platform.wire import (
    Amount,
    ExpContent,
    OptNumber,
    OptStr,
    Quantity,
    Req,
    ReqDateTime,
    UnitPrice,
    WireModel,
    describe,
    dictionary,
)

_FLAGS = ("0", "1")


class FeeDetailInput(WireModel):
    """2204 `feedetail[]` row (PROTOCOL.md §3.8)."""

    feedetl_sn: Req
    mdtrt_id: Req
    psn_no: Req
    chrg_bchno: Req
    dise_codg: OptStr = ""
    rxno: OptStr = ""
    rx_circ_flag: Annotated[Req, dictionary("rx_circ_flag", _FLAGS)]
    fee_ocur_time: ReqDateTime
    med_list_codg: Req
    medins_list_codg: Req
    det_item_fee_sumamt: Amount
    cnt: Quantity
    pric: UnitPrice
    sin_dos_dscr: OptStr = ""
    used_frqu_dscr: OptStr = ""
    prd_days: OptNumber = None  # N4,2
    medc_way_dscr: OptStr = ""
    bilg_dept_codg: Req
    bilg_dept_name: Req
    bilg_dr_codg: Req
    bilg_dr_name: Req
    acord_dept_codg: OptStr = ""
    acord_dept_name: OptStr = ""
    orders_dr_code: OptStr = ""
    orders_dr_name: OptStr = ""
    hosp_appr_flag: Annotated[Req, dictionary("hosp_appr_flag", ("0", "1", "2"))]
    tcmdrug_used_way: OptStr = ""
    etip_flag: OptStr = ""
    etip_hosp_code: OptStr = ""
    dscg_tkdrug_flag: OptStr = ""
    matn_fee_flag: OptStr = ""
    memo: OptStr = ""
    comb_no: OptStr = ""
    exp_content: ExpContent


class RevokeInput(WireModel):
    """2205 input `data`; chrg_bchno "0000" = every unsettled detail of the visit."""

    mdtrt_id: Req
    chrg_bchno: Req
    psn_no: Req
    exp_content: ExpContent


_EXTRA_FIELDS = (
    "rxno",
    "rx_circ_flag",
    "sin_dos_dscr",
    "used_frqu_dscr",
    "medc_way_dscr",
    "bilg_dept_codg",
    "bilg_dept_name",
    "bilg_dr_codg",
    "bilg_dr_name",
    "acord_dept_codg",
    "acord_dept_name",
    "orders_dr_code",
    "orders_dr_name",
    "tcmdrug_used_way",
    "etip_flag",
    "etip_hosp_code",
    "dscg_tkdrug_flag",
    "matn_fee_flag",
    "memo",
)
_extra_values = attrgetter(*_EXTRA_FIELDS)  # in one C call: a fee line is read once per row


def upload_fees(context: HandlerContext) -> dict[str, Any]:
    rows = _rows(context)
    first = rows[0]
    if any(row.mdtrt_id != first.mdtrt_id or row.psn_no != first.psn_no for row in rows):
        raise RequestError("同一次上传的费用明细必须属于同一就诊（mdtrt_id、psn_no一致）")
    require_person(context, first.psn_no)
    visit = context.backend.visits.require(first.mdtrt_id, first.psn_no)
    uploads = [_upload(row) for row in rows]
    check_batches(uploads, context.backend.fees.in_effect(visit.mdtrt_id))
    priced = price_lines(uploads, context.hospital, context.backend.reference)
    context.backend.fees.upload(
        visit.mdtrt_id,
        visit.psn_no,
        list(zip(uploads, priced, strict=True)),
        msgid=context.envelope.msgid,
        now=context.now,
    )
    return {"result": [result_row(upload, line) for upload, line in zip(uploads, priced, strict=True)]}


def _rows(context: HandlerContext) -> list[FeeDetailInput]:
    raw: Any = context.envelope.input.get("feedetail")
    if raw is None:
        raise RequestError("交易输入[feedetail]不能为空")
    if not isinstance(raw, list):
        raise RequestError("交易输入[feedetail]类型错误，应为JSON数组")
    if not raw:
        raise RequestError("交易输入[feedetail]不能为空")
    rows = []
    for index, row in enumerate(raw):
        try:
            rows.append(FeeDetailInput.model_validate(row))
        except ValidationError as exc:
            raise RequestError(describe(exc, "交易输入", prefix=f"feedetail[{index}].")) from exc
        code = rows[-1].dise_codg
        if code and (problem := local_code_problem(code, f"feedetail[{index}].dise_codg")):
            raise RequestError(problem)  # a chronic batch carries a national code (seed 002 二(二))
    return rows


def _upload(row: FeeDetailInput) -> FeeUpload:
    extra: dict[str, Any] = dict(zip(_EXTRA_FIELDS, _extra_values(row), strict=True))
    extra["prd_days"] = None if row.prd_days is None else str(row.prd_days)
    return FeeUpload(
        feedetl_sn=row.feedetl_sn,
        chrg_bchno=row.chrg_bchno,
        dise_codg=row.dise_codg,
        fee_ocur_time=row.fee_ocur_time,
        med_list_codg=row.med_list_codg,
        medins_list_codg=row.medins_list_codg,
        hosp_appr_flag=row.hosp_appr_flag,
        cnt=row.cnt,
        pric=row.pric,
        det_item_fee_sumamt=row.det_item_fee_sumamt,
        extra=extra,
    )


def result_row(upload: FeeUpload, line: PricedLine) -> dict[str, Any]:
    """One 2204 `result` row (PROTOCOL.md §3.8 output), amounts at their wire precision."""
    split = line.split
    return {
        "feedetl_sn": upload.feedetl_sn,
        "det_item_fee_sumamt": round2(split.det_item_fee_sumamt),
        "cnt": count4(upload.cnt),
        "pric": price6(upload.pric),
        "pric_uplmt_amt": price6(split.pric_uplmt_amt or Decimal(0)),  # 0 = no cap (§1.6: empty number is 0)
        "selfpay_prop": ratio4(split.selfpay_prop),
        "fulamt_ownpay_amt": split.fulamt_ownpay_amt,
        "overlmt_amt": split.overlmt_amt,
        "preselfpay_amt": split.preselfpay_amt,
        "inscp_scp_amt": split.inscp_scp_amt,
        "chrgitm_lv": split.chrgitm_lv,
        "med_chrgitm_type": line.med_chrgitm_type,
        "bas_medn_flag": "0",
        "hi_nego_drug_flag": "0",
        "chld_medc_flag": "0",
        "list_sp_item_flag": "0",
        "lmt_used_flag": split.lmt_used_flag,
        "drt_reim_flag": "0",
        "memo": split.memo,
    }


def revoke_fees(context: HandlerContext) -> dict[str, Any]:
    data = input_node(context, "data", RevokeInput)
    require_person(context, data.psn_no)
    visit = context.backend.visits.require(data.mdtrt_id, data.psn_no)
    context.backend.fees.revoke(visit.mdtrt_id, data.chrg_bchno, now=context.now)
    return {}


TRANSACTIONS = (
    Transaction("2204", "门诊费用明细信息上传", upload_fees, changes_state=True, idempotent=True),
    Transaction("2205", "门诊费用明细信息撤销", revoke_fees, changes_state=True, idempotent=True),
)
