"""2205 门诊费用明细信息撤销 — withdraw a batch of uploaded fee details (PROTOCOL.md §3.9).

``chrg_bchno`` ``"0000"`` withdraws every unsettled detail of the visit. Settled
details cannot be withdrawn: run 2208 first. No output.
"""

from __future__ import annotations

from ._base import InputModel, OutputModel, Transaction

__all__ = ["ALL_UNSETTLED", "TRANSACTION", "FeeDetailCancel", "Input", "Output"]

ALL_UNSETTLED = "0000"
"""The ``chrg_bchno`` that withdraws every unsettled detail of the visit."""


class FeeDetailCancel(InputModel):
    mdtrt_id: str
    chrg_bchno: str
    psn_no: str
    exp_content: str = ""


class Input(InputModel):
    data: FeeDetailCancel


class Output(OutputModel):
    """2205 has no output."""


TRANSACTION = Transaction(
    infno="2205",
    title="门诊费用明细信息撤销",
    input_model=Input,
    output_model=Output,
    changes_state=True,
)
