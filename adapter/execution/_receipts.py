"""Receipts from the platform's answers (not from the plan's estimate), now or later from the journal."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from .._display import CERT_TYPE_LABELS, mask_number
from .._errors import InputError
from .._lookup import Card
from ..planning import PlanBatch
from ..transactions._settlement import FundPayment as SettlementFund
from ..transactions._settlement import SettlementInfo
from ._journal_protocol import Journal
from ._records import BatchRecord, CallStatus, LineSplit, ReceiptHeader
from ._results import FundDetail, FundPayment, Prediction, Receipt, ReceiptLine

__all__ = ["funds_of", "prediction_of", "receipt_from_journal", "receipt_of"]

ZERO = Decimal("0.00")

# Fields ending in _pay that are not a fund: the patient's own shares (门诊共济 is a family account).
_NOT_FUNDS = frozenset({"acct_pay", "acct_mulaid_pay", "psn_cash_pay", "pdn_cash_pay"})


def prediction_of(info: SettlementInfo, details: Sequence[SettlementFund] = ()) -> Prediction:
    """Every amount of a 2206/2207 answer, each fund and each setldetail row included."""

    def amount(value: Decimal | None) -> Decimal:
        return value if value is not None else ZERO

    return Prediction(
        medfee_sumamt=info.medfee_sumamt,
        fulamt_ownpay_amt=amount(info.fulamt_ownpay_amt),
        overlmt_selfpay=amount(info.overlmt_selfpay),
        preselfpay_amt=amount(info.preselfpay_amt),
        inscp_scp_amt=amount(info.inscp_scp_amt),
        act_pay_dedc=amount(info.act_pay_dedc),
        fund_pay_sumamt=info.fund_pay_sumamt,
        psn_part_amt=info.psn_part_amt,
        acct_pay=info.acct_pay,
        psn_cash_pay=info.psn_cash_pay,
        balc=info.balc,
        hosp_part_amt=amount(info.hosp_part_amt),
        acct_mulaid_pay=amount(info.acct_mulaid_pay),
        **info.fund_amounts(),
        fund_details=tuple(
            FundDetail(
                fund_pay_type=row.fund_pay_type,
                fund_pay_type_name=row.fund_pay_type_name,
                fund_payamt=row.fund_payamt,
                inscp_scp_amt=row.inscp_scp_amt,
                crt_payb_lmt_amt=row.crt_payb_lmt_amt,
                setl_proc_info=row.setl_proc_info,
            )
            for row in details
        ),
    )


def funds_of(info: SettlementInfo) -> tuple[FundPayment, ...]:
    """Every fund that paid: each ``*_pay`` field of the answer (declared or extra) with an amount."""
    values: dict[str, object] = {name: getattr(info, name) for name in type(info).model_fields}
    values.update(info.model_extra or {})
    funds = []
    for name, value in values.items():
        if not name.endswith("_pay") or name in _NOT_FUNDS:
            continue
        amount = _decimal(value)
        if amount:
            funds.append(FundPayment(field=name, amount=amount))
    return tuple(funds)


def _decimal(value: object) -> Decimal | None:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | str) and not isinstance(value, bool):
        try:
            return Decimal(value)
        except ArithmeticError:
            return None
    return None


def receipt_of(
    header: ReceiptHeader,
    batch: PlanBatch,
    record: BatchRecord,
    info: SettlementInfo,
    splits: Sequence[LineSplit],
    details: Sequence[SettlementFund] = (),
) -> Receipt:
    """The receipt of a settled batch: lines as the platform split them (2204), the plan's where it did not.

    The one way a receipt is built, right after settling and from the journal alike, so both print the same.
    """
    by_sn = {split.feedetl_sn: split for split in splits}
    lines = []
    for line in batch.lines:
        result = by_sn.get(line.feedetl_sn)
        lines.append(
            ReceiptLine(
                feedetl_sn=line.feedetl_sn,
                name=line.medins_list_name,
                chrgitm_lv=result.chrgitm_lv if result else line.chrgitm_lv,
                det_item_fee_sumamt=line.det_item_fee_sumamt,
                fulamt_ownpay_amt=_or(result.fulamt_ownpay_amt if result else None, line.fulamt_ownpay_amt),
                overlmt_amt=_or(result.overlmt_amt if result else None, line.overlmt_amt),
                preselfpay_amt=_or(result.preselfpay_amt if result else None, line.preselfpay_amt),
                inscp_scp_amt=_or(result.inscp_scp_amt if result else None, line.inscp_scp_amt),
            )
        )
    return Receipt(
        receipt_category=batch.receipt_category,
        fixmedins_code=header.fixmedins_code,
        fixmedins_name=header.fixmedins_name,
        ipt_otp_no=header.ipt_otp_no,
        psn_name_masked=header.psn_name_masked,
        insured_place=header.insured_place,
        insutype=header.insutype,
        med_type=batch.med_type,
        dise_codg=batch.dise_codg,
        dise_name=batch.dise_name,
        chrg_bchno=record.chrg_bchno,
        mdtrt_id=info.mdtrt_id or record.mdtrt_id,
        setl_id=info.setl_id,
        setl_time=info.setl_time,
        medins_setl_id=info.medins_setl_id,
        lines=tuple(lines),
        amounts=prediction_of(info, details),
        funds=funds_of(info),
        masked_cert=_masked_credential(record.card),
    )


def _masked_credential(card: Card | None) -> str:
    """The credential as a receipt prints it: its type and the last four characters of its number.

    A 医保电子凭证's number is a one-time token (ecToken), nothing the patient knows: only the type is
    printed. A batch whose credential was purged (past the refund window) prints none.
    """
    if card is None:
        return ""
    label = CERT_TYPE_LABELS.get(card.mdtrt_cert_type, card.mdtrt_cert_type)
    if card.mdtrt_cert_type == "01":
        return label
    number = card.card_sn if card.mdtrt_cert_type == "03" else card.mdtrt_cert_no
    return f"{label} {mask_number(number)}" if number else ""


def receipt_from_journal(journal: Journal, setl_id: str) -> Receipt:
    """The receipt of a settlement the journal holds, rebuilt from its recorded 2204 and 2207 answers.

    A batch journaled before schema 6 kept no 2204 split: its lines print the plan's split.
    """
    settlement = journal.settlement(setl_id)
    if settlement is None:
        raise InputError(f"settlement {setl_id} is not in the journal", where="setl_id")
    record = journal.batch(settlement.batch_id)
    found = None
    for call in journal.calls(record.id):
        answer = call.detail.setlinfo if call.infno == "2207" else None
        if call.status == CallStatus.OK and answer is not None and answer.setl_id == setl_id:
            found = call.detail
    if found is None or found.setlinfo is None:
        raise InputError(f"settlement {setl_id} has no recorded answer in the journal", where="setl_id")
    info, details = found.setlinfo, found.setldetail
    return receipt_of(record.header, record.plan_batch, record, info, record.fee_split, details)


def _or(value: Decimal | None, fallback: Decimal) -> Decimal:
    return value if value is not None else fallback
