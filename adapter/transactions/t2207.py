"""2207 门诊结算 — settle a batch (PROTOCOL.md §3.11).

The input is 2206's plus ``invono`` and the bill's four amount classes. Keep
``setl_id``, ``mdtrt_id``, ``medins_setl_id`` (= the request msgid) and the msgid for
2208, 2601 and reconciliation. An unknown outcome is resolved with 2601 (§6.4).
⚠ One region wants an encrypted card password in the envelope's ``cainfo`` (§2.4).
"""

from __future__ import annotations

from ._base import InputModel, Transaction
from ._settlement import FundPayment, SettlementData, SettlementInfo, SettlementOutput

__all__ = ["TRANSACTION", "FundPayment", "Input", "Output", "SettlementData", "SettlementInfo"]


class Input(InputModel):
    data: SettlementData


class Output(SettlementOutput):
    """``setlinfo`` (with ``setl_id``) + ``setldetail[]``."""


TRANSACTION = Transaction(
    infno="2207",
    title="门诊结算",
    input_model=Input,
    output_model=Output,
    changes_state=True,
)
