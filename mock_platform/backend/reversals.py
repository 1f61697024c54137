"""冲正 (2601, PROTOCOL.md §3.13, §6.4): undo a transaction whose answer the hospital never saw.

* oinfno 2207: if that msgid committed a settlement still in effect, it is refunded exactly as a 2208 would
  (new reversal setl_id, same newest-first rule);
* oinfno 2208: if that msgid committed a refund still in effect, the refund is undone — the settlement is
  reinstated and takes its amounts again (nothing committed after the refund may still be in effect);
* a msgid that never committed (refused, lost before the platform, unknown), or whose effect was already
  undone, changes nothing: infcode 0 with warn_msg "原交易[omsgid]未成功或已冲正，无需冲正";
* any other oinfno is refused: "交易[xxxx]不支持冲正" (the national list also names 2102/2103/2304/2305/2401,
  which the mock does not implement; HN narrows it, PROTOCOL.md §3.13 ⚠).

Every accepted 2601 is recorded in `reversal_request` (msgid, omsgid, oinfno, result, setl_id).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mock_platform._time import format_datetime
from mock_platform.backend.settlements import SettlementBook, SettlementRecord
from mock_platform.backend.store import Store
from mock_platform.backend.visits import VisitBook
from mock_platform.errors import RequestError

REVERSIBLE = ("2207", "2208")


@dataclass(frozen=True)
class Correction:
    result: str  # "refunded" | "reinstated" | "nothing"
    setl_id: str | None
    warn_msg: str | None


class CorrectionDesk:
    def __init__(self, store: Store, settlements: SettlementBook, visits: VisitBook) -> None:
        self._store = store
        self._settlements = settlements
        self._visits = visits

    def correct(self, *, psn_no: str, omsgid: str, oinfno: str, msgid: str, now: datetime) -> Correction:
        if oinfno not in REVERSIBLE:
            raise RequestError(f"交易[{oinfno}]不支持冲正")
        record = self._settlements.by_msgid(omsgid, oinfno)
        if record is None or not record.in_effect:
            correction = Correction("nothing", None, f"原交易[{omsgid}]未成功或已冲正，无需冲正")
        else:
            if record.psn_no != psn_no:
                raise RequestError(f"交易输入[data.psn_no]与原交易[{omsgid}]的人员编号不一致")
            correction = self._undo(record, msgid=msgid, now=now)
        self._record(psn_no=psn_no, omsgid=omsgid, oinfno=oinfno, msgid=msgid, correction=correction, now=now)
        return correction

    def _undo(self, record: SettlementRecord, *, msgid: str, now: datetime) -> Correction:
        if record.kind == "settlement":
            visit = self._visits.get(record.mdtrt_id)
            assert visit is not None
            reversal = self._settlements.refund(
                record, msgid=msgid, infno="2601", clr_optins=visit.insuplc_admdvs, now=now
            )
            return Correction("refunded", reversal.setl_id, None)
        reinstated = self._settlements.reinstate(record)
        return Correction("reinstated", reinstated.setl_id, None)

    def _record(
        self, *, psn_no: str, omsgid: str, oinfno: str, msgid: str, correction: Correction, now: datetime
    ) -> None:
        with self._store.joined() as connection:
            connection.execute(
                "INSERT OR REPLACE INTO reversal_request (msgid, psn_no, omsgid, oinfno, result, setl_id, "
                "received_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (msgid, psn_no, omsgid, oinfno, correction.result, correction.setl_id, format_datetime(now)),
            )
