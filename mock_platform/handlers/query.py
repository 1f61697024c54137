"""Queries: 5201 就诊信息, 5203 结算信息, 5204 费用明细, 5206 人员累计信息 (PROTOCOL.md §3.14).

* 5201: the person's visits (not revoked) whose visit time lies in [begntime, endtime] and whose med_type is
  the one asked (a visit without 2203 has no med_type and is not listed); `mdtrt_id` narrows to one visit.
* 5203: `setlinfo` (5203 spellings `psn_pay`, `cash_payamt`; `refd_setl_flag` 1 for a refund record; `year`)
  and `setldetail` of a settlement or of a refund record.
* 5204: the fee details of a settlement — **an array directly under `output`** (HS reads it as a list); for a
  refund record its original's lines with negated quantities and amounts; without setl_id, the visit's details
  in effect.
* 5206: `cuminfo[]` for the year of `cum_ym` (default: the current month), each total through that month; the
  cum_type_codes are documented in `backend.accumulators`.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from mock_platform._money import ZERO, count4, negated, price6, ratio4, round2
from mock_platform._time import format_datetime, parse_datetime
from mock_platform.backend import accumulators
from mock_platform.backend.fees import FeeLine
from mock_platform.backend.people import PersonRecord
from mock_platform.backend.settlements import SettlementRecord
from mock_platform.backend.visits import Visit
from mock_platform.errors import RequestError
from mock_platform.handlers._base import HandlerContext, Transaction, input_node, require_person
from mock_platform.handlers._setlinfo import person_block, query_info, setldetail
from mock_platform.wire import ExpContent, OptStr, Req, ReqDateTime, WireModel


class VisitQuery(WireModel):
    psn_no: Req
    begntime: ReqDateTime
    endtime: ReqDateTime
    med_type: Req
    mdtrt_id: OptStr = ""
    exp_content: ExpContent


class SettlementLookup(WireModel):
    psn_no: Req
    setl_id: Req
    mdtrt_id: Req
    exp_content: ExpContent


class DetailLookup(WireModel):
    psn_no: Req
    setl_id: OptStr = ""  # JX optional; HN required since 2021-09 (PROTOCOL.md §3.14)
    mdtrt_id: Req
    exp_content: ExpContent


class AccumulatorQuery(WireModel):
    psn_no: Req
    cum_ym: OptStr = ""
    exp_content: ExpContent


# 5201 fields the mock has no value for (outpatient visits: no bed, discharge, birth or operation data).
VISIT_TEXT_FIELDS = (
    *("coner_name", "tel", "maf_psn_flag", "flxempe_flag", "nwb_flag", "ars_year_ipt_flag", "pre_pay_flag"),
    *("medrcdno", "chfpdr_name", "adm_bed", "dscg_maindiag_code", "dscg_maindiag_name", "dscg_dept_codg"),
    *(
        "dscg_dept_name",
        "dscg_bed",
        "dscg_way",
        "oprn_oprt_code",
        "oprn_oprt_name",
        "inhosp_stas",
        "die_date",
    ),
    *("fpsc_no", "matn_type", "birctrl_type", "latechb_flag", "pret_flag", "birctrl_matn_date", "cop_flag"),
    *("opter_id", "opter_name", "memo"),
)


def visits(context: HandlerContext) -> dict[str, Any]:
    query = input_node(context, "data", VisitQuery)
    person = require_person(context, query.psn_no)
    found = context.backend.visits.of_person(
        person.psn_no, parse_datetime(query.begntime), parse_datetime(query.endtime)
    )
    rows = [
        _visit_row(context, person, visit)
        for visit in found
        if visit.med_type == query.med_type and (not query.mdtrt_id or visit.mdtrt_id == query.mdtrt_id)
    ]
    return {"mdtrtinfo": rows}


def _visit_row(context: HandlerContext, person: PersonRecord, visit: Visit) -> dict[str, Any]:
    insurance = person.insurance(visit.insutype)
    assert insurance is not None
    block = person_block(person, insurance, visit.begntime.date())
    diagnoses = [d for d in context.backend.visits.diagnoses(visit.mdtrt_id) if d["vali_flag"] == "1"]
    row: dict[str, Any] = {"mdtrt_id": visit.mdtrt_id, **block}
    row |= dict.fromkeys(VISIT_TEXT_FIELDS, "")
    row |= {
        "insu_optins": insurance.insuplc_admdvs,
        "emp_name": insurance.emp_name,
        "begntime": format_datetime(visit.begntime),
        "endtime": format_datetime(visit.begntime),
        "mdtrt_cert_type": visit.mdtrt_cert_type,
        "med_type": visit.med_type,
        "ipt_otp_no": visit.ipt_otp_no,
        "atddr_no": visit.atddr_no,
        "adm_dept_codg": visit.dept_code,
        "adm_dept_name": visit.dept_name,
        "main_cond_dscr": visit.main_cond_dscr or "",
        "dise_codg": visit.dise_codg or "",
        "dise_name": visit.dise_name or "",
        "otp_diag_info": "；".join(f"{d['diag_code']} {d['diag_name']}" for d in diagnoses),
        "ipt_days": 0,
        "geso_val": 0,
        "fetts": 0,
        "fetus_cnt": 0,
        "opt_time": format_datetime(visit.created_at),
    }
    return row


def _settlement(context: HandlerContext, psn_no: str, setl_id: str, mdtrt_id: str) -> SettlementRecord:
    record = context.backend.settlements.get(setl_id)
    if record is None or record.psn_no != psn_no or record.mdtrt_id != mdtrt_id:
        raise RequestError(f"未找到结算信息[setl_id={setl_id}]")
    return record


def settlement(context: HandlerContext) -> dict[str, Any]:
    query = input_node(context, "data", SettlementLookup)
    person = require_person(context, query.psn_no)
    record = _settlement(context, query.psn_no, query.setl_id, query.mdtrt_id)
    visit = context.backend.visits.get(record.mdtrt_id)
    insurance = person.insurance(record.insutype)
    assert visit is not None
    assert insurance is not None
    hospital = context.backend.reference.hospital(record.fixmedins_code)
    info = query_info(record=record, visit=visit, person=person, insurance=insurance, hospital=hospital)
    return {"setlinfo": info, "setldetail": setldetail(record.amounts)}


def fee_details(context: HandlerContext) -> list[Any]:
    query = input_node(context, "data", DetailLookup)
    require_person(context, query.psn_no)
    visit = context.backend.visits.get(query.mdtrt_id)
    if visit is None or visit.psn_no != query.psn_no:
        raise RequestError(f"未找到就诊信息[mdtrt_id={query.mdtrt_id}]")
    if not query.setl_id:
        lines = context.backend.fees.in_effect(visit.mdtrt_id)
        return [_detail_row(visit, line, line.setl_id or "", sign=1) for line in lines]
    record = _settlement(context, query.psn_no, query.setl_id, query.mdtrt_id)
    original = record.original_setl_id or record.setl_id
    sign = -1 if record.kind == "reversal" else 1
    return [
        _detail_row(visit, line, record.setl_id, sign=sign)
        for line in context.backend.fees.of_settlement(original)
    ]


def _detail_row(visit: Visit, line: FeeLine, setl_id: str, *, sign: int) -> dict[str, Any]:
    upload, priced, split = line.upload, line.priced, line.priced.split
    extra = upload.extra
    row: dict[str, Any] = {
        "mdtrt_id": visit.mdtrt_id,
        "setl_id": setl_id,
        "feedetl_sn": upload.feedetl_sn,
        "rx_drord_no": extra.get("rxno", ""),
        "med_type": visit.med_type or "",
        "fee_ocur_time": upload.fee_ocur_time,
        "cnt": count4(negated(upload.cnt, sign)),
        "pric": price6(upload.pric),
        "sin_dos_dscr": extra.get("sin_dos_dscr", ""),
        "used_frqu_dscr": extra.get("used_frqu_dscr", ""),
        "prd_days": Decimal(extra["prd_days"]) if extra.get("prd_days") else ZERO,
        "medc_way_dscr": extra.get("medc_way_dscr", ""),
        "det_item_fee_sumamt": round2(negated(split.det_item_fee_sumamt, sign)),
        "pric_uplmt_amt": price6(split.pric_uplmt_amt or Decimal(0)),
        "selfpay_prop": ratio4(split.selfpay_prop),
        "fulamt_ownpay_amt": round2(negated(split.fulamt_ownpay_amt, sign)),
        "overlmt_amt": round2(negated(split.overlmt_amt, sign)),
        "preselfpay_amt": round2(negated(split.preselfpay_amt, sign)),
        "inscp_scp_amt": round2(negated(split.inscp_scp_amt, sign)),
        "chrgitm_lv": split.chrgitm_lv,
        "hilist_code": upload.med_list_codg,
        "hilist_name": priced.hilist_name,
        "list_type": priced.list_type,
        "med_list_codg": upload.med_list_codg,
        "medins_list_codg": upload.medins_list_codg,
        "medins_list_name": priced.medins_list_name,
        "med_chrgitm_type": priced.med_chrgitm_type,
        "prodname": "",
        "spec": "",
        "dosform_name": "",
    }
    for name in (
        "bilg_dept_codg",
        "bilg_dept_name",
        "bilg_dr_codg",
        "bilg_dr_name",
        "acord_dept_codg",
        "acord_dept_name",
        "orders_dr_code",
        "orders_dr_name",
    ):
        row[name] = extra.get(name, "")
    row |= {
        "lmt_used_flag": split.lmt_used_flag,
        "hosp_prep_flag": "0",
        "hosp_appr_flag": upload.hosp_appr_flag,
        "tcmdrug_used_way": extra.get("tcmdrug_used_way", ""),
        "prodplac_type": "",
        "bas_medn_flag": "0",
        "hi_nego_drug_flag": "0",
        "chld_medc_flag": "0",
        "etip_flag": extra.get("etip_flag", ""),
        "etip_hosp_code": extra.get("etip_hosp_code", ""),
        "dscg_tkdrug_flag": extra.get("dscg_tkdrug_flag", ""),
        "list_sp_item_flag": "0",
        "matn_fee_flag": extra.get("matn_fee_flag", ""),
        "drt_reim_flag": "0",
        "memo": split.memo,
        "opter_id": "",
        "opter_name": "",
        "opt_time": upload.fee_ocur_time,
    }
    return row


def accumulated(context: HandlerContext) -> dict[str, Any]:
    query = input_node(context, "data", AccumulatorQuery)
    person = require_person(context, query.psn_no)
    cum_ym = query.cum_ym or f"{context.now:%Y%m}"
    if not re.fullmatch(r"\d{4}(0[1-9]|1[0-2])", cum_ym):
        raise RequestError("交易输入[data.cum_ym]格式错误，应为yyyyMM")
    with context.backend.store.joined() as connection:
        rows = accumulators.year_to_date(connection, person.psn_no, int(cum_ym[:4]), cum_ym)
    for row in rows:
        amount = row["cum"]
        assert isinstance(amount, Decimal)
        row["cum"] = round2(amount)
    return {"cuminfo": rows}


TRANSACTIONS = (
    Transaction("5201", "就诊信息查询", visits),
    Transaction("5203", "结算信息查询", settlement),
    Transaction("5204", "费用明细查询", fee_details),
    Transaction("5206", "人员累计信息查询", accumulated),
)
