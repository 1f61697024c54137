"""2201 门诊挂号 — open an outpatient visit and get its ``mdtrt_id`` (PROTOCOL.md §3.5).

``mdtrt_id`` is the key of every later call of the visit. The 异地 person fields are
only needed for cross-region visits. TZ's Nanjing-only ``psnbaseinfo`` node is not
modelled (⚠ local).
"""

from __future__ import annotations

from pydantic import Field

from ._base import InputModel, OutputModel, Transaction, exp_content_field
from ._fields import Code, ExpContent, OptionalCode, WireDateTime

__all__ = ["TRANSACTION", "Input", "Output", "Registration", "RegistrationResult"]


class Registration(InputModel):
    psn_no: str
    insutype: str
    begntime: WireDateTime
    """挂号时间."""
    mdtrt_cert_type: str
    mdtrt_cert_no: str = Field(repr=False)
    ipt_otp_no: str
    """The hospital's own visit number."""
    atddr_no: str
    """National doctor code (HN: optional since V1.1.23; pass ``""`` there)."""
    dr_name: str
    dept_code: str
    dept_name: str
    caty: str
    card_sn: str = Field(default="", repr=False)
    psn_cert_type: str = ""
    certno: str = Field(default="", repr=False)
    psn_type: str = ""
    psn_name: str = Field(default="", repr=False)
    exp_content: str = ""


class Input(InputModel):
    data: Registration


class RegistrationResult(OutputModel):
    mdtrt_id: Code
    psn_no: Code
    ipt_otp_no: OptionalCode = ""
    exp_content: ExpContent = exp_content_field()


class Output(OutputModel):
    data: RegistrationResult


TRANSACTION = Transaction(
    infno="2201",
    title="门诊挂号",
    input_model=Input,
    output_model=Output,
    changes_state=True,
)
