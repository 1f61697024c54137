"""5201 就诊信息查询 — the person's visits in a period (PROTOCOL.md §3.14).

The platform answers ``mdtrtinfo[]`` with 61 fields; only those an execution layer
needs (to find a visit, e.g. an orphan after a lost 2201) are modelled and the rest
are ignored, personal ones included. ``endtime`` may be empty for an open visit.
"""

from __future__ import annotations

from ._base import InputModel, OutputModel, Transaction
from ._fields import Code, ListOf, OptionalCode, OptionalDateTime, WireDateTime

__all__ = ["TRANSACTION", "Input", "Output", "VisitQuery", "VisitRecord"]


class VisitQuery(InputModel):
    psn_no: str
    begntime: WireDateTime
    endtime: WireDateTime
    med_type: str
    mdtrt_id: str = ""


class Input(InputModel):
    data: VisitQuery


class VisitRecord(OutputModel):
    mdtrt_id: Code
    psn_no: Code
    ipt_otp_no: OptionalCode = ""
    begntime: WireDateTime
    endtime: OptionalDateTime = None
    med_type: Code
    dise_codg: OptionalCode = ""
    dise_name: OptionalCode = ""
    insutype: Code


class Output(OutputModel):
    mdtrtinfo: ListOf[VisitRecord] = ()


TRANSACTION = Transaction(
    infno="5201",
    title="就诊信息查询",
    input_model=Input,
    output_model=Output,
    changes_state=False,
)
