"""The platform's word on one settlement or refund row: 5203, kept as evidence with every ledger change."""

from __future__ import annotations

from typing import Any

from .._errors import PlatformError
from ..execution import JournaledCalls
from ..transactions import t5203, t5204

__all__ = ["evidence_of", "query_details", "query_settlement"]


def query_settlement(
    calls: JournaledCalls, *, psn_no: str, setl_id: str, mdtrt_id: str, insuplc_admdvs: str
) -> t5203.SettlementRecord | None:
    """5203 for one row; None when the platform says it holds no such settlement."""
    payload = t5203.Input(data=t5203.SettlementQuery(psn_no=psn_no, setl_id=setl_id, mdtrt_id=mdtrt_id))
    try:
        reply = calls.call(t5203.TRANSACTION, payload, batch_id=None, insuplc_admdvs=insuplc_admdvs)
    except PlatformError:
        return None
    return reply.output.setlinfo


def query_details(
    calls: JournaledCalls, *, psn_no: str, mdtrt_id: str, insuplc_admdvs: str
) -> dict[str, Any]:
    """5204 for a visit (no setl_id: the details the platform holds): how many, and which settlements they
    carry — the evidence that a settlement the platform no longer holds has no details left either."""
    payload = t5204.Input(data=t5204.FeeQuery(psn_no=psn_no, mdtrt_id=mdtrt_id))
    try:
        reply = calls.call(t5204.TRANSACTION, payload, batch_id=None, insuplc_admdvs=insuplc_admdvs)
    except PlatformError as refusal:
        return {"refused": refusal.err_msg}
    rows = reply.output.feedetail
    return {"lines": len(rows), "setl_ids": sorted({row.setl_id for row in rows if row.setl_id})}


def evidence_of(record: t5203.SettlementRecord | None, result_row: dict[str, str]) -> dict[str, Any]:
    """What a ledger change keeps: the 3202 result row and the 5203 answer (no names, no ID numbers)."""
    platform = (
        record.model_dump(mode="json", exclude={"psn_name", "certno", "brdy", "emp_name"})
        if record is not None
        else None
    )
    return {"3202": dict(result_row), "5203": platform}
