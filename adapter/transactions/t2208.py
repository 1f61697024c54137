"""2208 门诊结算撤销 — reverse a whole settlement (PROTOCOL.md §3.12).

The answer is a new, *reversal* settlement: its ``setl_id`` is the red entry's and
its amounts are negative. The national text spells the cash amount ``pdn_cash_pay``
(⚠ typo; live answers also use ``psn_cash_pay``): both are read into
``setlinfo.psn_cash_pay``. The platform may return the full 2207 person block too.
"""

from __future__ import annotations

from ._base import InputModel, Transaction
from ._settlement import FundPayment, SettlementInfo, SettlementOutput

__all__ = ["TRANSACTION", "FundPayment", "Input", "Output", "SettlementCancel", "SettlementInfo"]


class SettlementCancel(InputModel):
    setl_id: str
    mdtrt_id: str
    psn_no: str
    exp_content: str = ""


class Input(InputModel):
    data: SettlementCancel


class Output(SettlementOutput):
    """``setlinfo`` + ``setldetail[]`` of the reversal, amounts negative."""


TRANSACTION = Transaction(
    infno="2208",
    title="门诊结算撤销",
    input_model=Input,
    output_model=Output,
    changes_state=True,
)
