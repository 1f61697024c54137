"""5301 人员慢特病备案查询 — the person's chronic-disease filings (PROTOCOL.md §3.3).

The output node is named ``feedetail`` although it lists filings, and it is an array.
"""

from __future__ import annotations

from ._base import InputModel, OutputModel, Transaction, exp_content_field
from ._fields import Code, ExpContent, ListOf, OptionalDate, WireDate

__all__ = ["TRANSACTION", "Filing", "Input", "Output", "PersonRef"]


class PersonRef(InputModel):
    psn_no: str


class Input(InputModel):
    data: PersonRef


class Filing(OutputModel):
    opsp_dise_code: Code
    opsp_dise_name: str
    begndate: WireDate
    enddate: OptionalDate = None
    exp_content: ExpContent = exp_content_field()


class Output(OutputModel):
    feedetail: ListOf[Filing] = ()


TRANSACTION = Transaction(
    infno="5301",
    title="人员慢特病备案查询",
    input_model=Input,
    output_model=Output,
    changes_state=False,
)
