"""5206 人员累计信息查询 — the person's running totals, e.g. fund paid this year (PROTOCOL.md §3.14).

``cum_type_code`` has no published dictionary (local codes, ⚠); it is kept as text.
"""

from __future__ import annotations

from ._base import InputModel, OutputModel, Transaction
from ._fields import Amount, Code, ListOf

__all__ = ["TRANSACTION", "Cumulative", "CumulativeQuery", "Input", "Output"]


class CumulativeQuery(InputModel):
    psn_no: str
    cum_ym: str = ""
    """``yyyyMM``."""


class Input(InputModel):
    data: CumulativeQuery


class Cumulative(OutputModel):
    insutype: Code
    year: Code
    cum_ym: Code
    cum_type_code: Code
    cum: Amount


class Output(OutputModel):
    cuminfo: ListOf[Cumulative] = ()


TRANSACTION = Transaction(
    infno="5206",
    title="人员累计信息查询",
    input_model=Input,
    output_model=Output,
    changes_state=False,
)
