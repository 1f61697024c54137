"""2601 冲正交易 — cancel, on the platform, a call whose outcome is unknown (PROTOCOL.md §3.13).

``omsgid``/``oinfno`` are the msgid and infno of the original request (e.g. a 2207
that timed out). Which transactions a region lets 2601 reverse varies (HN V1.1.27
narrows the national list and discourages its use, ⚠). No output.
"""

from __future__ import annotations

from ._base import InputModel, OutputModel, Transaction

__all__ = ["TRANSACTION", "Input", "Output", "Reversal"]


class Reversal(InputModel):
    psn_no: str
    omsgid: str
    oinfno: str


class Input(InputModel):
    data: Reversal


class Output(OutputModel):
    """2601 has no output."""


TRANSACTION = Transaction(
    infno="2601",
    title="冲正交易",
    input_model=Input,
    output_model=Output,
    changes_state=True,
)
