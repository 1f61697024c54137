"""The payment-scope catalogue of a province of care (就医地 支付范围; the 1312 / 1319 / 1320 content).

The place of care decides class, 先行自付 ratio and price cap of every line (DOMAIN.md §1.4, seed 002
三(一): "执行就医地的支付范围"), so there is one catalogue per province, one file each
(``data/payment_scope_<admdvs>.csv``). A row is valid from ``begndate`` to ``enddate`` inclusive (empty
``enddate`` = open); one code may have several rows with disjoint periods. A national code without a
row valid on the day is outside the catalogue: the fee split treats the line as 自费 (DOMAIN.md §2.2).

Values follow the platform's dictionaries and precision (PROTOCOL.md §4, DOMAIN.md §2.1):
``chrgitm_lv`` 01 甲 / 02 乙 / 03 丙 (``1``/``2``/``3`` accepted and normalised); ``selfpay_prop`` 4
decimals, 0 for 甲, empty for 丙 (the whole line is self-paid); ``pric_uplmt_amt`` 6 decimals, empty =
no cap; ``lmt_used_flag`` ``0``/``1``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from mappings._csv import Record, check_unique, frozen_mapping, read_table
from mappings.codes import Admdvs, NationalItemCode, parse_admdvs, parse_national_item_code, province_of
from mappings.errors import DataFileError

__all__ = ["PaymentScopeCatalogue", "ScopeEntry", "load_payment_scope"]

COLUMNS = (
    "insu_admdvs",
    "national_code",
    "name",
    "chrgitm_lv",
    "selfpay_prop",
    "pric_uplmt_amt",
    "lmt_used_flag",
    "begndate",
    "enddate",
    "provenance",
)
CHRGITM_LV = {"01": "01", "02": "02", "03": "03", "1": "01", "2": "02", "3": "03"}
FLAG = {"0": "0", "1": "1"}
ZERO = Decimal("0.0000")


@dataclass(frozen=True, slots=True)
class ScopeEntry:
    """One catalogue row: how the province of care classes a national item during a period."""

    insu_admdvs: Admdvs
    national_code: NationalItemCode
    name: str
    chrgitm_lv: str
    selfpay_prop: Decimal | None
    pric_uplmt_amt: Decimal | None
    lmt_used_flag: str
    begndate: date
    enddate: date | None
    provenance: str

    def valid_on(self, day: date) -> bool:
        return self.begndate <= day and (self.enddate is None or day <= self.enddate)


@dataclass(frozen=True, slots=True, eq=False)
class PaymentScopeCatalogue:
    """One province's catalogue, read-only: national code -> its rows in date order."""

    province: Admdvs
    source: Path
    comments: tuple[str, ...]
    entries: Mapping[NationalItemCode, tuple[ScopeEntry, ...]]

    def get(self, national_code: str, *, on: date) -> ScopeEntry | None:
        """The row valid on ``on``, or ``None`` (not in this province's catalogue that day)."""
        for entry in self.entries.get(NationalItemCode(national_code), ()):
            if entry.valid_on(on):
                return entry
        return None


def _entry(record: Record) -> ScopeEntry:
    level = record.choice("chrgitm_lv", CHRGITM_LV)
    begndate, enddate = record.date("begndate"), record.date("enddate")
    if begndate is None:
        raise record.error("begndate", "empty")
    if enddate is not None and enddate < begndate:
        raise record.error("enddate", "before begndate")
    entry = ScopeEntry(
        insu_admdvs=record.parsed("insu_admdvs", parse_admdvs),
        national_code=record.parsed("national_code", parse_national_item_code),
        name=record.text("name"),
        chrgitm_lv=level,
        selfpay_prop=record.decimal("selfpay_prop", places=4, maximum=Decimal(1)),
        pric_uplmt_amt=record.decimal("pric_uplmt_amt", places=6),
        lmt_used_flag=record.choice("lmt_used_flag", FLAG),
        begndate=begndate,
        enddate=enddate,
        provenance=record.text("provenance"),
    )
    _check_selfpay(entry, record)
    return entry


def _check_selfpay(entry: ScopeEntry, record: Record) -> None:
    # DOMAIN.md §2.2: 甲 has selfpay_prop 0; 乙 pays base x selfpay_prop first; 丙 is wholly self-paid.
    if entry.chrgitm_lv == "01" and entry.selfpay_prop != ZERO:
        raise record.error("selfpay_prop", "must be 0 for chrgitm_lv 01 (甲类)")
    if entry.chrgitm_lv == "02" and entry.selfpay_prop is None:
        raise record.error("selfpay_prop", "required for chrgitm_lv 02 (乙类)")
    if entry.chrgitm_lv == "03" and entry.selfpay_prop is not None:
        raise record.error("selfpay_prop", "must be empty for chrgitm_lv 03 (丙类: wholly self-paid)")


def _check_periods(rows: list[tuple[ScopeEntry, Record]]) -> None:
    """Rows of one code must not overlap in time (rows are checked in begndate order)."""
    last: dict[NationalItemCode, ScopeEntry] = {}
    for entry, record in sorted(rows, key=lambda pair: (pair[0].national_code, pair[0].begndate)):
        previous = last.get(entry.national_code)
        if previous is not None and (previous.enddate is None or previous.enddate >= entry.begndate):
            raise record.error("begndate", f"period overlaps another row of {entry.national_code}")
        last[entry.national_code] = entry


def load_payment_scope(path: Path) -> PaymentScopeCatalogue:
    """Load one province's catalogue; every row must name the same province-level ``insu_admdvs``."""
    table = read_table(path, COLUMNS)
    rows = [(_entry(record), record) for record in table.records]
    if not rows:
        raise DataFileError(path, line=None, field=None, reason="no rows")
    province = rows[0][0].insu_admdvs
    for entry, record in rows:
        if entry.insu_admdvs != province or province_of(province) != province:
            raise record.error("insu_admdvs", f"every row must name the file's province ({province})")
    check_unique((((e.national_code, e.begndate), record) for e, record in rows), "national_code")
    _check_periods(rows)
    grouped: dict[NationalItemCode, list[ScopeEntry]] = {}
    for entry, _ in sorted(rows, key=lambda pair: pair[0].begndate):
        grouped.setdefault(entry.national_code, []).append(entry)
    entries = frozen_mapping((code, tuple(group)) for code, group in grouped.items())
    return PaymentScopeCatalogue(province, path, table.comments, entries)
