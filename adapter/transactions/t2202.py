"""2202 门诊挂号撤销 — cancel an outpatient registration (PROTOCOL.md §3.6). No output."""

from __future__ import annotations

from ._base import InputModel, OutputModel, Transaction

__all__ = ["TRANSACTION", "Input", "Output", "RegistrationCancel"]


class RegistrationCancel(InputModel):
    psn_no: str
    mdtrt_id: str
    ipt_otp_no: str
    exp_content: str = ""


class Input(InputModel):
    data: RegistrationCancel


class Output(OutputModel):
    """2202 has no output."""


TRANSACTION = Transaction(
    infno="2202",
    title="门诊挂号撤销",
    input_model=Input,
    output_model=Output,
    changes_state=True,
)
