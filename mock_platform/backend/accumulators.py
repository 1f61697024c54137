"""Year-to-date accumulators (5206 人员累计信息), as an append-only ledger.

Every settlement posts what it takes; a refund (2208, or 2601 of a 2207) posts the exact negatives of what
the reversed settlement posted, and a 2601 of a 2208 posts them again, so any total is the sum of its
entries and a refund restores it exactly (DOMAIN.md §4.2). Entries are keyed (psn_no, insutype, year of the
visit) and carry the visit's month (`cum_ym`); amounts are TEXT Decimals, summed in Python.

Reads do not sum the ledger: `accumulator_total` holds each (scope, cum_type_code, month)'s sum, updated
with every entry in the same transaction, so 2206/2207 and 5206 cost the same at a person's 10,000th
settlement of a year as at the first (issue #18). The ledger stays the record; the totals always equal
its sums (tests/mock_platform/test_accumulator_totals.py recomputes them after settlements, refunds, 冲正
and reconciliation faults).

cum_type_code (no national dictionary is published, PROTOCOL.md §4 ⚠; names after DOMAIN.md §2.3's examples):

* ``Q0000`` 起付线累计: deductible used this year (Σ act_pay_dedc), shared by all the person's chronic
  diseases;
* ``S0000`` 医疗费用累计: Σ medfee_sumamt of the settlements;
* ``J0000`` 统筹基金支付累计: Σ hifp_pay;
* ``C0000`` 结算次数: the number of settlements in effect;
* ``F<code>`` 病种组支付限额已用: fund paid against the annual cap of a cap group, named by its smallest code
  (``FM01600`` 糖尿病, ``FM08301`` the M08301-M08306 transplant group); only for finite caps; ``F11`` the
  门诊统筹 cap of ordinary outpatient bills;
* ``Q0000_11`` 门诊统筹起付线累计: 门诊统筹 has its own deductible, apart from the chronic-disease one;
* ``J<fund_pay_type>`` what a supplementary fund paid this year (``J390200`` 大病保险, ``J330100`` 职工大额,
  ``J320100`` 公务员补助, …), and ``B<fund_pay_type>`` the running base of a layer with an annual threshold
  (大病保险's 合规个人负担 this year). J0000 (basic fund) is what the annual ceiling is measured against.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from mock_platform._money import ZERO, negated
from mock_platform.backend.benefits import Benefit
from mock_platform.backend.rows import insert_rows

DEDUCTIBLE = "Q0000"
MEDICAL_FEES = "S0000"
FUND_PAID = "J0000"
SETTLEMENTS = "C0000"
CUM_TYPE_NAMES = {
    DEDUCTIBLE: "起付线累计",
    MEDICAL_FEES: "医疗费用累计",
    FUND_PAID: "统筹基金支付累计",
    SETTLEMENTS: "结算次数",
}


@dataclass(frozen=True)
class Scope:
    """What settlements share running totals: one person, one insutype, one calendar year (DOMAIN.md §4.2)."""

    psn_no: str
    insutype: str
    year: int


def postings(benefit: Benefit) -> list[tuple[str, Decimal]]:
    """What one settlement adds to the accumulators (zero amounts are not posted, the count always is)."""
    entries = [(SETTLEMENTS, Decimal(1)), (MEDICAL_FEES, benefit.totals.medfee_sumamt)]
    if benefit.act_pay_dedc:
        entries.append((benefit.rules.deductible_code, benefit.act_pay_dedc))
    if benefit.hifp_pay:
        entries.append((FUND_PAID, benefit.hifp_pay))
        if benefit.rules.cap_code is not None:
            entries.append((benefit.rules.cap_code, benefit.hifp_pay))
    for share in benefit.shares[1:]:
        if share.counted and share.base_code:
            entries.append((share.base_code, share.counted))
        if share.fund_payamt and share.paid_code:
            entries.append((share.paid_code, share.fund_payamt))
    return entries


def post(
    connection: sqlite3.Connection,
    scope: Scope,
    cum_ym: str,
    entries: Iterable[tuple[str, Decimal]],
    *,
    setl_id: str,
    reason: str,
) -> None:
    """Append entries to the ledger and add them to the running totals, in the caller's transaction."""
    _append(connection, scope, [(cum_ym, code, amount) for code, amount in entries], setl_id, reason)


def _append(
    connection: sqlite3.Connection,
    scope: Scope,
    entries: list[tuple[str, str, Decimal]],
    setl_id: str,
    reason: str,
) -> None:
    """Ledger rows for (cum_ym, cum_type_code, amount) entries, and the same amounts added to
    `accumulator_total` (schema migration 11), so that a total is a read of at most 12 monthly rows whatever
    the person's history; every writer of the ledger goes through here."""
    if not entries:
        return
    insert_rows(
        connection,
        "INSERT INTO accumulator_entry"
        " (psn_no, insutype, year, cum_ym, cum_type_code, amount, setl_id, reason)",
        [
            (scope.psn_no, scope.insutype, scope.year, cum_ym, code, str(amount), setl_id, reason)
            for cum_ym, code, amount in entries
        ],
    )
    months = sorted({cum_ym for cum_ym, _, _ in entries})
    rows = connection.execute(
        "SELECT cum_ym, cum_type_code, amount FROM accumulator_total WHERE psn_no = ? AND insutype = ? AND "
        f"year = ? AND cum_ym IN ({', '.join('?' for _ in months)})",
        (scope.psn_no, scope.insutype, scope.year, *months),
    )
    totals = {(row[0], row[1]): Decimal(row[2]) for row in rows}
    changed: dict[tuple[str, str], Decimal] = {}
    for cum_ym, code, amount in entries:
        key = (cum_ym, code)
        changed[key] = changed.get(key, totals.get(key, ZERO)) + amount
    insert_rows(
        connection,
        "INSERT INTO accumulator_total (psn_no, insutype, year, cum_type_code, cum_ym, amount)",
        [
            (scope.psn_no, scope.insutype, scope.year, code, cum_ym, str(amount))
            for (cum_ym, code), amount in changed.items()
        ],
        "ON CONFLICT (psn_no, insutype, year, cum_type_code, cum_ym) DO UPDATE SET amount = excluded.amount",
    )


def posted_by(connection: sqlite3.Connection, setl_id: str) -> list[tuple[str, str, Decimal]]:
    """(cum_ym, cum_type_code, amount) of every entry a settlement posted itself."""
    rows = connection.execute(
        "SELECT cum_ym, cum_type_code, amount FROM accumulator_entry WHERE setl_id = ? AND reason = 'settle'"
        " ORDER BY id",
        (setl_id,),
    )
    return [(row["cum_ym"], row["cum_type_code"], Decimal(row["amount"])) for row in rows]


def repost(
    connection: sqlite3.Connection, scope: Scope, original: str, *, setl_id: str, sign: int, reason: str
) -> None:
    """Post the entries of settlement `original` again, times `sign` (-1 to give them back, +1 to re-take)."""
    entries = [
        (cum_ym, code, negated(amount, sign)) for cum_ym, code, amount in posted_by(connection, original)
    ]
    _append(connection, scope, entries, setl_id, reason)


def totals(connection: sqlite3.Connection, scope: Scope) -> dict[str, Decimal]:
    """Every cum_type_code's total of the scope's year (all months), from the running totals."""
    rows = connection.execute(
        "SELECT cum_type_code, amount FROM accumulator_total WHERE psn_no = ? AND insutype = ? AND year = ?",
        (scope.psn_no, scope.insutype, scope.year),
    )
    sums: dict[str, Decimal] = {}
    for code, amount in rows:
        sums[code] = sums.get(code, ZERO) + Decimal(amount)
    return sums


def visit_deductible(connection: sqlite3.Connection, mdtrt_id: str, code: str = DEDUCTIBLE) -> Decimal:
    """Deductible used by the settlements in effect of one visit (for a per-visit deductible basis)."""
    rows = connection.execute(
        "SELECT e.amount FROM accumulator_entry e JOIN settlement s ON s.setl_id = e.setl_id"
        " WHERE s.mdtrt_id = ? AND e.cum_type_code = ?",
        (mdtrt_id, code),
    )
    return _sum(rows)


def _sum(rows: Iterable[sqlite3.Row]) -> Decimal:
    """Σ of the rows' one column, exact Decimal text."""
    return sum(map(Decimal, [row[0] for row in rows]), ZERO)


def year_to_date(
    connection: sqlite3.Connection, psn_no: str, year: int, cum_ym: str
) -> list[dict[str, object]]:
    """5206 rows: per (insutype, cum_type_code), the year's total through month `cum_ym`."""
    rows = connection.execute(
        "SELECT insutype, cum_type_code, amount FROM accumulator_total"
        " WHERE psn_no = ? AND year = ? AND cum_ym <= ?",
        (psn_no, year, cum_ym),
    )
    sums: dict[tuple[str, str], Decimal] = {}
    for row in rows:
        key = (row["insutype"], row["cum_type_code"])
        sums[key] = sums.get(key, ZERO) + Decimal(row["amount"])
    return [
        {"insutype": insutype, "year": str(year), "cum_ym": cum_ym, "cum_type_code": code, "cum": amount}
        for (insutype, code), amount in sorted(sums.items(), key=lambda item: _order(item[0]))
    ]


def _order(key: tuple[str, str]) -> tuple[str, int, str]:
    insutype, code = key
    fixed = (DEDUCTIBLE, MEDICAL_FEES, FUND_PAID, SETTLEMENTS)
    return (insutype, fixed.index(code) if code in fixed else len(fixed), code)
