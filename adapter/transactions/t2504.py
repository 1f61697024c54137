"""2504 人员慢特病备案撤销 — revoke a filing the insurer has not approved yet (§3.17). No output."""

from __future__ import annotations

from ._base import InputModel, OutputModel, Transaction

__all__ = ["TRANSACTION", "Input", "Output", "Revocation"]


class Revocation(InputModel):
    trt_dcla_detl_sn: str
    psn_no: str
    memo: str
    """撤销原因 (required)."""


class Input(InputModel):
    data: Revocation


class Output(OutputModel):
    """2504 has no output."""


TRANSACTION = Transaction(
    infno="2504",
    title="人员慢特病备案撤销",
    input_model=Input,
    output_model=Output,
    changes_state=True,
)
