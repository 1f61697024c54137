"""What the served mock platform holds, read from its database file after the desks have finished.

The checks compare it with the PostgreSQL journal: the platform is the other book of record.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from adapter.execution import Journal


def _connect(mock_db: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{mock_db}?mode=ro", uri=True)


def repeated_msgids(mock_db: Path) -> list[tuple[str, int]]:
    """msgids the platform received more than once (no fault is armed, so none is ever resent)."""
    with _connect(mock_db) as db:
        return list(db.execute("SELECT msgid, count(*) FROM traffic GROUP BY msgid HAVING count(*) > 1"))


def received(mock_db: Path) -> int:
    with _connect(mock_db) as db:
        return int(db.execute("SELECT count(*) FROM traffic").fetchone()[0])


def live_settlements(mock_db: Path) -> dict[str, list[str]]:
    """Per person, the active settlements' ids in the platform's own order."""
    order: dict[str, list[str]] = defaultdict(list)
    with _connect(mock_db) as db:
        for psn_no, setl_id in db.execute(
            "SELECT psn_no, setl_id FROM settlement"
            " WHERE kind = 'settlement' AND status = 'active' ORDER BY seq"
        ):
            order[psn_no].append(setl_id)
    return dict(order)


def double_settlements(mock_db: Path) -> list[tuple[str, str, int]]:
    """(mdtrt_id, chrg_bchno, n): a batch the platform holds more than one active settlement of."""
    with _connect(mock_db) as db:
        return list(
            db.execute(
                "SELECT mdtrt_id, chrg_bchno, count(*) FROM settlement WHERE kind = 'settlement'"
                " AND status = 'active' GROUP BY mdtrt_id, chrg_bchno HAVING count(*) > 1"
            )
        )


def accumulator(mock_db: Path, psn_no: str, year: int, code: str) -> Decimal:
    """The platform's running total ``code`` for a person and year (S0000 fees, C0000 settlements)."""
    with _connect(mock_db) as db:
        rows = db.execute(
            "SELECT amount FROM accumulator_entry WHERE psn_no = ? AND year = ? AND cum_type_code = ?",
            (psn_no, year, code),
        )
        return sum((Decimal(amount) for (amount,) in rows), Decimal("0"))


def journal_order(journal: Journal, psn_no: str, insutype: str, year: int) -> list[str]:
    return [s.setl_id for s in journal.settlements_in_scope(psn_no, insutype, year) if s.active]


def assert_books_agree(mock_db: Path, journal: Journal, *, year: int) -> int:
    """Journal and platform hold the same live settlements, in the same order per person, and every
    accumulator equals the sum of the live settlements; returns how many there are."""
    platform = live_settlements(mock_db)
    assert double_settlements(mock_db) == []
    total = 0
    for psn_no, setl_ids in platform.items():
        journaled = [journal.settlement(setl_id) for setl_id in setl_ids]
        assert all(s is not None and s.active for s in journaled), psn_no
        insutype = journaled[0].insutype if journaled[0] else ""
        assert journal_order(journal, psn_no, insutype, year) == setl_ids
        fees = sum((s.medfee_sumamt for s in journaled if s), Decimal("0"))
        assert accumulator(mock_db, psn_no, year, "S0000") == fees
        assert accumulator(mock_db, psn_no, year, "C0000") == len(setl_ids)
        total += len(setl_ids)
    return total
