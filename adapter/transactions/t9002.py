"""9002 签退 — operator sign-out (PROTOCOL.md §3.1).

The output node's name is doubtful in the spec (its caption is copy-pasted), so the
answer is parsed leniently: nothing in it is required.
"""

from __future__ import annotations

from pydantic import Field

from ._base import InputModel, OutputModel, Transaction

__all__ = ["TRANSACTION", "Input", "Output", "SignOut"]


class SignOut(InputModel):
    sign_no: str
    opter_no: str


class Input(InputModel):
    sign_out: SignOut = Field(alias="signOut")


class Output(OutputModel):
    """Whatever the platform answers; 签退 has no output we rely on."""


TRANSACTION = Transaction(
    infno="9002",
    title="签退",
    input_model=Input,
    output_model=Output,
    changes_state=True,
)
