"""The journal's side of a statement: ledger rows for a date range, grouped by the 3201 key; the detail file.

A settlement counts on the day of its ``setl_time``; its refund counts, with the amounts negated, on the day
of the refund's ``setl_time`` (``refund_time``) — as the platform counts them (PROTOCOL.md §6.7); a voided row
(the platform never held it) not at all. In the detail file a refund is two rows, the forward and the reverse
(§3.15), whichever day each belongs to.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from datetime import date

from ..execution import SettlementRecord
from ..transactions.t3202 import UPLOAD_COLUMNS
from ._model import StatementRow

__all__ = ["GroupKey", "detail_file", "group_rows", "ledger_rows", "parse_result_file"]

GroupKey = tuple[str, str, str]
"""(insutype, clr_type, setl_optins)."""


def ledger_rows(settlements: Iterable[SettlementRecord], first: date, last: date) -> list[StatementRow]:
    rows: list[StatementRow] = []
    for s in settlements:
        if s.voided:
            continue  # reconciliation voided it: the platform holds no such settlement
        common = {
            "mdtrt_id": s.mdtrt_id,
            "psn_no": s.psn_no,
            "insutype": s.insutype,
            "clr_type": s.clr_type,
            "setl_optins": s.clr_optins,
        }
        if first <= s.setl_time.date() <= last:
            rows.append(
                StatementRow(
                    setl_id=s.setl_id,
                    medfee_sumamt=s.medfee_sumamt,
                    fund_pay_sumamt=s.fund_pay_sumamt,
                    acct_pay=s.acct_pay,
                    psn_cash_pay=s.psn_cash_pay,
                    refd_setl_flag="0",
                    setl_time=s.setl_time,
                    msgid=s.msgid,
                    **common,
                )
            )
        if s.refund_setl_id and s.refund_time is not None and first <= s.refund_time.date() <= last:
            rows.append(
                StatementRow(
                    setl_id=s.refund_setl_id,
                    medfee_sumamt=-s.medfee_sumamt,
                    fund_pay_sumamt=-s.fund_pay_sumamt,
                    acct_pay=-s.acct_pay,
                    psn_cash_pay=-s.psn_cash_pay,
                    refd_setl_flag="1",
                    setl_time=s.refund_time,
                    **common,
                )
            )
    return rows


def group_rows(rows: Iterable[StatementRow]) -> dict[GroupKey, list[StatementRow]]:
    groups: dict[GroupKey, list[StatementRow]] = {}
    for row in rows:
        groups.setdefault((row.insutype, row.clr_type, row.setl_optins), []).append(row)
    return dict(sorted(groups.items()))


def detail_file(name: str, rows: Iterable[StatementRow]) -> bytes:
    """TXT in ZIP, TAB-separated UTF-8, the §3.15 column order, ``null`` for an empty value."""
    lines = []
    for row in rows:
        values = [str(getattr(row, column)) for column in UPLOAD_COLUMNS]
        lines.append("\t".join(value or "null" for value in values) + "\n")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{name}.txt", "".join(lines).encode("utf-8"))
    return buffer.getvalue()


def parse_result_file(content: bytes, columns: tuple[str, ...]) -> list[dict[str, str]]:
    """The rows of the 3202 result file (9102's ZIP): one dict per line, ``null`` read as empty."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        member = next(name for name in archive.namelist() if name.lower().endswith(".txt"))
        text = archive.read(member).decode("utf-8")
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        values = ["" if value == "null" else value for value in line.split("\t")]
        if len(values) != len(columns):
            raise ValueError(
                f"3202 result file line {number}: {len(values)} columns, expected {len(columns)}"
            )
        rows.append(dict(zip(columns, values, strict=True)))
    return rows
