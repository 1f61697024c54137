"""What each transaction's handler answers in `output` (PROTOCOL.md §3), as models for `/openapi.json`.

Where a handler already builds its answer with a model (9001/9002, 1101, 5301, 2001, 2201, 2503) that model is
used; the others build their answer as a dict with the field names of `_setlinfo`, `fee` and `query`, and
are described here from the same names (imported where a handler keeps them in a constant). A transaction
without an entry in `OUTPUTS` (one added later) is still described, as an object only.
tests/mock_platform/test_openapi.py validates the real answers of a run of every transaction against the
schemas, so a handler that answers otherwise than described here fails it.

Amounts are JSON numbers (the codec writes a Decimal's digits as a number): `Number` says so in the schema.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, WithJsonSchema, create_model

from mock_platform.handlers._setlinfo import OTHER_FUNDS
from mock_platform.handlers.filing import FilingResult
from mock_platform.handlers.person import FilingRow, PersonInfo
from mock_platform.handlers.query import VISIT_TEXT_FIELDS
from mock_platform.handlers.signin import SignInOutput, SignOutOutput
from mock_platform.handlers.treatment import TrtInfo
from mock_platform.handlers.visit import RegistrationOutput

Number = Annotated[Decimal, WithJsonSchema({"type": "number"})]
OptNumber = Annotated[Decimal | None, WithJsonSchema({"type": ["number", "null"]})]


class Described(BaseModel):
    """An answer block: every field listed is always sent; no other field is."""

    model_config = ConfigDict(extra="forbid")


def _block(name: str, doc: str, **fields: Any) -> type[Described]:
    definitions: dict[str, Any] = {key: (kind, ...) for key, kind in fields.items()}
    return create_model(name, __base__=Described, __doc__=doc, **definitions)


def _texts(*names: str) -> dict[str, Any]:
    return dict.fromkeys(names, str)


def _numbers(*names: str) -> dict[str, Any]:
    return dict.fromkeys(names, Number)


class Empty(Described):
    """An empty `output` ({}): the call's effect is its infcode."""


_PERSON = {
    **_texts("psn_no", "psn_name", "psn_cert_type", "certno", "gend", "naty", "brdy"),
    "age": Number,
    **_texts("insutype", "psn_type", "cvlserv_flag"),
}
_MONEY = {
    **_numbers("medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt"),
    **_numbers("act_pay_dedc", "hifp_pay", "pool_prop_selfpay", *OTHER_FUNDS, "fund_pay_sumamt"),
    **_numbers("psn_part_amt", "acct_pay", "psn_cash_pay", "hosp_part_amt", "balc", "acct_mulaid_pay"),
}
_SETTLED = {
    "mdtrt_id": str,
    **_PERSON,
    **_texts("setl_time", "mdtrt_cert_type", "med_type"),
    **_MONEY,
    **_texts("medins_setl_id", "clr_optins", "clr_way", "clr_type"),
    "hifdm_pay": Number,
    "exp_content": str,
}

PreSettlementInfo = _block(
    "PreSettlementInfo", "2206 `setlinfo` (PROTOCOL.md §3.12a): no setl_id.", **_SETTLED
)
SettlementInfo = _block("SettlementInfo", "2207 `setlinfo` (§3.12a).", setl_id=str, **_SETTLED)
RefundInfo = _block(
    "RefundInfo",
    "2208 `setlinfo` (§3.12a): negated amounts, the cash spelled `pdn_cash_pay` (the national text's typo).",
    setl_id=str,
    **{("pdn_cash_pay" if key == "psn_cash_pay" else key): kind for key, kind in _SETTLED.items()},
)
SettlementDetail = _block(
    "SettlementDetail",
    "A `setldetail` row: one fund that paid; crt_payb_lmt_amt null when nothing limits it.",
    fund_pay_type=str,
    inscp_scp_amt=Number,
    crt_payb_lmt_amt=OptNumber,
    fund_payamt=Number,
    fund_pay_type_name=str,
    setl_proc_info=str,
)
FeeResult = _block(
    "FeeResult",
    "A 2204 `result` row (§3.8): the line's split by the place of care's catalogue.",
    feedetl_sn=str,
    **_numbers("det_item_fee_sumamt", "cnt", "pric", "pric_uplmt_amt", "selfpay_prop"),
    **_numbers("fulamt_ownpay_amt", "overlmt_amt", "preselfpay_amt", "inscp_scp_amt"),
    **_texts("chrgitm_lv", "med_chrgitm_type", "bas_medn_flag", "hi_nego_drug_flag", "chld_medc_flag"),
    **_texts("list_sp_item_flag", "lmt_used_flag", "drt_reim_flag", "memo"),
)
VisitRow = _block(
    "VisitRow",
    "A 5201 `mdtrtinfo` row (§3.14).",
    mdtrt_id=str,
    **_PERSON,
    **_texts(*VISIT_TEXT_FIELDS, "insu_optins", "emp_name", "begntime", "endtime", "mdtrt_cert_type"),
    **_texts("med_type", "ipt_otp_no", "atddr_no", "adm_dept_codg", "adm_dept_name", "main_cond_dscr"),
    **_texts("dise_codg", "dise_name", "otp_diag_info"),
    **dict.fromkeys(("ipt_days", "geso_val", "fetts", "fetus_cnt"), int),
    opt_time=str,
)
_QUERY_MONEY = {key: kind for key, kind in _MONEY.items() if key not in ("psn_part_amt", "psn_cash_pay")}
SettlementRecordInfo = _block(
    "SettlementRecordInfo",
    "5203 `setlinfo` (§3.14): psn_pay and cash_payamt instead of psn_part_amt and psn_cash_pay.",
    setl_id=str,
    mdtrt_id=str,
    **_PERSON,
    **_texts("flxempe_flag", "nwb_flag", "insu_optins", "emp_name", "pay_loc", "fixmedins_code"),
    **_texts("fixmedins_name", "hosp_lv", "fixmedins_poolarea", "lmtpric_hosp_lv", "dedc_hosp_lv"),
    **_texts("begndate", "enddate", "setl_time", "mdtrt_cert_type", "med_type", "clr_type", "clr_way"),
    clr_optins=str,
    **{key: kind for key, kind in _QUERY_MONEY.items() if key != "hosp_part_amt"},
    **_numbers("psn_pay", "cash_payamt"),
    **_texts("medins_setl_id", "refd_setl_flag", "year", "dise_codg", "dise_name", "invono", "opter_id"),
    **_texts("opter_name", "opt_time"),
)
FeeDetailRow = _block(
    "FeeDetailRow",
    "A 5204 row (§3.14), negated for a refund's lines.",
    **_texts("mdtrt_id", "setl_id", "feedetl_sn", "rx_drord_no", "med_type", "fee_ocur_time"),
    **_numbers("cnt", "pric"),
    **_texts("sin_dos_dscr", "used_frqu_dscr"),
    prd_days=Number,
    medc_way_dscr=str,
    **_numbers("det_item_fee_sumamt", "pric_uplmt_amt", "selfpay_prop", "fulamt_ownpay_amt", "overlmt_amt"),
    **_numbers("preselfpay_amt", "inscp_scp_amt"),
    **_texts("chrgitm_lv", "hilist_code", "hilist_name", "list_type", "med_list_codg", "medins_list_codg"),
    **_texts("medins_list_name", "med_chrgitm_type", "prodname", "spec", "dosform_name", "bilg_dept_codg"),
    **_texts("bilg_dept_name", "bilg_dr_codg", "bilg_dr_name", "acord_dept_codg", "acord_dept_name"),
    **_texts("orders_dr_code", "orders_dr_name", "lmt_used_flag", "hosp_prep_flag", "hosp_appr_flag"),
    **_texts("tcmdrug_used_way", "prodplac_type", "bas_medn_flag", "hi_nego_drug_flag", "chld_medc_flag"),
    **_texts("etip_flag", "etip_hosp_code", "dscg_tkdrug_flag", "list_sp_item_flag", "matn_fee_flag"),
    **_texts("drt_reim_flag", "memo", "opter_id", "opter_name", "opt_time"),
)
Accumulator = _block(
    "Accumulator",
    "A 5206 `cuminfo` row: the year's total through cum_ym.",
    **_texts("insutype", "year", "cum_ym", "cum_type_code"),
    cum=Number,
)
StatementResult = _block(
    "StatementResult", "3201 `stmtinfo` (§3.15).", **_texts("setl_optins", "stmt_rslt", "stmt_rslt_dscr")
)
ResultFile = _block(
    "ResultFile",
    "3202 `fileinfo`: the result file to fetch with 9102.",
    **_texts("file_qury_no", "filename", "dld_endtime"),
)
UploadedFile = _block(
    "UploadedFile",
    "9101's answer: the stored file's number for 3202/9102.",
    **_texts("file_qury_no", "filename", "fixmedins_code", "dld_endtime"),
)


def _rows(model: type[Described]) -> Any:
    """`list[model]` for a model built at run time (a type checker cannot read it as a type)."""
    return list.__class_getitem__(model)


def _nodes(name: str, doc: str, **nodes: Any) -> type[Described]:
    return _block(name, doc, **nodes)


# infno -> the model of its whole `output` (5204's is an array, `list[...]`).
OUTPUTS: Mapping[str, Any] = {
    "9001": _nodes("SignInAnswer", "9001 output.", signinoutb=SignInOutput),
    "9002": _nodes("SignOutAnswer", "9002 output.", signoutoutb=SignOutOutput),
    "1101": PersonInfo,
    "5301": _nodes("FilingAnswer", "5301 output: `feedetail` is an array.", feedetail=list[FilingRow]),
    "2001": _nodes("TreatmentAnswer", "2001 output.", trtinfo=list[TrtInfo]),
    "2503": _nodes("FilingMadeAnswer", "2503 output.", result=FilingResult),
    "2504": Empty,
    "2201": _nodes("RegistrationAnswer", "2201 output.", data=RegistrationOutput),
    "2202": Empty,
    "2203": Empty,
    "2204": _nodes("FeeUploadAnswer", "2204 output.", result=_rows(FeeResult)),
    "2205": Empty,
    "2206": _nodes(
        "PreSettlementAnswer", "2206 output.", setlinfo=PreSettlementInfo, setldetail=_rows(SettlementDetail)
    ),
    "2207": _nodes(
        "SettlementAnswer", "2207 output.", setlinfo=SettlementInfo, setldetail=_rows(SettlementDetail)
    ),
    "2208": _nodes("RefundAnswer", "2208 output.", setlinfo=RefundInfo, setldetail=_rows(SettlementDetail)),
    "2601": Empty,
    "5201": _nodes("VisitAnswer", "5201 output.", mdtrtinfo=_rows(VisitRow)),
    "5203": _nodes(
        "SettlementRecordAnswer",
        "5203 output.",
        setlinfo=SettlementRecordInfo,
        setldetail=_rows(SettlementDetail),
    ),
    "5204": _rows(FeeDetailRow),
    "5206": _nodes("AccumulatorAnswer", "5206 output.", cuminfo=_rows(Accumulator)),
    "3201": _nodes("StatementAnswer", "3201 output.", stmtinfo=StatementResult),
    "3202": _nodes("DetailStatementAnswer", "3202 output.", fileinfo=ResultFile),
    "9101": UploadedFile,
    "4205": Empty,
    "4203": Empty,
}
# 9102 answers the file's bytes, not an envelope (PROTOCOL.md §1.1).
FILE_ANSWERS = frozenset({"9102"})
