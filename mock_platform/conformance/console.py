"""The web console's read side: settlements per person with their accumulators (issue #17, `/_mock/ui`).

Read-only views over the store, for the page only (the platform's own books stay the writers). The page
itself (`templates/console.html`) also shows the traffic with bodies, the armed faults, the scenario runs
and the conformance verdicts, each from its own module.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from mock_platform.backend.store import Store


@dataclass(frozen=True)
class SettlementRow:
    setl_id: str
    kind: str
    status: str
    psn_no: str
    insutype: str
    mdtrt_id: str
    chrg_bchno: str
    dise_codg: str
    setl_time: str
    msgid: str


@dataclass(frozen=True)
class AccumulatorRow:
    psn_no: str
    insutype: str
    year: int
    cum_type_code: str
    total: Decimal


@dataclass(frozen=True)
class PersonView:
    psn_no: str
    settlements: tuple[SettlementRow, ...]
    accumulators: tuple[AccumulatorRow, ...]


def people_view(store: Store, *, limit: int = 200) -> list[PersonView]:
    """The newest `limit` settlements and refunds grouped by person, with each person's accumulators."""
    with store.read() as connection:
        settlements = [
            SettlementRow(
                row["setl_id"],
                row["kind"],
                row["status"],
                row["psn_no"],
                row["insutype"],
                row["mdtrt_id"],
                row["chrg_bchno"],
                row["dise_codg"],
                row["setl_time"],
                row["msgid"],
            )
            for row in connection.execute(
                "SELECT setl_id, kind, status, psn_no, insutype, mdtrt_id, chrg_bchno, dise_codg, setl_time,"
                " msgid FROM settlement ORDER BY seq DESC LIMIT ?",
                (limit,),
            )
        ]
        people = sorted({row.psn_no for row in settlements})
        sums: dict[tuple[str, str, int, str], Decimal] = {}
        for psn_no in people:
            for row in connection.execute(
                "SELECT psn_no, insutype, year, cum_type_code, amount FROM accumulator_entry"
                " WHERE psn_no = ? AND setl_id IN (SELECT setl_id FROM settlement WHERE psn_no = ?)",
                (psn_no, psn_no),
            ):
                key = (row["psn_no"], row["insutype"], int(row["year"]), row["cum_type_code"])
                sums[key] = sums.get(key, Decimal("0")) + Decimal(row["amount"])
    return [
        PersonView(
            psn_no,
            tuple(row for row in settlements if row.psn_no == psn_no),
            tuple(
                AccumulatorRow(key[0], key[1], key[2], key[3], total)
                for key, total in sorted(sums.items())
                if key[0] == psn_no
            ),
        )
        for psn_no in people
    ]
