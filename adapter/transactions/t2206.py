"""2206 门诊预结算 — preview a batch's settlement (PROTOCOL.md §3.10).

It commits nothing and may be retried, so it is treated as a query. Its
``setlinfo`` has no ``setl_id`` in the national text (TZ and NT send one, or null;
both read as ``""``). The blocks are shared with 2207/2208 (``_settlement``).
"""

from __future__ import annotations

from ._base import InputModel, Transaction
from ._settlement import FundPayment, PreSettlementData, SettlementInfo, SettlementOutput

__all__ = ["TRANSACTION", "FundPayment", "Input", "Output", "PreSettlementData", "SettlementInfo"]


class Input(InputModel):
    data: PreSettlementData


class Output(SettlementOutput):
    """``setlinfo`` + ``setldetail[]``."""


TRANSACTION = Transaction(
    infno="2206",
    title="门诊预结算",
    input_model=Input,
    output_model=Output,
    changes_state=False,
)
