"""Reconciliation (对账) on the platform's side: 3201 totals, 3202 row by row (PROTOCOL.md §3.15, §6.7).

What the platform counts for a hospital and a date range of its own `setl_time` (00:00:00 of the first day
to 23:59:59 of the last): every settlement row (2207) and every refund row (2208, with the negated amounts),
each with its own `setl_time` — a refund made the next day counts on the next day. A settlement undone by
冲正 (2601 of its 2207) and its undoing row are left out (冲正 makes both sides agree that it never was), and
so is a refund row voided by 冲正 (2601 of its 2208). `setl_optins` is the insured place (the `clr_optins`
every setlinfo carries); `clr_type` is the visit's med_type (14 门诊慢特病 / 11 普通门诊), as setlinfo says.

3202 result rows (`stmt_rslt`, PROTOCOL.md §4): 0 平, 1 中心多 (only the platform has it), 2 医药机构多 (only
the hospital's file has it), 3 数据不一致 (both, with different amounts; `memo` names them). Each row carries
the platform's `msgid` of the request that made it ("用于冲正时填写原发送方报文ID").

The `outside_*`, `alter` and `roll_back` methods are the mock's control faults (`/_mock/reconcile/...`):
what happens on a real platform without the hospital's HIS knowing — a settlement or refund made in the
insurer's own client, an amount corrected by the 经办机构 after the fact, a settlement or refund undone after
its answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from mock_platform._money import ZERO
from mock_platform._time import format_datetime, parse_datetime
from mock_platform.backend.settlements import SettlementBook, SettlementRecord
from mock_platform.backend.store import Store, next_value
from mock_platform.backend.visits import VisitBook
from mock_platform.errors import RequestError

MONEY = ("medfee_sumamt", "fund_pay_sumamt", "acct_pay")
UPLOAD_COLUMNS = (
    "setl_id",
    "mdtrt_id",
    "psn_no",
    "medfee_sumamt",
    "fund_pay_sumamt",
    "acct_pay",
    "refd_setl_flag",
)
RESULT_COLUMNS = (
    "psn_no",
    "mdtrt_id",
    "setl_id",
    "msgid",
    "stmt_rslt",
    "refd_setl_flag",
    "memo",
    "medfee_sumamt",
    "fund_pay_sumamt",
    "acct_pay",
)
_LABELS = {"medfee_sumamt": "医疗费总额", "fund_pay_sumamt": "基金支付总额", "acct_pay": "个人账户支付金额"}


@dataclass(frozen=True)
class StatementRow:
    """One settlement or refund row as the platform counts it."""

    setl_id: str
    mdtrt_id: str
    psn_no: str
    msgid: str
    insutype: str
    clr_type: str
    setl_optins: str
    setl_time: datetime
    medfee_sumamt: Decimal
    fund_pay_sumamt: Decimal
    acct_pay: Decimal
    psn_cash_pay: Decimal
    refd_setl_flag: str


@dataclass(frozen=True)
class Totals:
    medfee_sumamt: Decimal
    fund_pay_sumamt: Decimal
    acct_pay: Decimal
    cash_payamt: Decimal
    count: int

    @classmethod
    def of(cls, rows: list[StatementRow]) -> Totals:
        return cls(
            sum((row.medfee_sumamt for row in rows), ZERO),
            sum((row.fund_pay_sumamt for row in rows), ZERO),
            sum((row.acct_pay for row in rows), ZERO),
            sum((row.psn_cash_pay for row in rows), ZERO),
            len(rows),
        )


@dataclass(frozen=True)
class UploadedRow:
    setl_id: str
    mdtrt_id: str
    psn_no: str
    medfee_sumamt: Decimal
    fund_pay_sumamt: Decimal
    acct_pay: Decimal
    refd_setl_flag: str


@dataclass(frozen=True)
class Period:
    fixmedins_code: str
    setl_optins: str
    clr_type: str
    begin: date
    end: date
    insutype: str = ""
    refd_setl_flag: str = ""


class StatementDesk:
    def __init__(self, store: Store, settlements: SettlementBook, visits: VisitBook) -> None:
        self._store = store
        self._settlements = settlements
        self._visits = visits

    def rows(self, period: Period) -> list[StatementRow]:
        """The platform's rows of a period, in commit order."""
        if period.end < period.begin:
            raise RequestError("对账结束日期不能早于对账开始日期")
        first = format_datetime(datetime.combine(period.begin, time(0, 0, 0)))
        last = format_datetime(datetime.combine(period.end, time(23, 59, 59)))
        with self._store.joined() as connection:
            found = connection.execute(
                "SELECT s.*, v.insuplc_admdvs, o.infno AS undone_by FROM settlement s"
                " JOIN visit v ON v.mdtrt_id = s.mdtrt_id"
                " LEFT JOIN settlement o ON o.setl_id = s.refund_setl_id"
                " WHERE s.fixmedins_code = ? AND s.setl_time BETWEEN ? AND ? AND v.insuplc_admdvs = ?"
                " AND s.med_type = ? ORDER BY s.seq",
                (period.fixmedins_code, first, last, period.setl_optins, period.clr_type),
            ).fetchall()
        rows: list[StatementRow] = []
        for row in found:
            if row["infno"] == "2601" or row["undone_by"] == "2601" or row["status"] == "voided":
                continue  # 冲正: as if it never was, on both sides
            if row["status"] == "rolled_back":
                continue  # the platform undid it after answering: it holds it no more
            flag = "1" if row["kind"] == "reversal" else "0"
            if period.insutype and row["insutype"] != period.insutype:
                continue
            if period.refd_setl_flag and flag != period.refd_setl_flag:
                continue
            amounts = json.loads(row["result"])
            rows.append(
                StatementRow(
                    setl_id=row["setl_id"],
                    mdtrt_id=row["mdtrt_id"],
                    psn_no=row["psn_no"],
                    msgid=row["msgid"],
                    insutype=row["insutype"],
                    clr_type=row["med_type"],
                    setl_optins=row["insuplc_admdvs"],
                    setl_time=parse_datetime(row["setl_time"]),
                    medfee_sumamt=Decimal(amounts["medfee_sumamt"]),
                    fund_pay_sumamt=Decimal(amounts["fund_pay_sumamt"]),
                    acct_pay=Decimal(amounts["acct_pay"]),
                    psn_cash_pay=Decimal(amounts["psn_cash_pay"]),
                    refd_setl_flag=flag,
                )
            )
        return rows

    def compare_totals(self, period: Period, hospital: Totals) -> str:
        """3201: "" when balanced, else what differs (stmt_rslt_dscr)."""
        ours = Totals.of(self.rows(period))
        differences = [
            f"{_LABELS[name]}：医药机构{getattr(hospital, name)}，中心{getattr(ours, name)}"
            for name in MONEY
            if getattr(hospital, name) != getattr(ours, name)
        ]
        if hospital.count != ours.count:
            differences.append(f"结算笔数：医药机构{hospital.count}，中心{ours.count}")
        return "；".join(differences)

    def compare_rows(self, period: Period, uploaded: list[UploadedRow]) -> list[list[str]]:
        """3202: one result row per row of either side (RESULT_COLUMNS), the platform's order first."""
        theirs = {row.setl_id: row for row in uploaded}
        if len(theirs) != len(uploaded):
            raise RequestError("对账明细文件中结算ID重复")
        result: list[list[str]] = []
        for row in self.rows(period):
            mine = theirs.pop(row.setl_id, None)
            if mine is None:
                result.append(_result(row, "1", "中心多：医药机构对账明细中无此结算"))
                continue
            differing = [
                f"{_LABELS[name]}医药机构{getattr(mine, name)}"
                for name in MONEY
                if getattr(mine, name) != getattr(row, name)
            ]
            if mine.refd_setl_flag != row.refd_setl_flag:
                differing.append(f"退费结算标志医药机构{mine.refd_setl_flag}")
            if differing:
                result.append(_result(row, "3", "数据不一致：" + "，".join(differing)))
            else:
                result.append(_result(row, "0", ""))
        for mine in theirs.values():
            result.append(
                [
                    mine.psn_no,
                    mine.mdtrt_id,
                    mine.setl_id,
                    "",
                    "2",
                    mine.refd_setl_flag,
                    "医药机构多：中心无此结算或不在对账范围内",
                    str(mine.medfee_sumamt),
                    str(mine.fund_pay_sumamt),
                    str(mine.acct_pay),
                ]
            )
        return result

    # -- faults: what happens on the platform without the hospital's HIS -------------------------------------

    def outside_settlement(self, like_setl_id: str, *, now: datetime) -> SettlementRecord:
        """A settlement made in the insurer's own client for the same visit and amounts as `like_setl_id`.

        Only the settlement row is written (no fee details, accumulators or account): what reconciliation
        sees. Its msgid is the platform's own (admdvs + time + serial), unknown to the hospital's journal.
        """
        template = self._require(like_setl_id, kind="settlement")
        with self._store.joined() as connection:
            seq = next_value(connection, "setl_id")
            setl_id = f"S{template.setl_id[1:7]}{now:%Y%m%d}{seq:010d}"
            serial = next_value(connection, "outside_msgid")
            msgid = f"{template.setl_id[1:7]}{now:%Y%m%d%H%M%S}{serial:010d}"
            connection.execute(
                "INSERT INTO settlement (setl_id, seq, kind, original_setl_id, mdtrt_id, psn_no, insutype,"
                " year, cum_ym, chrg_bchno, med_type, dise_codg, fixmedins_code, msgid, infno, setl_time,"
                " status, result) SELECT ?, ?, 'settlement', NULL, mdtrt_id, psn_no, insutype, year, cum_ym,"
                " chrg_bchno, med_type, dise_codg, fixmedins_code, ?, '2207', ?, 'active', result"
                " FROM settlement WHERE setl_id = ?",
                (setl_id, seq, msgid, format_datetime(now), like_setl_id),
            )
        record = self._settlements.get(setl_id)
        assert record is not None
        return record

    def outside_refund(self, setl_id: str, *, now: datetime) -> SettlementRecord:
        """A refund (2208) made in the insurer's own client: the platform's ordering rules apply."""
        original = self._require(setl_id, kind="settlement")
        visit = self._visits.get(original.mdtrt_id)
        assert visit is not None
        with self._store.joined() as connection:
            msgid = f"{setl_id[1:7]}{now:%Y%m%d%H%M%S}{next_value(connection, 'outside_msgid'):010d}"
        return self._settlements.refund(
            original, msgid=msgid, infno="2208", clr_optins=visit.insuplc_admdvs, now=now
        )

    def roll_back(self, setl_id: str) -> SettlementRecord:
        """The platform undoes a settlement (2207) or a refund (2208) it had answered OK.

        What happens in the field: the answer left the platform, then the platform's transaction did not
        stand — the insured place's center refused the 异地 settlement after the fact, or a 2208 was
        acknowledged but never applied. The hospital's journal keeps it as done: only in the journal, or a
        refund only in HIS.
        """
        return self._settlements.roll_back(self._require(setl_id, kind=None))

    def alter(self, setl_id: str, changes: dict[str, Any]) -> SettlementRecord:
        """Change a row after the fact: any of the amounts, or its setl_time ("yyyy-MM-dd HH:mm:ss")."""
        record = self._require(setl_id, kind=None)
        unknown = set(changes) - {*MONEY, "psn_cash_pay", "setl_time"}
        if unknown:
            raise RequestError(f"cannot alter {sorted(unknown)}")
        amounts = json.loads(record.amounts.to_json())
        for name in {*MONEY, "psn_cash_pay"} & set(changes):
            amounts[name] = str(Decimal(str(changes[name])).quantize(Decimal("0.01")))
        setl_time = format_datetime(record.setl_time)
        if "setl_time" in changes:
            setl_time = format_datetime(parse_datetime(str(changes["setl_time"])))
        with self._store.joined() as connection:
            connection.execute(
                "UPDATE settlement SET result = ?, setl_time = ? WHERE setl_id = ?",
                (json.dumps(amounts, ensure_ascii=False), setl_time, setl_id),
            )
        altered = self._settlements.get(setl_id)
        assert altered is not None
        return altered

    def _require(self, setl_id: str, *, kind: str | None) -> SettlementRecord:
        record = self._settlements.get(setl_id)
        if record is None:
            raise RequestError(f"结算ID[{setl_id}]不存在")
        if kind is not None and record.kind != kind:
            raise RequestError(f"结算ID[{setl_id}]不是结算记录")
        return record


def _result(row: StatementRow, stmt_rslt: str, memo: str) -> list[str]:
    return [
        row.psn_no,
        row.mdtrt_id,
        row.setl_id,
        row.msgid,
        stmt_rslt,
        row.refd_setl_flag,
        memo,
        str(row.medfee_sumamt),
        str(row.fund_pay_sumamt),
        str(row.acct_pay),
    ]
