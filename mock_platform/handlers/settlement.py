"""2206 门诊预结算, 2207 门诊结算, 2208 门诊结算撤销 (PROTOCOL.md §3.10-3.12a).

The rules are in `backend.settling` (checks and computation), `backend.settlements` (commit, refund, ordering)
and `backend.benefits`; this module parses the input and writes `setlinfo` + `setldetail`. 2206 commits
nothing; 2207 commits and adds `setl_id`, with `medins_setl_id` = the request msgid. 2208 accepts only the
most recent settlement in effect of its (psn_no, insutype, year) and answers the reversal: a new setl_id,
negated amounts, the account balance after the refund, and the cash field spelled `pdn_cash_pay` (PROTOCOL.md
§3.12a).
"""

from __future__ import annotations

from typing import Annotated, Any

from mock_platform._time import format_datetime
from mock_platform.backend.amounts import SettlementAmounts
from mock_platform.backend.settlements import NewSettlement
from mock_platform.backend.settling import SettlementQuery, compute_settlement
from mock_platform.errors import RequestError
from mock_platform.handlers._base import HandlerContext, Transaction, input_node, require_person
from mock_platform.handlers._setlinfo import setldetail, settlement_info
from mock_platform.wire import Amount, ExpContent, OptStr, Req, WireModel, dictionary

_FLAGS = ("0", "1")


class PreSettlementInput(WireModel):
    """2206 input `data`."""

    psn_no: Req
    mdtrt_cert_type: Annotated[Req, dictionary("mdtrt_cert_type", ("01", "02", "03"))]
    mdtrt_cert_no: OptStr = ""  # JX 2206 leaves it unmarked (PROTOCOL.md §3.10 ⚠)
    med_type: Req
    medfee_sumamt: Amount
    psn_setlway: Annotated[Req, dictionary("psn_setlway", ("01", "02"))]
    mdtrt_id: Req
    chrg_bchno: Req
    acct_used_flag: Annotated[Req, dictionary("acct_used_flag", _FLAGS)]
    insutype: Req
    card_sn: OptStr = ""
    psn_cert_type: OptStr = ""
    certno: OptStr = ""
    psn_type: OptStr = ""
    psn_name: OptStr = ""
    pub_hosp_rfom_flag: OptStr = ""
    exp_content: ExpContent


class SettlementInput(PreSettlementInput):
    """2207 input `data`: 2206's plus the split totals the hospital computed and the invoice number."""

    invono: OptStr = ""
    fulamt_ownpay_amt: Amount
    overlmt_selfpay: Amount
    preselfpay_amt: Amount
    inscp_scp_amt: Amount


class RefundInput(WireModel):
    """2208 input `data`."""

    setl_id: Req
    mdtrt_id: Req
    psn_no: Req
    exp_content: ExpContent


def _query(data: PreSettlementInput) -> SettlementQuery:
    declared = {}
    if isinstance(data, SettlementInput):
        declared = {
            "fulamt_ownpay_amt": data.fulamt_ownpay_amt,
            "overlmt_selfpay": data.overlmt_selfpay,
            "preselfpay_amt": data.preselfpay_amt,
            "inscp_scp_amt": data.inscp_scp_amt,
        }
    return SettlementQuery(
        psn_no=data.psn_no,
        mdtrt_id=data.mdtrt_id,
        chrg_bchno=data.chrg_bchno,
        med_type=data.med_type,
        insutype=data.insutype,
        acct_used_flag=data.acct_used_flag,
        medfee_sumamt=data.medfee_sumamt,
        declared=declared,
    )


def pre_settle(context: HandlerContext) -> dict[str, Any]:
    data = input_node(context, "data", PreSettlementInput)
    person = require_person(context, data.psn_no)
    computed = compute_settlement(context.backend, context.hospital, person, _query(data))
    amounts = SettlementAmounts.of(computed.benefit)
    info = settlement_info(
        visit=computed.visit,
        person=computed.person,
        insurance=computed.insurance,
        amounts=amounts,
        setl_id=None,
        setl_time=format_datetime(context.now),
        medins_setl_id=context.envelope.msgid,
    )
    return {"setlinfo": info, "setldetail": setldetail(amounts)}


def settle(context: HandlerContext) -> dict[str, Any]:
    data = input_node(context, "data", SettlementInput)
    person = require_person(context, data.psn_no)
    computed = compute_settlement(context.backend, context.hospital, person, _query(data))
    visit = computed.visit
    new = NewSettlement(
        mdtrt_id=visit.mdtrt_id,
        fixmedins_code=visit.fixmedins_code,
        chrg_bchno=data.chrg_bchno,
        med_type=data.med_type,
        dise_codg=computed.disease,
        msgid=context.envelope.msgid,
        infno="2207",
        clr_optins=visit.insuplc_admdvs,
    )
    record = context.backend.settlements.settle(visit, new, computed.benefit, computed.lines, now=context.now)
    info = settlement_info(
        visit=visit,
        person=computed.person,
        insurance=computed.insurance,
        amounts=record.amounts,
        setl_id=record.setl_id,
        setl_time=format_datetime(record.setl_time),
        medins_setl_id=record.msgid,
    )
    return {"setlinfo": info, "setldetail": setldetail(record.amounts)}


def refund(context: HandlerContext) -> dict[str, Any]:
    data = input_node(context, "data", RefundInput)
    person = require_person(context, data.psn_no)
    original = context.backend.settlements.get(data.setl_id)
    if original is None:
        raise RequestError(f"未找到结算信息[setl_id={data.setl_id}]")
    if original.mdtrt_id != data.mdtrt_id or original.psn_no != data.psn_no:
        raise RequestError(f"结算[{data.setl_id}]不属于就诊[{data.mdtrt_id}]或人员[{data.psn_no}]")
    if original.fixmedins_code != context.hospital.fixmedins_code:
        raise RequestError(f"结算[{data.setl_id}]不属于本定点医药机构")
    visit = context.backend.visits.get(original.mdtrt_id)
    insurance = person.insurance(original.insutype)
    assert visit is not None
    assert insurance is not None
    reversal = context.backend.settlements.refund(
        original, msgid=context.envelope.msgid, infno="2208", clr_optins=visit.insuplc_admdvs, now=context.now
    )
    info = settlement_info(
        visit=visit,
        person=person,
        insurance=insurance,
        amounts=reversal.amounts,
        setl_id=reversal.setl_id,
        setl_time=format_datetime(reversal.setl_time),
        medins_setl_id=reversal.msgid,
        cash_field="pdn_cash_pay",
    )
    return {"setlinfo": info, "setldetail": setldetail(reversal.amounts)}


TRANSACTIONS = (
    Transaction("2206", "门诊预结算", pre_settle, idempotent=True),
    Transaction("2207", "门诊结算", settle, changes_state=True, idempotent=True),
    Transaction("2208", "门诊结算撤销", refund, changes_state=True, idempotent=True),
)
