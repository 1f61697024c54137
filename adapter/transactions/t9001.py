"""9001 签到 — operator sign-in (PROTOCOL.md §3.1).

A re-sign-in by the same operator returns the same ``sign_no`` (JX), so the call is
safe to repeat and is treated as a query for retries.
"""

from __future__ import annotations

from pydantic import Field

from ._base import InputModel, OutputModel, Transaction
from ._fields import Code, WireDateTime

__all__ = ["TRANSACTION", "Input", "Output", "SignIn", "SignInResult"]


class SignIn(InputModel):
    opter_no: str
    mac: str = ""
    ip: str = ""


class Input(InputModel):
    sign_in: SignIn = Field(alias="signIn")


class SignInResult(OutputModel):
    sign_time: WireDateTime
    sign_no: Code


class Output(OutputModel):
    signinoutb: SignInResult


TRANSACTION = Transaction(
    infno="9001",
    title="签到",
    input_model=Input,
    output_model=Output,
    changes_state=False,
    requires_sign_in=False,
)
