"""The outbox: fee details of bills not settled directly, due for upload within 3 working days.

Seed 002 三(四): "定点医疗机构要将未直接结算的患者医药费用明细和疾病诊断信息，于 3 个工作日内
上传省医疗保障信息平台 … 医疗费用中存在未贯标的数据时，应将已贯标的数据上传。" Settlement
computes the due date with ``ExecutionPolicy.calendar`` (Chinese working days:
adapter/_workdays.py); ``add_working_days`` here counts Monday to Friday unless given
a ``working_day`` predicate.

Worked, not only listed: ``upload_outbox`` sends each entry as 4205 自费病人门诊就医信息上传 and marks it
complete with 4203 (the national 4201-4209 self-pay upload family; sources in docs/ownpay_upload.md), only the
lines with a national code, overdue entries first, and keeps the platform's acknowledgement.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from .._envelope import ResponseEnvelope
from .._errors import AdapterError, OutcomeUnknownError, PlatformError
from ..planning import PlanLine
from ..transactions import t4203, t4205
from ._calls import JournaledCalls
from ._records import OutboxEntry

__all__ = ["UPLOAD_WORKING_DAYS", "OutboxUpload", "add_working_days", "is_weekday", "upload_outbox"]

UPLOAD_WORKING_DAYS = 3


def is_weekday(day: date) -> bool:
    return day.weekday() < 5


def add_working_days(start: date, days: int, *, working_day: Callable[[date], bool] = is_weekday) -> date:
    """The date ``days`` working days after ``start`` (2026-11-20, a Friday, + 3 → 2026-11-25)."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if working_day(current):
            remaining -= 1
    return current


# -- working the outbox: 4205 + 4203 ----------------------------------------------------------------------


@dataclass(frozen=True)
class OutboxUpload:
    """What happened to one outbox entry when the outbox was worked."""

    outbox_id: int
    visit_key: str
    batch_number: int
    due: date
    overdue: bool
    status: str
    """sent | nothing (no 已贯标 line to send: marked sent) | unknown (sent again next time) | failed"""
    lines: int
    medfee_sumamt: Decimal
    message: str
    ack: dict[str, Any]


def upload_outbox(
    calls: JournaledCalls, *, fixmedins_name: str = "", due_by: date | None = None
) -> list[OutboxUpload]:
    """Upload every unsent entry (due by ``due_by`` if given), overdue first: 4205 then 4203, journaled.

    An entry is marked sent only after 4203 succeeded, with the platform's acknowledgement (both calls' msgid
    and inf_refmsgid) kept in the journal. A result left unknown is simply sent again next time: the platform
    replaces an upload until the visit is complete, and completion is idempotent.
    """
    today = calls.clock().date()
    entries = sorted(calls.journal.outbox(due_by=due_by), key=lambda e: (e.due, e.id))
    return [_upload_one(calls, entry, today=today, fixmedins_name=fixmedins_name) for entry in entries]


def _upload_one(
    calls: JournaledCalls, entry: OutboxEntry, *, today: date, fixmedins_name: str
) -> OutboxUpload:
    coded = [line for line in entry.payload.feedetail if line.med_list_codg]  # 已贯标 only (seed 002 三(四))
    total = sum((line.det_item_fee_sumamt for line in coded), Decimal("0.00"))

    def result(status: str, message: str, ack: dict[str, Any] | None = None) -> OutboxUpload:
        return OutboxUpload(
            outbox_id=entry.id,
            visit_key=entry.visit_key,
            batch_number=entry.batch_number,
            due=entry.due,
            overdue=entry.due < today,
            status=status,
            lines=len(coded),
            medfee_sumamt=total,
            message=message,
            ack=ack or {},
        )

    if not coded:
        skipped = {"skipped": "no line with a national code (未贯标): nothing to upload"}
        calls.journal.mark_sent(entry.id, now=calls.clock(), ack=skipped)
        return result("nothing", "无已贯标明细，无需上传", skipped)
    if entry.identity is None:
        # 4205 names the person by certificate (t4205): without it nothing is sent, and a person uploads it.
        return result(
            "failed",
            "日志中无该患者的证件类型、证件号码和姓名（已清除或为旧版日志记录）：无法上传（4205），请手工上报",
        )
    code = calls.client.settings.fixmedins_code
    visit_id = f"{entry.visit_key.rsplit(':', 1)[-1]}-{entry.batch_number}"  # the HIS's own visit id
    keys = {"outbox_id": str(entry.id), "fixmedins_mdtrt_id": visit_id}
    attempts = [
        b for b in calls.journal.batches_of_visit(entry.visit_key) if b.batch_number == entry.batch_number
    ]
    med_type, dise_codg = (attempts[-1].med_type, attempts[-1].dise_codg) if attempts else ("11", "")
    upload = _visit_upload(
        entry,
        coded,
        code=code,
        name=fixmedins_name,
        visit_id=visit_id,
        med_type=med_type or "11",
        dise_codg=dise_codg,
    )
    admdvs = entry.payload.insuplc_admdvs
    ack: dict[str, Any] = {}
    try:
        try:
            reply = calls.call(t4205.TRANSACTION, upload, batch_id=None, insuplc_admdvs=admdvs, keys=keys)
            ack["4205"] = _ack(reply.msgid, reply.envelope)
        except PlatformError as refusal:
            # Completed by an earlier run whose 4203 answer was lost: the platform refuses a new upload, and
            # 4203 (idempotent) below confirms it; for any other refusal 4203 fails and the refusal is shown.
            ack["4205"] = {"refused": refusal.err_msg}
        completion = t4203.Completion(fixmedins_mdtrt_id=visit_id, fixmedins_code=code, cplt_flag="1")
        done = calls.call(
            t4203.TRANSACTION, t4203.Input(data=completion), batch_id=None, insuplc_admdvs=admdvs, keys=keys
        )
    except OutcomeUnknownError as unknown:
        return result("unknown", f"上传结果不明，下次重新上传：{unknown}")
    except AdapterError as failure:
        refused = ack.get("4205", {}).get("refused")
        message = refused or (failure.err_msg if isinstance(failure, PlatformError) else str(failure))
        return result("failed", f"上传失败：{message}")
    ack["4203"] = _ack(done.msgid, done.envelope)
    calls.journal.mark_sent(entry.id, now=calls.clock(), ack=ack)
    return result("sent", "已上传并确认完成", ack)


def _ack(msgid: str, envelope: ResponseEnvelope) -> dict[str, str]:
    return {"msgid": msgid, "inf_refmsgid": envelope.inf_refmsgid, "respond_time": envelope.respond_time}


def _visit_upload(
    entry: OutboxEntry,
    lines: list[PlanLine],
    *,
    code: str,
    name: str,
    visit_id: str,
    med_type: str,
    dise_codg: str,
) -> t4205.Input:
    diagnoses = [d for d in entry.payload.diseinfo if d.icd_code or d.diag_code]
    assert entry.identity is not None  # checked by the caller
    return t4205.Input(
        mdtrtinfo=t4205.OwnPayVisit(
            fixmedins_mdtrt_id=visit_id,
            fixmedins_code=code,
            fixmedins_name=name,
            psn_cert_type=entry.identity.psn_cert_type,
            certno=entry.identity.certno,
            psn_name=entry.identity.psn_name,
            begntime=min(line.fee_ocur_time for line in lines),
            endtime=max(line.fee_ocur_time for line in lines),
            med_type=med_type,
            dise_codg=dise_codg,
        ),
        diseinfo=tuple(
            t4205.OwnPayDiagnosis(
                diag_type=d.diag_type or "1",
                diag_srt_no=str(number),
                diag_code=d.icd_code or d.diag_code,
                diag_name=d.diag_name,
                diag_dept=d.diag_dept,
                diag_dr_code=d.dise_dor_no,
                diag_dr_name=d.dise_dor_name,
                diag_time=d.diag_time,
            )
            for number, d in enumerate(diagnoses, start=1)
        ),
        feedetail=tuple(
            t4205.OwnPayDetail(
                fixmedins_mdtrt_id=visit_id,
                med_type=med_type,
                bkkp_sn=line.feedetl_sn,
                fee_ocur_time=line.fee_ocur_time,
                fixmedins_code=code,
                fixmedins_name=name,
                cnt=line.cnt,
                pric=line.pric,
                det_item_fee_sumamt=line.det_item_fee_sumamt,
                med_list_codg=line.med_list_codg,
                medins_list_codg=line.medins_list_codg,
                medins_list_name=line.medins_list_name,
                med_chrgitm_type=line.med_chrgitm_type,
                bilg_dept_codg=line.bilg_dept_codg,
                bilg_dept_name=line.bilg_dept_name,
                bilg_dr_code=line.bilg_dr_codg,
                bilg_dr_name=line.bilg_dr_name,
                fulamt_ownpay_amt=line.fulamt_ownpay_amt,
                overlmt_selfpay=line.overlmt_amt,
                preselfpay_amt=line.preselfpay_amt,
                inscp_amt=line.inscp_scp_amt,
                rxno=line.rxno,
            )
            for line in lines
        ),
    )
