"""Filing a chronic disease (2503) and revoking a filing (2504), journaled like every state-changing call.

Before the call its intent is durable (msgid, infno and every field of the request but ``tel``/``addr``, so
the very same request can be sent again); after it, the outcome (2503: the 待遇申报明细流水号). An answer
lost in between leaves the call open, and ``recover_filings`` sends it again under its *own* msgid: the
platform answers a msgid it processed with the answer it stored and processes one it never saw (PROTOCOL.md
§6.2, STYLE.md §4), so exactly one filing exists and is known. ``file_disease`` and ``revoke_filing``
resolve open calls first, so trying again after a lost answer never files twice. A refusal
(``PlatformError``) propagates: nothing was done.

Who may file is the insured place's rule, applied by the platform (seed 000 二(一): 二级 and above; Wuhai: a
hospital in Wuhai); the adapter checks only what it can know itself (the card, the dates, the disease on the
insured place's list) before anything is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, TypeVar

from mappings.regions import RegionCatalogue

from .._client import Reply
from .._errors import BusinessRuleError, InputError, OutcomeUnknownError, PlatformError
from .._lookup import Card, PersonRecord
from ..eligibility import choose_insurance
from ..execution import CallRecord, CallStatus, JournaledCalls
from ..execution._records import CallDetail
from ..transactions import InputModel, OutputModel, Transaction, t1101, t2503, t2504
from ._model import FilingOutcome, FilingRequest, RevocationOutcome, RevocationRequest

__all__ = ["file_disease", "recover_filings", "revoke_filing"]

OutT = TypeVar("OutT", bound=OutputModel)


def file_disease(
    calls: JournaledCalls, request: FilingRequest, *, catalogue: RegionCatalogue, today: date
) -> FilingOutcome:
    """2503 for the patient with the card; ``unknown`` when the answer was lost (then ``recover_filings``)."""
    card = _card(request.mdtrt_cert_type, request.mdtrt_cert_no, request.card_sn)
    _check_dates(request, today)
    _check_doctor(request)
    earlier = recover_filings(calls)
    person = _person(calls, card)
    insurance = _insurance(person, request.insutype)
    name = _disease_name(catalogue, insurance, request)
    settings = calls.client.settings
    filing = t2503.Filing(
        psn_no=person.baseinfo.psn_no,
        insutype=insurance.insutype,
        opsp_dise_code=request.opsp_dise_code,
        opsp_dise_name=name,
        insu_optins=insurance.insuplc_admdvs,
        ide_fixmedins_no=settings.fixmedins_code,
        ide_fixmedins_name=settings.fixmedins_name,
        hosp_ide_date=request.hosp_ide_date,
        diag_dr_codg=request.diag_dr_codg,
        diag_dr_name=request.diag_dr_name,
        begndate=request.begndate,
        enddate=request.enddate,
    )
    for outcome in earlier:
        # A lost answer of this very filing, resolved just now (filed) or still not (unknown): either way
        # it is not sent again as a new call, which could file it twice.
        if isinstance(outcome, FilingOutcome) and outcome.status != "refused" and _same(outcome, filing):
            return outcome
    keys = _filing_keys(filing)
    try:
        reply = calls.call(
            t2503.TRANSACTION,
            t2503.Input(data=filing),
            batch_id=None,
            insuplc_admdvs=filing.insu_optins,
            keys=keys,
            summary=lambda out: CallDetail(trt_dcla_detl_sn=out.result.trt_dcla_detl_sn),
        )
    except OutcomeUnknownError as unknown:
        return _filing_outcome(filing, "unknown", _open_msgid(calls, "2503", keys), err_msg=str(unknown))
    return _filing_outcome(
        filing, "filed", reply.msgid, trt_dcla_detl_sn=reply.output.result.trt_dcla_detl_sn
    )


def revoke_filing(calls: JournaledCalls, request: RevocationRequest) -> RevocationOutcome:
    """2504 of a filing not yet approved; ``unknown`` when the answer was lost (then ``recover_filings``)."""
    card = _card(request.mdtrt_cert_type, request.mdtrt_cert_no, request.card_sn)
    if not request.trt_dcla_detl_sn.strip():
        raise InputError("不能为空：备案时医保平台返回的待遇申报明细流水号", where="trt_dcla_detl_sn")
    if not request.memo.strip():
        raise InputError("不能为空：撤销原因（2504 必填）", where="memo")
    earlier = recover_filings(calls)
    person = _person(calls, card)
    revocation = t2504.Revocation(
        trt_dcla_detl_sn=request.trt_dcla_detl_sn.strip(), psn_no=person.baseinfo.psn_no, memo=request.memo
    )
    for outcome in earlier:  # the same revocation, its lost answer resolved just now or still unknown
        same = (
            isinstance(outcome, RevocationOutcome) and outcome.trt_dcla_detl_sn == revocation.trt_dcla_detl_sn
        )
        if same and isinstance(outcome, RevocationOutcome) and outcome.status != "refused":
            return outcome
    insured = person.insuinfo[0].insuplc_admdvs if person.insuinfo else ""
    keys = {**revocation.model_dump(), "insuplc_admdvs": insured}
    try:
        reply = calls.call(
            t2504.TRANSACTION, t2504.Input(data=revocation), batch_id=None, insuplc_admdvs=insured, keys=keys
        )
    except OutcomeUnknownError as unknown:
        msgid = _open_msgid(calls, "2504", keys)
        return _revocation_outcome(revocation, "unknown", msgid, err_msg=str(unknown))
    return _revocation_outcome(revocation, "revoked", reply.msgid)


def recover_filings(calls: JournaledCalls) -> list[FilingOutcome | RevocationOutcome]:
    """Ask again, under its own msgid and with the same request, every 2503/2504 whose answer was lost."""
    outcomes: list[FilingOutcome | RevocationOutcome] = []
    for call in calls.journal.open_calls():
        if call.batch_id is None and call.infno == "2503":
            outcomes.append(_recover_filing(calls, call))
        elif call.batch_id is None and call.infno == "2504":
            outcomes.append(_recover_revocation(calls, call))
    return outcomes


def _recover_filing(calls: JournaledCalls, call: CallRecord) -> FilingOutcome:
    filing = t2503.Filing.model_validate(call.keys)
    try:
        reply = _ask_again(calls, call, t2503.TRANSACTION, t2503.Input(data=filing), filing.insu_optins)
    except BusinessRuleError as refused:
        _record(calls, call, CallStatus.FAILED, CallDetail(error=refused.err_msg, replayed=True))
        return _filing_outcome(filing, "refused", call.msgid, err_msg=refused.err_msg, replayed=True)
    except (OutcomeUnknownError, PlatformError) as still:  # unavailable, refused sign-in: proves nothing
        return _filing_outcome(filing, "unknown", call.msgid, err_msg=str(still))
    serial = reply.output.result.trt_dcla_detl_sn
    _record(calls, call, CallStatus.OK, CallDetail(trt_dcla_detl_sn=serial, replayed=True))
    return _filing_outcome(filing, "filed", call.msgid, trt_dcla_detl_sn=serial, replayed=True)


def _recover_revocation(calls: JournaledCalls, call: CallRecord) -> RevocationOutcome:
    keys = dict(call.keys)
    insured = keys.pop("insuplc_admdvs", "")
    revocation = t2504.Revocation.model_validate(keys)
    try:
        _ask_again(calls, call, t2504.TRANSACTION, t2504.Input(data=revocation), insured)
    except BusinessRuleError as refused:
        _record(calls, call, CallStatus.FAILED, CallDetail(error=refused.err_msg, replayed=True))
        return _revocation_outcome(revocation, "refused", call.msgid, err_msg=refused.err_msg, replayed=True)
    except (OutcomeUnknownError, PlatformError) as still:
        return _revocation_outcome(revocation, "unknown", call.msgid, err_msg=str(still))
    _record(calls, call, CallStatus.OK, CallDetail(replayed=True))
    return _revocation_outcome(revocation, "revoked", call.msgid, replayed=True)


def _ask_again(
    calls: JournaledCalls,
    call: CallRecord,
    transaction: Transaction[Any, OutT],
    payload: InputModel,
    insured: str,
) -> Reply[OutT]:
    calls.journal.flush()  # the intent is on disk already; hold no write lock while waiting
    return calls.client.call(transaction, payload, insuplc_admdvs=insured, msgid=call.msgid)


def _record(calls: JournaledCalls, call: CallRecord, status: CallStatus, detail: CallDetail) -> None:
    calls.journal.record_outcome(call.msgid, status=status, now=calls.clock(), detail=detail)


def _open_msgid(calls: JournaledCalls, infno: str, keys: Mapping[str, str]) -> str:
    """The msgid of the call just left open (its intent is journaled under these keys)."""
    wanted = dict(keys)
    found = [c.msgid for c in calls.journal.open_calls() if c.infno == infno and c.keys == wanted]
    return found[-1] if found else ""


def _filing_keys(filing: t2503.Filing) -> dict[str, str]:
    """Every field of the request but the contact details (personal data the journal does not keep)."""
    dumped = filing.model_dump(mode="json", exclude={"tel", "addr"})
    return {key: "" if value is None else str(value) for key, value in dumped.items()}


def _same(outcome: FilingOutcome, filing: t2503.Filing) -> bool:
    return (outcome.psn_no, outcome.opsp_dise_code, outcome.begndate) == (
        filing.psn_no,
        filing.opsp_dise_code,
        filing.begndate,
    )


def _filing_outcome(filing: t2503.Filing, status: str, msgid: str, **more: object) -> FilingOutcome:
    return FilingOutcome.model_validate(
        {
            "status": status,
            "msgid": msgid,
            "psn_no": filing.psn_no,
            "insutype": filing.insutype,
            "insu_optins": filing.insu_optins,
            "opsp_dise_code": filing.opsp_dise_code,
            "opsp_dise_name": filing.opsp_dise_name,
            "begndate": filing.begndate,
            "enddate": filing.enddate,
            **more,
        }
    )


def _revocation_outcome(
    revocation: t2504.Revocation, status: str, msgid: str, **more: object
) -> RevocationOutcome:
    return RevocationOutcome.model_validate(
        {
            "status": status,
            "msgid": msgid,
            "psn_no": revocation.psn_no,
            "trt_dcla_detl_sn": revocation.trt_dcla_detl_sn,
            **more,
        }
    )


def _card(kind: str, number: str, card_sn: str) -> Card:
    return Card(kind, number.strip(), card_sn.strip())


def _person(calls: JournaledCalls, card: Card) -> t1101.Output:
    query = t1101.PersonQuery(
        mdtrt_cert_type=card.mdtrt_cert_type, mdtrt_cert_no=card.mdtrt_cert_no, card_sn=card.card_sn
    )
    return calls.call(t1101.TRANSACTION, t1101.Input(data=query), batch_id=None, insuplc_admdvs="").output


def _insurance(person: t1101.Output, insutype: str) -> t1101.InsuranceInfo:
    record = PersonRecord(
        person=person.baseinfo, insurances=person.insuinfo, identities=person.idetinfo, filings=()
    )
    return choose_insurance(record, insutype or None)


def _check_dates(request: FilingRequest, today: date) -> None:
    if request.hosp_ide_date > today:
        raise InputError(
            f"{request.hosp_ide_date} 晚于今天 {today}：医院鉴定日期不能在将来", where="hosp_ide_date"
        )
    if request.begndate < request.hosp_ide_date:
        raise InputError(
            f"{request.begndate} 早于医院鉴定日期 {request.hosp_ide_date}：备案不能早于鉴定"
            "（鉴定前的费用不予报销，seed 001 一(四)3）",
            where="begndate",
        )
    if request.enddate is not None and request.enddate < request.begndate:
        raise InputError(f"{request.enddate} 早于开始日期 {request.begndate}", where="enddate")


def _check_doctor(request: FilingRequest) -> None:
    for field in ("diag_dr_codg", "diag_dr_name"):
        if not getattr(request, field).strip():
            raise InputError("不能为空：作出鉴定的诊断医师（2503 必填）", where=field)


def _disease_name(catalogue: RegionCatalogue, insurance: t1101.InsuranceInfo, request: FilingRequest) -> str:
    """The disease must be on the insured place's list (national or its own code) on begndate; its name."""
    code = request.opsp_dise_code
    rows = catalogue.benefits(insurance.insuplc_admdvs, insutype=insurance.insutype, day=request.begndate)
    listed = [row for row in rows if row.benefit_code == code or code in row.national_codes]
    if not listed:
        known = sorted({row.benefit_code for row in rows})
        raise InputError(
            f"{code} 不在参保地 {insurance.insuplc_admdvs} 险种 {insurance.insutype} 的门诊慢特病病种目录中"
            f"（{request.begndate} 有效的病种：{'、'.join(known) or '无'}）",
            where="opsp_dise_code",
        )
    return request.opsp_dise_name.strip() or next(
        (row.benefit_name for row in listed if row.benefit_code == code), listed[0].benefit_name
    )
