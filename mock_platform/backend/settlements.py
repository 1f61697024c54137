"""Settlements: commit (2207), refund (2208, and 2601 of a 2207), reinstatement (2601 of a 2208).

A settlement row records what it took (`result`: the amounts; the accumulator ledger: what it posted; the
account balance; its fee details, which get its `setl_id`). A refund is a new row of kind `reversal` with a
new setl_id and the negated amounts; it gives back exactly what the original took — the negated ledger
entries, the account payment — and makes the details unsettled again. Reinstating a refund (冲正 of a 2208)
re-takes the same amounts and marks the reversal `voided`.

Ordering (seed 002 "应按时间倒序依次退费", DOMAIN.md §4.2): settlements that share running totals — one
person, one insutype, one calendar year of the visit — are refunded newest first (by commit order). A refund
of any other settlement is refused naming the later settlements to refund first, newest first. A reinstatement
needs the scope to be as the refund left it: nothing in effect committed after the refund.

A rollback (`roll_back`, a control fault for reconciliation tests) is the platform undoing a settlement or a
refund after it answered OK: the row stays, `rolled_back`, and every query, refund and statement treats it as
never committed.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from mock_platform._money import ZERO
from mock_platform._time import format_datetime, format_day, format_month, parse_datetime
from mock_platform.backend import accumulators
from mock_platform.backend.accumulators import Scope
from mock_platform.backend.amounts import SettlementAmounts
from mock_platform.backend.benefits import Benefit
from mock_platform.backend.fees import FeeLine
from mock_platform.backend.rows import insert_rows
from mock_platform.backend.store import Store, next_value
from mock_platform.backend.visits import Visit
from mock_platform.errors import RequestError


@dataclass(frozen=True)
class SettlementRecord:
    setl_id: str
    seq: int
    kind: str  # "settlement" | "reversal"
    original_setl_id: str | None
    mdtrt_id: str
    psn_no: str
    insutype: str
    year: int
    cum_ym: str
    chrg_bchno: str
    med_type: str
    dise_codg: str
    fixmedins_code: str
    msgid: str
    infno: str
    setl_time: datetime
    status: str  # settlement: active | refunded | rolled_back; reversal: active | voided | rolled_back
    refund_setl_id: str | None
    amounts: SettlementAmounts

    @property
    def in_effect(self) -> bool:
        return self.status == "active"

    @property
    def scope(self) -> Scope:
        return Scope(self.psn_no, self.insutype, self.year)


@dataclass(frozen=True)
class NewSettlement:
    """The identity of a settlement or reversal row (the money is in `SettlementAmounts`)."""

    mdtrt_id: str
    fixmedins_code: str
    chrg_bchno: str
    med_type: str
    dise_codg: str
    msgid: str
    infno: str
    clr_optins: str  # the insured admdvs (清算经办机构); embedded in the setl_id


def scope_of(visit: Visit) -> tuple[Scope, str]:
    """The accumulator scope of a visit and its month (cum_ym): the calendar year of the visit time."""
    return Scope(visit.psn_no, visit.insutype, visit.begntime.year), format_month(visit.begntime)


class SettlementBook:
    def __init__(self, store: Store) -> None:
        self._store = store

    def get(self, setl_id: str) -> SettlementRecord | None:
        """A settlement or reversal the platform holds (one rolled back is held no more)."""
        with self._store.joined() as connection:
            return _load(connection, "setl_id = ? AND status != 'rolled_back'", (setl_id,))

    def by_msgid(self, msgid: str, infno: str) -> SettlementRecord | None:
        """The settlement (2207) or reversal (2208) a request msgid committed, if any."""
        with self._store.joined() as connection:
            return _load(connection, "msgid = ? AND infno = ?", (msgid, infno))

    def settled_batch(self, mdtrt_id: str, chrg_bchno: str) -> SettlementRecord | None:
        with self._store.joined() as connection:
            return _load(
                connection,
                "mdtrt_id = ? AND chrg_bchno = ? AND kind = 'settlement' AND status = 'active'",
                (mdtrt_id, chrg_bchno),
            )

    def settle(
        self, visit: Visit, new: NewSettlement, benefit: Benefit, lines: list[FeeLine], *, now: datetime
    ) -> SettlementRecord:
        """2207: record the settlement, post what it takes, mark its details and debit the account."""
        scope, cum_ym = scope_of(visit)
        with self._store.joined() as connection:
            setl_id, seq = _new_id(connection, new.clr_optins, now)
            record = _insert(
                connection,
                setl_id,
                seq,
                "settlement",
                None,
                new,
                scope,
                cum_ym,
                now,
                SettlementAmounts.of(benefit),
            )
            insert_rows(
                connection,
                "INSERT INTO settlement_line (setl_id, fee_detail_id)",
                [(setl_id, line.id) for line in lines],
            )
            _settle_details(connection, setl_id)
            accumulators.post(
                connection, scope, cum_ym, accumulators.postings(benefit), setl_id=setl_id, reason="settle"
            )
            _debit(connection, scope, benefit.acct_pay, benefit.acct_mulaid_pay)
        return record

    def refund(
        self, original: SettlementRecord, *, msgid: str, infno: str, clr_optins: str, now: datetime
    ) -> SettlementRecord:
        """2208 (or 2601 of a 2207): give back exactly what `original` took; refuse out of order."""
        self._check_refundable(original)
        with self._store.joined() as connection:
            balance = _balance(connection, original.scope) + original.amounts.acct_pay
            info = f"撤销结算[{original.setl_id}]：{_giveback_text(original.amounts)}"
            amounts = original.amounts.reversed(balc=balance, setl_proc_info=info)
            new = NewSettlement(
                mdtrt_id=original.mdtrt_id,
                fixmedins_code=original.fixmedins_code,
                chrg_bchno=original.chrg_bchno,
                med_type=original.med_type,
                dise_codg=original.dise_codg,
                msgid=msgid,
                infno=infno,
                clr_optins=clr_optins,
            )
            setl_id, seq = _new_id(connection, clr_optins, now)
            record = _insert(
                connection,
                setl_id,
                seq,
                "reversal",
                original.setl_id,
                new,
                original.scope,
                original.cum_ym,
                now,
                amounts,
            )
            connection.execute(
                "UPDATE settlement SET status = 'refunded', refund_setl_id = ? WHERE setl_id = ?",
                (setl_id, original.setl_id),
            )
            _unsettle_details(connection, original.setl_id)
            accumulators.repost(
                connection, original.scope, original.setl_id, setl_id=setl_id, sign=-1, reason="refund"
            )
            _debit(connection, original.scope, -original.amounts.acct_pay, -original.amounts.acct_mulaid_pay)
        return record

    def reinstate(self, reversal: SettlementRecord) -> SettlementRecord:
        """2601 of a 2208: the refund never happened; the original takes its amounts again."""
        assert reversal.original_setl_id is not None
        blockers = self.in_effect_after(reversal, include_reversals=True)
        if blockers:
            raise RequestError("请按时间倒序冲正：须先" + "、".join(_describe(record) for record in blockers))
        with self._store.joined() as connection:
            original = _load(connection, "setl_id = ?", (reversal.original_setl_id,))
            assert original is not None
            _check_details_free(connection, original)
            if _balance(connection, original.scope) < original.amounts.acct_pay:
                raise RequestError(f"个人账户余额不足，不能恢复结算[{original.setl_id}]的个人账户支付")
            connection.execute(
                "UPDATE settlement SET status = 'voided' WHERE setl_id = ?", (reversal.setl_id,)
            )
            _retake(connection, original, reversal, reason="reinstate")
            record = _load(connection, "setl_id = ?", (original.setl_id,))
        assert record is not None
        return record

    def roll_back(self, record: SettlementRecord) -> SettlementRecord:
        """The platform undoes `record` after answering it OK, as if it had never committed.

        A settlement gives back what it took (accumulators, account) and its details are unsettled again
        (the 2204 upload and the registration stand); a refund (2208) lets its original take its amounts
        again. What the hospital did on its side afterwards (2205, 2202) stands too: a rollback undoes one
        transaction. Newest first, as everything in a scope (a later record still in effect is named in the
        refusal).
        """
        if not record.in_effect or (record.kind == "reversal" and record.infno != "2208"):
            raise RequestError(f"结算ID[{record.setl_id}]不是有效的结算或退费（2208）记录，不能回退")
        later = self.in_effect_after(record, include_reversals=record.kind == "reversal")
        if later:
            raise RequestError("请按时间倒序回退：须先回退" + "、".join(f"[{r.setl_id}]" for r in later))
        with self._store.transaction() as connection:
            connection.execute(
                "UPDATE settlement SET status = 'rolled_back' WHERE setl_id = ?", (record.setl_id,)
            )
            if record.kind == "settlement":
                _unsettle_details(connection, record.setl_id)
                accumulators.repost(
                    connection,
                    record.scope,
                    record.setl_id,
                    setl_id=record.setl_id,
                    sign=-1,
                    reason="rollback",
                )
                _debit(connection, record.scope, -record.amounts.acct_pay, -record.amounts.acct_mulaid_pay)
            else:
                original = _load(connection, "setl_id = ?", (record.original_setl_id,))
                assert original is not None
                _retake(connection, original, record, reason="rollback")
            rolled = _load(connection, "setl_id = ?", (record.setl_id,))
        assert rolled is not None
        return rolled

    def in_effect_after(self, record: SettlementRecord, *, include_reversals: bool) -> list[SettlementRecord]:
        """Records of the same scope committed after `record` and still in effect, newest first."""
        kinds = ("settlement", "reversal") if include_reversals else ("settlement",)
        with self._store.joined() as connection:
            rows = connection.execute(
                "SELECT setl_id FROM settlement WHERE psn_no = ? AND insutype = ? AND year = ? AND seq > ?"
                f" AND status = 'active' AND kind IN ({', '.join('?' for _ in kinds)}) ORDER BY seq DESC",
                (record.psn_no, record.insutype, record.year, record.seq, *kinds),
            ).fetchall()
            found = [_load(connection, "setl_id = ?", (row["setl_id"],)) for row in rows]
        return [item for item in found if item is not None]

    def _check_refundable(self, original: SettlementRecord) -> None:
        if original.kind != "settlement":
            raise RequestError(f"结算ID[{original.setl_id}]为退费结算记录，不能撤销")
        if not original.in_effect:
            raise RequestError(
                f"结算[{original.setl_id}]已撤销（退费结算ID[{original.refund_setl_id}]），不能重复撤销"
            )
        later = self.in_effect_after(original, include_reversals=False)
        if later:
            names = "、".join(f"[{record.setl_id}]" for record in later)
            raise RequestError(f"请按时间倒序退费：须先撤销结算{names}")


def _settle_details(connection: sqlite3.Connection, setl_id: str) -> None:
    """The fee details of `setl_id`'s lines are settled by it: one statement for every line."""
    connection.execute(
        "UPDATE fee_detail SET setl_id = ? WHERE id IN"
        " (SELECT fee_detail_id FROM settlement_line WHERE setl_id = ?)",
        (setl_id, setl_id),
    )


def _unsettle_details(connection: sqlite3.Connection, setl_id: str) -> None:
    """The fee details settled by `setl_id` are unsettled again (their setl_id NULL).

    Found through the settlement's lines (`settlement_line`, keyed by setl_id), not by fee_detail.setl_id:
    that column is only ever set to one of the line's settlements (`settle`, `_retake`), and an index on it
    was a page written by every 2204 and 2207 for this lookup alone (migration 16, issue #18).
    """
    connection.execute(
        "UPDATE fee_detail SET setl_id = NULL WHERE id IN"
        " (SELECT fee_detail_id FROM settlement_line WHERE setl_id = ?) AND setl_id = ?",
        (setl_id, setl_id),
    )


def _retake(
    connection: sqlite3.Connection, original: SettlementRecord, reversal: SettlementRecord, *, reason: str
) -> None:
    """The refund `reversal` no longer stands: `original` is in effect again, its details settled by it,
    its accumulator entries and account payment taken again."""
    connection.execute(
        "UPDATE settlement SET status = 'active', refund_setl_id = NULL WHERE setl_id = ?",
        (original.setl_id,),
    )
    _settle_details(connection, original.setl_id)
    accumulators.repost(
        connection, original.scope, original.setl_id, setl_id=reversal.setl_id, sign=1, reason=reason
    )
    _debit(connection, original.scope, original.amounts.acct_pay, original.amounts.acct_mulaid_pay)


def _describe(record: SettlementRecord) -> str:
    return f"撤销结算[{record.setl_id}]" if record.kind == "settlement" else f"冲正退费结算[{record.setl_id}]"


def _giveback_text(amounts: SettlementAmounts) -> str:
    return (
        f"退回统筹基金{amounts.hifp_pay}元、个人账户{amounts.acct_pay}元、现金{amounts.psn_cash_pay}元，"
        f"恢复起付线累计{amounts.act_pay_dedc}元及病种支付限额累计{amounts.hifp_pay}元"
    )


def _check_details_free(connection: sqlite3.Connection, original: SettlementRecord) -> None:
    rows = connection.execute(
        "SELECT f.feedetl_sn, f.status, f.setl_id FROM fee_detail f JOIN settlement_line l ON "
        "l.fee_detail_id = f.id"
        " WHERE l.setl_id = ?",
        (original.setl_id,),
    ).fetchall()
    for row in rows:
        if row["status"] != "active" or row["setl_id"] is not None:
            raise RequestError(
                f"结算[{original.setl_id}]的费用明细[{row['feedetl_sn']}]已撤销或已重新结算，不能冲正"
            )


def _new_id(connection: sqlite3.Connection, admdvs: str, now: datetime) -> tuple[str, int]:
    """setl_id = "S" + clearing admdvs + date + 10-digit serial (C30); `seq` orders commits."""
    seq = next_value(connection, "setl_id")
    return f"S{admdvs}{format_day(now)}{seq:010d}", seq


def _insert(
    connection: sqlite3.Connection,
    setl_id: str,
    seq: int,
    kind: str,
    original: str | None,
    new: NewSettlement,
    scope: Scope,
    cum_ym: str,
    now: datetime,
    amounts: SettlementAmounts,
) -> SettlementRecord:
    """Store a new settlement or reversal row; the record `_load` would read back, without reading it (no
    column of the row is changed by SQLite or a trigger, and the amounts are the ones `result` holds: issue
    #18, tests/mock_platform/test_settlement_shared.py compares the two)."""
    setl_time = format_datetime(now)
    result = amounts.to_json()
    connection.execute(
        "INSERT INTO settlement (setl_id, seq, kind, original_setl_id, mdtrt_id, psn_no, insutype, year, "
        "cum_ym,"
        " chrg_bchno, med_type, dise_codg, fixmedins_code, msgid, infno, setl_time, status, result)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?)",
        (
            setl_id,
            seq,
            kind,
            original,
            new.mdtrt_id,
            scope.psn_no,
            scope.insutype,
            scope.year,
            cum_ym,
            new.chrg_bchno,
            new.med_type,
            new.dise_codg,
            new.fixmedins_code,
            new.msgid,
            new.infno,
            setl_time,
            result,
        ),
    )
    return SettlementRecord(
        setl_id=setl_id,
        seq=seq,
        kind=kind,
        original_setl_id=original,
        mdtrt_id=new.mdtrt_id,
        psn_no=scope.psn_no,
        insutype=scope.insutype,
        year=scope.year,
        cum_ym=cum_ym,
        chrg_bchno=new.chrg_bchno,
        med_type=new.med_type,
        dise_codg=new.dise_codg,
        fixmedins_code=new.fixmedins_code,
        msgid=new.msgid,
        infno=new.infno,
        setl_time=parse_datetime(setl_time),
        status="active",
        refund_setl_id=None,
        amounts=SettlementAmounts.from_json(result),
    )


def _balance(connection: sqlite3.Connection, scope: Scope) -> Decimal:
    row = connection.execute(
        "SELECT balc FROM insurance WHERE psn_no = ? AND insutype = ?", (scope.psn_no, scope.insutype)
    ).fetchone()
    return ZERO if row is None else Decimal(row["balc"])


def _debit(connection: sqlite3.Connection, scope: Scope, amount: Decimal, mulaid: Decimal) -> None:
    """Take `amount` from the account and `mulaid` from the 门诊共济 balance (negative: give back)."""
    for column, value in (("balc", amount), ("mulaid_balc", mulaid)):
        if value:
            row = connection.execute(
                f"SELECT {column} FROM insurance WHERE psn_no = ? AND insutype = ?",
                (scope.psn_no, scope.insutype),
            ).fetchone()
            connection.execute(
                f"UPDATE insurance SET {column} = ? WHERE psn_no = ? AND insutype = ?",
                (str(Decimal(row[0]) - value), scope.psn_no, scope.insutype),
            )


def _load(connection: sqlite3.Connection, where: str, parameters: tuple[Any, ...]) -> SettlementRecord | None:
    row = connection.execute(
        f"SELECT * FROM settlement WHERE {where} ORDER BY seq DESC LIMIT 1", parameters
    ).fetchone()
    if row is None:
        return None
    values = {name: row[name] for name in SettlementRecord.__dataclass_fields__ if name != "amounts"}
    values["setl_time"] = parse_datetime(row["setl_time"])
    return SettlementRecord(**values, amounts=SettlementAmounts.from_json(row["result"]))
